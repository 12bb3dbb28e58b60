// libFuzzer target: what a card sends. Response::parse, the status-word table, a lenient TLV walk
// over the data (as the Kenhojo reader does with untrusted card data, jpki-card.md §1.11), and
// the same bytes read as an ATR (historical bytes, extended-length capability).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "mynacard/apdu/atr.hpp"
#include "mynacard/apdu/response.hpp"
#include "mynacard/apdu/status_word.hpp"
#include "mynacard/apdu/tlv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard::apdu;
    const mynacard::ByteView raw(data, size);
    if (auto hist = atr::historical_bytes(raw); hist && hist->size() > 15) __builtin_trap();  // K <= 15
    (void)atr::declares_extended_length(raw);

    auto rsp = Response::parse(raw);
    if (!rsp) {
        if (size >= 2) __builtin_trap();  // two bytes always make a response
        return 0;
    }
    if (rsp->data.size() + 2 != size) __builtin_trap();
    const char* meaning = describe(rsp->sw);
    if (meaning == nullptr || std::strlen(meaning) == 0) __builtin_trap();
    if (!rsp->sw.ok()) {
        const mynacard::Error err = to_error(rsp->sw, "fuzz");
        if (err.code != to_errc(rsp->sw) || !err.sw || *err.sw != rsp->sw.value) __builtin_trap();
        (void)err.message();
    }
    auto all = tlv::parse_all(rsp->data);
    if (all) {
        for (const auto& e : *all) {
            // Every view must lie inside the data.
            if (e.value.data() < rsp->data.data() ||
                e.value.data() + e.value.size() > rsp->data.data() + rsp->data.size())
                __builtin_trap();
            if (e.header.constructed) (void)tlv::parse_all(e.value);
        }
        (void)tlv::find(*all, 0xFF40);
    }
    return 0;
}
