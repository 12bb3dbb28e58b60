#include "card_apdu.hpp"

namespace mynacard::vcard::detail {

std::optional<CardCommand> parse_card_command(ByteView raw)
{
    if (raw.size() < 4) return std::nullopt;
    CardCommand c;
    c.cla = raw[0];
    c.ins = raw[1];
    c.p1 = raw[2];
    c.p2 = raw[3];
    const std::size_t body = raw.size() - 4;
    if (body == 0) return c;  // case 1
    const std::uint8_t b5 = raw[4];
    if (body == 1) {  // case 2S
        c.ne = b5 == 0 ? 256 : b5;
        return c;
    }
    if (b5 != 0) {  // short Lc: case 3S (no Le) or 4S (one Le byte)
        const std::size_t lc = b5;
        if (body != 1 + lc && body != 2 + lc) return std::nullopt;
        c.data.assign(raw.begin() + 5, raw.begin() + 5 + static_cast<std::ptrdiff_t>(lc));
        if (body == 2 + lc) {
            const std::uint8_t le = raw[raw.size() - 1];
            c.ne = le == 0 ? 256 : le;
        }
        return c;
    }
    // b5 == 00 with more bytes: extended length (ISO 7816-3 §12.1.3).
    if (body < 3) return std::nullopt;
    c.extended = true;
    const std::size_t n = (static_cast<std::size_t>(raw[5]) << 8) | raw[6];
    if (body == 3) {  // case 2E
        c.ne = n == 0 ? 65536 : n;
        return c;
    }
    if (n == 0) return std::nullopt;  // an extended Lc of 0 is not a valid case 3E/4E
    if (body != 3 + n && body != 5 + n) return std::nullopt;
    c.data.assign(raw.begin() + 7, raw.begin() + 7 + static_cast<std::ptrdiff_t>(n));
    if (body == 5 + n) {
        const std::size_t le = (static_cast<std::size_t>(raw[raw.size() - 2]) << 8) | raw[raw.size() - 1];
        c.ne = le == 0 ? 65536 : le;
    }
    return c;
}

}  // namespace mynacard::vcard::detail
