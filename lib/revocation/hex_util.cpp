#include "hex_util.hpp"

#include <cctype>

namespace mynacard::revocation {

std::optional<std::string> normalise_hex(std::string_view text, bool strip_leading_zero_bytes)
{
    std::string out;
    for (char c : text) {
        if (c == ':' || c == ' ' || c == '\t') continue;
        if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (out.size() % 2 != 0) out.insert(out.begin(), '0');
    if (strip_leading_zero_bytes)
        while (out.size() > 2 && out.compare(0, 2, "00") == 0) out.erase(0, 2);
    return out;
}

}  // namespace mynacard::revocation
