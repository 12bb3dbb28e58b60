// Token labels that tell cards apart (issue 11 §3). CK_TOKEN_INFO.label is 32 bytes of UTF-8,
// blank padded, not NUL-terminated (PKCS#11 v2.40 §3.2). With one label for every card,
// `pkcs11:token=...` URLs, libp11 ("Multiple matching slots") and browsers' certificate pickers
// cannot tell two cards apart, so each label ends with the last characters of the card's token
// serial (CK_TOKEN_INFO.serialNumber, which stays the whole serial so `pkcs11:serial=...` URLs
// keep working):
//   auth token  "JPKI Auth (利用者証明) " + last 4 of the serial   (27 + 1 + 4 = 32 bytes)
//   sign token  "JPKI Sign (署名用) " + last 4 of the serial       (21 + 1 + 4 = 26 bytes)
// Header-only so the unit test checks exactly what the module builds.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mynacard::p11 {

/// The fixed part of each label; clients and tools may match on it (README "PKCS#11 module").
/// 利用者証明 without the 用 of the card's own name: with it the auth label would be 35 bytes.
inline constexpr std::string_view kAuthLabelPrefix = "JPKI Auth (利用者証明)";
inline constexpr std::string_view kSignLabelPrefix = "JPKI Sign (署名用)";
inline constexpr std::size_t kTokenLabelBytes = 32;    ///< sizeof CK_TOKEN_INFO.label
inline constexpr std::size_t kLabelSerialChars = 4;    ///< characters of the serial in the label

/// The longest prefix of `text` of at most `max` bytes that does not cut a UTF-8 sequence.
inline std::string_view utf8_cut(std::string_view text, std::size_t max) noexcept
{
    if (text.size() <= max) return text;
    std::size_t n = max;
    // Back up over continuation bytes (10xxxxxx): text[n] must start a character.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    return text.substr(0, n);
}

/// The last `chars` characters (UTF-8 code points) of `text`.
inline std::string_view utf8_tail(std::string_view text, std::size_t chars) noexcept
{
    std::size_t start = text.size();
    std::size_t seen = 0;
    while (start > 0 && seen < chars) {
        --start;
        if ((static_cast<unsigned char>(text[start]) & 0xC0) != 0x80) ++seen;
    }
    return text.substr(start);
}

/// `prefix`, a blank, and the last kLabelSerialChars characters of `serial`, within
/// kTokenLabelBytes bytes. The serial's characters are what tells cards apart, so should the
/// whole not fit (never with the prefixes above and a card serial, which is printable ASCII:
/// jpki::CardIdentity) the prefix is shortened, on a character boundary. A label never ends in
/// a blank (the padding would swallow it): an empty serial gives the prefix alone.
inline std::string token_label(std::string_view prefix, std::string_view serial)
{
    std::string_view tail = utf8_tail(serial, kLabelSerialChars);
    while (!tail.empty() && tail.front() == ' ') tail.remove_prefix(1);
    while (!tail.empty() && tail.back() == ' ') tail.remove_suffix(1);
    tail = utf8_cut(tail, kTokenLabelBytes - 1);
    if (tail.empty()) return std::string(utf8_cut(prefix, kTokenLabelBytes));
    std::string label(utf8_cut(prefix, kTokenLabelBytes - 1 - tail.size()));
    label += ' ';
    label += tail;
    return label;
}

}  // namespace mynacard::p11
