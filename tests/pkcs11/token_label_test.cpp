// Token labels (pkcs11/token_label.hpp; issue 11 §3): distinct per card, within the 32 bytes of
// CK_TOKEN_INFO.label (PKCS#11 v2.40 §3.2), never cut inside a UTF-8 character.
#include <catch2/catch.hpp>

#include "token_label.hpp"

using namespace mynacard::p11;

namespace {

/// Whether `s` is well-formed UTF-8 (no sequence cut at either end).
bool valid_utf8(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

}  // namespace

TEST_CASE("token labels: prefix, blank, the serial's last 4 characters, 32 bytes at most")
{
    // The prefixes' byte lengths: kanji are 3 bytes each in UTF-8.
    CHECK(kAuthLabelPrefix.size() == 27);
    CHECK(kSignLabelPrefix.size() == 21);
    // A Common AP serial (15 characters, jpki-card.md §1.14) and a derived one (16 hex digits).
    CHECK(token_label(kAuthLabelPrefix, "AB0123456789012") == "JPKI Auth (利用者証明) 9012");
    CHECK(token_label(kSignLabelPrefix, "AB0123456789012") == "JPKI Sign (署名用) 9012");
    CHECK(token_label(kAuthLabelPrefix, "0123456789ABCDEF") == "JPKI Auth (利用者証明) CDEF");
    CHECK(token_label(kAuthLabelPrefix, "AB0123456789012").size() == kTokenLabelBytes);
    CHECK(token_label(kSignLabelPrefix, "0123456789ABCDEF").size() == 26);
    // Two cards whose serials differ in their last 4 characters get different labels.
    CHECK(token_label(kAuthLabelPrefix, "AB0123456789012") != token_label(kAuthLabelPrefix, "AB0123456789013"));
}

TEST_CASE("token labels: short, empty and blank-ended serials")
{
    CHECK(token_label(kAuthLabelPrefix, "12") == "JPKI Auth (利用者証明) 12");
    CHECK(token_label(kAuthLabelPrefix, "") == "JPKI Auth (利用者証明)");
    // A label must not end in a blank: CK_TOKEN_INFO's padding would swallow it.
    CHECK(token_label(kSignLabelPrefix, "1234 ") == "JPKI Sign (署名用) 234");
    CHECK(token_label(kSignLabelPrefix, "    ") == "JPKI Sign (署名用)");
}

TEST_CASE("token labels: what does not fit shortens the prefix on a character boundary")
{
    // Not a card serial (those are printable ASCII), but the rule must hold for any input:
    // 4 kanji of the serial (12 bytes) leave 19 bytes for the prefix, which would cut 利 in two.
    const std::string label = token_label(kAuthLabelPrefix, "漢字四字");
    CHECK(label.size() <= kTokenLabelBytes);
    CHECK(valid_utf8(label));
    CHECK(label.ends_with(" 漢字四字"));
    CHECK(label.starts_with("JPKI Auth ("));
    // A prefix alone longer than the field.
    const std::string longer = token_label("ＡＢＣＤＥＦＧＨＩＪＫＬ", "");  // 12 x 3 bytes
    CHECK(longer.size() <= kTokenLabelBytes);
    CHECK(valid_utf8(longer));
    CHECK(longer == "ＡＢＣＤＥＦＧＨＩＪ");
}

TEST_CASE("utf8_cut and utf8_tail count characters, not bytes")
{
    CHECK(utf8_cut("署名用", 8) == "署名");
    CHECK(utf8_cut("署名用", 9) == "署名用");
    CHECK(utf8_cut("署名用", 2).empty());
    CHECK(utf8_tail("AB署名用", 2) == "名用");
    CHECK(utf8_tail("AB", 4) == "AB");
}
