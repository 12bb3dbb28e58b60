// Fuzz target: the ATR parser (apdu/atr.cpp, ISO/IEC 7816-3 §8.2; historical bytes and the
// card-capabilities byte, ISO/IEC 7816-4 §8.1.1). The historical bytes are a run of the input
// of length K (low nibble of T0), found after the interface bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "mynacard/apdu/atr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    const ByteView atr(data, size);
    const auto hist = apdu::atr::historical_bytes(atr);
    const bool extended = apdu::atr::declares_extended_length(atr);
    if (!hist) {
        if (extended) __builtin_trap();
        return 0;
    }
    if (size < 2 || hist->size() != (data[1] & 0x0Fu)) __builtin_trap();
    if (!hist->empty() && std::search(atr.begin() + 2, atr.end(), hist->begin(), hist->end()) == atr.end())
        __builtin_trap();
    if (extended && hist->size() < 4) __builtin_trap();  // category + tag 7x + three bytes at least
    return 0;
}
