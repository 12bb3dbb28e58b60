// ATR structure (ISO/IEC 7816-3 §8.2): TS T0 {TAi TBi TCi TDi} T1..TK [TCK]. T0 and each TDi
// announce which interface bytes follow (bits 5-8); the low nibble of T0 is K, the number of
// historical bytes (ISO/IEC 7816-4 §8.1.1).
#include "mynacard/apdu/atr.hpp"

namespace mynacard::apdu::atr {

std::optional<Bytes> historical_bytes(ByteView atr)
{
    if (atr.size() < 2) return std::nullopt;
    const std::size_t k = atr[1] & 0x0F;
    std::size_t pos = 2;
    std::uint8_t y = atr[1] >> 4;  // presence bits of TA, TB, TC, TD
    for (;;) {
        const bool td = (y & 0x8) != 0;
        for (int bit = 0; bit < 3; ++bit)
            if (y & (1 << bit)) ++pos;
        if (!td) break;
        if (pos >= atr.size()) return std::nullopt;
        y = atr[pos++] >> 4;
    }
    if (pos > atr.size() || atr.size() - pos < k) return std::nullopt;
    return Bytes(atr.begin() + static_cast<std::ptrdiff_t>(pos),
                 atr.begin() + static_cast<std::ptrdiff_t>(pos + k));
}

bool declares_extended_length(ByteView atr)
{
    const auto hist = historical_bytes(atr);
    if (!hist || hist->empty()) return false;
    const Bytes& h = *hist;

    // Category indicator (ISO 7816-4 §8.1.1.1): 80 = compact-TLV objects follow; 00 = compact-TLV
    // objects followed by a 3-byte status indicator. Other categories carry no capabilities.
    std::size_t end = h.size();
    if (h[0] == 0x00) {
        if (h.size() < 4) return false;
        end -= 3;
    } else if (h[0] != 0x80) {
        return false;
    }
    for (std::size_t pos = 1; pos < end;) {
        const std::uint8_t tag = h[pos] >> 4;
        const std::size_t len = h[pos] & 0x0F;
        if (end - pos - 1 < len) return false;  // object runs past the historical bytes
        if (tag == 0x7) {
            // §8.1.1.2.7: card capabilities, up to three software-function tables; the third
            // has "extended Lc and Le fields" in bit 7 (0x40).
            return len >= 3 && (h[pos + 3] & 0x40) != 0;
        }
        pos += 1 + len;
    }
    return false;
}

}  // namespace mynacard::apdu::atr
