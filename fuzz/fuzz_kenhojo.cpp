// Fuzz target: Kenhojo EF 0001 / EF 0002 contents through the lenient BER parsers.
#include <cstddef>
#include <cstdint>

#include "mynacard/jpki/kenhojo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const mynacard::ByteView in(data, size);
    (void)mynacard::jpki::parse_my_number(in);
    (void)mynacard::jpki::parse_kenhojo_attributes(in);
    return 0;
}
