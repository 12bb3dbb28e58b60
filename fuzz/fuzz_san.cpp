// Fuzz target: the DER GeneralNames of a SubjectAltName, decoded with libtasn1 into the JPKI
// personal attributes (lib/jpki/personal_attributes.cpp).
#include <cstddef>
#include <cstdint>

#include "../lib/jpki/san.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    (void)mynacard::jpki::detail::decode_personal_attributes(mynacard::ByteView(data, size));
    return 0;
}
