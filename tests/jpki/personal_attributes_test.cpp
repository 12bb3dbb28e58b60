// SubjectAltName personal attributes (jpki-card.md §2) decoded with libtasn1.
#include <catch2/catch.hpp>

#include "mynacard/jpki/certificate.hpp"
#include "san.hpp"
#include "test_pki.hpp"

using namespace mynacard;
using namespace mynacard::jpki;

namespace {

Bytes der(std::uint8_t tag, const Bytes& value)
{
    Bytes out{tag};
    const std::size_t n = value.size();
    if (n < 128) {
        out.push_back(static_cast<std::uint8_t>(n));
    } else if (n < 256) {
        out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
    } else {
        out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
    }
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

/// otherName [0] { OID 1.2.392.200149.8.5.5.<arc>, [0] EXPLICIT <value> }
Bytes other_name(int arc, const Bytes& value)
{
    Bytes oid{0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x05, static_cast<std::uint8_t>(arc)};
    return der(0xA0, cat({der(0x06, oid), der(0xA0, value)}));
}

Bytes general_names(std::initializer_list<Bytes> names) { return der(0x30, cat(names)); }

}  // namespace

TEST_CASE("personal_attributes: the test signing certificate", "[jpki][san]")
{
    const auto& pki = vcard::TestPki::shared_default();
    const vcard::PersonalData expected;
    auto attrs = personal_attributes(*Certificate::from_der(pki.sign_der));
    REQUIRE(attrs);
    CHECK(attrs->name == expected.name);
    CHECK(attrs->sex == expected.sex);
    CHECK(attrs->birth_date == expected.birth_date);
    CHECK(attrs->address == expected.address);
    CHECK(attrs->name_substitute == expected.name_substitute);
    CHECK(attrs->address_substitute == expected.address_substitute);

    auto none = personal_attributes(*Certificate::from_der(pki.auth_der));
    REQUIRE_FALSE(none);
    CHECK(none.error().code == Errc::NoSuchKey);
}

TEST_CASE("personal_attributes: a >2 KB signing certificate with a long address", "[jpki][san]")
{
    vcard::PkiOptions options;
    options.person = vcard::person_with_long_address();
    const auto pki = vcard::TestPki::generate(options);
    CHECK(pki.sign_der.size() > 2048);
    auto attrs = personal_attributes(*Certificate::from_der(pki.sign_der));
    REQUIRE(attrs);
    CHECK(attrs->address == options.person.address);
    CHECK(attrs->name == options.person.name);
}

TEST_CASE("decode_personal_attributes: string types and other GeneralNames", "[jpki][san]")
{
    // UTF8 name, PrintableString sex, IA5 birth date, BMPString address "東京" (U+6771 U+4EAC),
    // with a dNSName and an unrelated otherName mixed in.
    const Bytes unrelated_oid{0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03};
    const Bytes san = general_names({
        der(0x82, ascii("example.jp")),
        other_name(1, der(0x0C, ascii("\xE5\x85\xAC\xE7\x9A\x84"))),
        other_name(3, der(0x13, ascii("1"))),
        other_name(4, der(0x16, ascii("419800101"))),
        other_name(5, der(0x1E, Bytes{0x67, 0x71, 0x4E, 0xAC})),
        der(0xA0, cat({der(0x06, unrelated_oid), der(0xA0, der(0x0C, ascii("upn@example")))})),
    });
    auto attrs = detail::decode_personal_attributes(san);
    REQUIRE(attrs);
    CHECK(attrs->name == "公的");
    CHECK(attrs->sex == "1");
    CHECK(attrs->birth_date == "419800101");
    CHECK(attrs->address == "東京");
    CHECK(attrs->name_substitute.empty());

    // Empty substitute strings (0C 00), as on the card.
    auto empty = detail::decode_personal_attributes(
        general_names({other_name(1, der(0x0C, ascii("x"))), other_name(2, der(0x0C, {})), other_name(6, der(0x1E, {}))}));
    REQUIRE(empty);
    CHECK(empty->name == "x");
    CHECK(empty->name_substitute.empty());
    CHECK(empty->address_substitute.empty());
}

TEST_CASE("decode_personal_attributes: malformed input is an error, never a crash", "[jpki][san]")
{
    const auto code = [](const Bytes& in) {
        auto r = detail::decode_personal_attributes(in);
        return r ? Errc::Internal : r.error().code;
    };
    CHECK(code({}) == Errc::CertificateInvalid);
    CHECK(code(Bytes{0x30}) == Errc::CertificateInvalid);
    CHECK(code(Bytes{0x30, 0x05, 0x82, 0x01}) == Errc::CertificateInvalid);            // truncated
    CHECK(code(general_names({other_name(1, der(0x04, ascii("x")))})) == Errc::CertificateInvalid);  // OCTET STRING
    CHECK(code(general_names({other_name(1, der(0x0C, Bytes{0xC3, 0x28}))})) == Errc::CertificateInvalid);  // bad UTF-8
    CHECK(code(general_names({other_name(1, der(0x13, Bytes{0xE6}))})) == Errc::CertificateInvalid);
    CHECK(code(general_names({other_name(5, der(0x1E, Bytes{0xD8, 0x00}))})) == Errc::CertificateInvalid);  // lone surrogate
    CHECK(code(general_names({other_name(1, der(0x0C, ascii("a"))), other_name(1, der(0x0C, ascii("b")))})) ==
          Errc::CertificateInvalid);  // duplicate
    CHECK(code(cat({general_names({other_name(1, der(0x0C, ascii("a")))}), Bytes{0x00}})) ==
          Errc::CertificateInvalid);  // trailing
    CHECK(code(general_names({der(0x82, ascii("only.dns"))})) == Errc::NoSuchKey);
    CHECK(code(general_names({other_name(7, der(0x0C, ascii("x")))})) == Errc::NoSuchKey);  // .7 is not ours
}
