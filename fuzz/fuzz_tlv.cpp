// libFuzzer target: the lenient BER-TLV reader, recursively into constructed values.
#include <cstddef>
#include <cstdint>

#include "mynacard/apdu/tlv.hpp"

namespace {

void walk(mynacard::ByteView in, int depth)
{
    using namespace mynacard::apdu;
    auto header = tlv::parse_header(in);
    auto element = tlv::parse_element(in);
    if (element) {
        if (!header) __builtin_trap();  // an element always has a header
        if (element->header.total() > in.size()) __builtin_trap();
        if (element->value.data() != in.data() + element->header.header_length) __builtin_trap();
    }
    auto all = tlv::parse_all(in);
    if (!all) return;
    std::size_t consumed = 0;
    for (const auto& e : *all) {
        consumed += e.header.total();
        if (consumed > in.size()) __builtin_trap();
        if (e.header.constructed && depth < 8) walk(e.value, depth + 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    walk(mynacard::ByteView(data, size), 0);
    return 0;
}
