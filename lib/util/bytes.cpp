#include "mynacard/bytes.hpp"

#include <openssl/crypto.h>

namespace mynacard {

void secure_wipe(void* p, std::size_t n) noexcept
{
    if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

std::string to_hex(ByteView data, char sep)
{
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(data.size() * (sep ? 3 : 2));
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (sep && i) out.push_back(sep);
        out.push_back(kDigits[data[i] >> 4]);
        out.push_back(kDigits[data[i] & 0x0F]);
    }
    return out;
}

bool from_hex(std::string_view hex, Bytes& out)
{
    out.clear();
    int high = -1;
    for (char c : hex) {
        if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return false;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    return high < 0;
}

}  // namespace mynacard
