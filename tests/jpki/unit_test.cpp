// Unit tests of the JPKI layer's parsers and local rules: no card involved.
#include <catch2/catch.hpp>

#include "card_probe.hpp"
#include "cert_cache.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/digest.hpp"
#include "mynacard/jpki/kenhojo.hpp"
#include "mynacard/jpki/pin.hpp"
#include "test_pki.hpp"

using namespace mynacard;
using namespace mynacard::jpki;

namespace {

Bytes hex(std::string_view s)
{
    Bytes out;
    REQUIRE(from_hex(s, out));
    return out;
}

std::string str(const SecureBytes& b) { return std::string(b.begin(), b.end()); }

Bytes concat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("der_object_length: every BER length form", "[jpki][der]")
{
    CHECK(*der_object_length(hex("30 82 04 D2 30 82")) == 4 + 0x4D2);
    CHECK(*der_object_length(hex("30 81 80")) == 3 + 0x80);
    CHECK(*der_object_length(hex("30 7F")) == 2 + 0x7F);
    CHECK(*der_object_length(hex("30 81 05")) == 3 + 5);            // non-minimal long form
    CHECK(*der_object_length(hex("30 83 00 04 D2")) == 5 + 0x4D2);  // non-minimal, leading zero
    CHECK(*der_object_length(hex("30 84 00 00 09 10")) == 6 + 0x910);
}

TEST_CASE("der_object_length: refuses what is not a certificate header", "[jpki][der]")
{
    for (const char* bad : {"", "04 82 01 00", "FF FF FF FF", "30", "30 82 04", "30 80", "30 00"}) {
        CAPTURE(bad);
        auto r = der_object_length(hex(bad));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::MalformedResponse);
    }
}

TEST_CASE("normalize_pin: 4-digit PINs", "[jpki][pin]")
{
    for (PinKind kind : {PinKind::Auth, PinKind::Kenhojo}) {
        CHECK(str(*normalize_pin(kind, view("0000"))) == "0000");
        CHECK(str(*normalize_pin(kind, view("1234"), true)) == "1234");
        CHECK(normalize_pin(kind, view("123")).error().code == Errc::PinLengthInvalid);
        CHECK(normalize_pin(kind, view("12345")).error().code == Errc::PinLengthInvalid);
        CHECK(normalize_pin(kind, view("")).error().code == Errc::PinLengthInvalid);
        CHECK(normalize_pin(kind, view("12a4")).error().code == Errc::PinCharactersInvalid);
        CHECK(normalize_pin(kind, view("12 4")).error().code == Errc::PinCharactersInvalid);
        CHECK(normalize_pin(kind, view("\xD9\xA1\xD9\xA2")).error().code == Errc::PinCharactersInvalid);  // ١٢
        CHECK(normalize_pin(kind, view("１２３４")).error().code == Errc::PinLengthInvalid);  // 12 bytes
    }
}

TEST_CASE("normalize_pin: sign password rules and case folding", "[jpki][pin]")
{
    CHECK(str(*normalize_pin(PinKind::Sign, view("abc123"))) == "ABC123");
    CHECK(str(*normalize_pin(PinKind::Sign, view("AbC123xyz"))) == "ABC123XYZ");
    CHECK(str(*normalize_pin(PinKind::Sign, view("ABCDEFGHIJ123456"))) == "ABCDEFGHIJ123456");
    CHECK(str(*normalize_pin(PinKind::Sign, view("ABCDEF"))) == "ABCDEF");  // existing value: sent
    CHECK(normalize_pin(PinKind::Sign, view("ABC12")).error().code == Errc::PinLengthInvalid);
    CHECK(normalize_pin(PinKind::Sign, view("ABCDEFGHIJ1234567")).error().code == Errc::PinLengthInvalid);
    CHECK(normalize_pin(PinKind::Sign, view("ABC-123")).error().code == Errc::PinCharactersInvalid);
    CHECK(normalize_pin(PinKind::Sign, view("ÄBC123")).error().code == Errc::PinCharactersInvalid);
    CHECK(normalize_pin(PinKind::Sign, view("ABC 123")).error().code == Errc::PinCharactersInvalid);
    // New values must mix letters and digits (www2.jpki.go.jp procedure/password.html).
    CHECK(normalize_pin(PinKind::Sign, view("ABCDEF"), true).error().code == Errc::PinCharactersInvalid);
    CHECK(normalize_pin(PinKind::Sign, view("123456"), true).error().code == Errc::PinCharactersInvalid);
    CHECK(str(*normalize_pin(PinKind::Sign, view("new456"), true)) == "NEW456");
}

TEST_CASE("digest_info: RFC 8017 §9.2 prefixes for every hash", "[jpki][digest]")
{
    struct Case {
        HashAlg alg;
        const char* prefix;
    };
    const Case cases[] = {
        {HashAlg::Sha1, "30 21 30 09 06 05 2B 0E 03 02 1A 05 00 04 14"},
        {HashAlg::Sha224, "30 2D 30 0D 06 09 60 86 48 01 65 03 04 02 04 05 00 04 1C"},
        {HashAlg::Sha256, "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20"},
        {HashAlg::Sha384, "30 41 30 0D 06 09 60 86 48 01 65 03 04 02 02 05 00 04 30"},
        {HashAlg::Sha512, "30 51 30 0D 06 09 60 86 48 01 65 03 04 02 03 05 00 04 40"},
    };
    for (const auto& c : cases) {
        CAPTURE(to_string(c.alg));
        auto h = hash(c.alg, view("abc"));
        REQUIRE(h);
        CHECK(h->size() == digest_size(c.alg));
        auto di = digest_info(c.alg, *h);
        REQUIRE(di);
        CHECK(*di == concat({hex(c.prefix), *h}));
        CHECK(di->size() <= kMaxSignInput);
        Bytes wrong = *h;
        wrong.push_back(0);
        CHECK(digest_info(c.alg, wrong).error().code == Errc::InvalidArgument);
        CHECK(digest_info(c.alg, {}).error().code == Errc::InvalidArgument);
    }
    CHECK(to_hex(*hash(HashAlg::Sha256, view("abc"))) ==
          "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
}

TEST_CASE("parse_my_number: FF10 wrapper, filler and non-minimal lengths", "[jpki][kenhojo]")
{
    CHECK(*parse_my_number(concat({hex("FF 10 0C"), ascii("123456789018"), hex("FF FF")})) == "123456789018");
    CHECK(*parse_my_number(concat({hex("FF 10 81 0C"), ascii("123456789018")})) == "123456789018");
    CHECK(*parse_my_number(concat({hex("FF 10 82 00 0C"), ascii("000000000000"), hex("00 00")})) == "000000000000");
    for (const Bytes& bad : {Bytes{}, hex("FF FF FF"), concat({hex("FF 10 0B"), ascii("12345678901")}),
                             concat({hex("FF 10 0C"), ascii("12345678901A")}),
                             concat({hex("FF 10 0D"), ascii("123456789018")}),  // runs past the end
                             concat({hex("FF 11 0C"), ascii("123456789018")})}) {
        CAPTURE(to_hex(bad));
        auto r = parse_my_number(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::MalformedResponse);
    }
}

namespace {

Bytes tlv2(std::uint16_t tag, const Bytes& value, bool long_form = false)
{
    Bytes out{static_cast<std::uint8_t>(tag >> 8), static_cast<std::uint8_t>(tag)};
    if (long_form || value.size() > 127) {
        out.push_back(0x82);
        out.push_back(static_cast<std::uint8_t>(value.size() >> 8));
        out.push_back(static_cast<std::uint8_t>(value.size()));
    } else {
        out.push_back(static_cast<std::uint8_t>(value.size()));
    }
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes attributes_file(const std::string& name, const std::string& address, const std::string& birth,
                      const std::string& sex, bool long_forms)
{
    const Bytes fields = concat({tlv2(0xDF21, hex("00 05 00 10 00 20 00 30"), long_forms),
                                 tlv2(0xDF22, ascii(name), long_forms), tlv2(0xDF23, ascii(address), long_forms),
                                 tlv2(0xDF24, ascii(birth), long_forms), tlv2(0xDF25, ascii(sex), long_forms)});
    return concat({tlv2(0xFF20, fields, true), Bytes(40, 0xFF)});
}

}  // namespace

TEST_CASE("parse_kenhojo_attributes: lenient BER, UTF-8, long addresses", "[jpki][kenhojo]")
{
    const std::string name = "公的　個人";
    const std::string long_address = std::string(300, 'A') + "東京都";
    for (bool long_forms : {false, true}) {
        auto attrs = parse_kenhojo_attributes(attributes_file(name, long_address, "19800101", "2", long_forms));
        REQUIRE(attrs);
        CHECK(attrs->name == name);
        CHECK(attrs->address == long_address);
        CHECK(attrs->birth_date == "19800101");
        CHECK(attrs->sex == "2");
    }
    CHECK_FALSE(parse_kenhojo_attributes(attributes_file(name, "x", "1980011", "1", false)));   // 7 digits
    CHECK_FALSE(parse_kenhojo_attributes(attributes_file(name, "x", "19800101", "12", false)));
    CHECK_FALSE(parse_kenhojo_attributes(attributes_file(name, "x", "H01.01.01", "1", false)));
    CHECK_FALSE(parse_kenhojo_attributes(hex("FF 20 03 DF 22 00")));  // fields missing
    CHECK_FALSE(parse_kenhojo_attributes(hex("FF 20 82 01 00 DF")));  // runs past the end
    CHECK_FALSE(parse_kenhojo_attributes({}));
}

TEST_CASE("Common AP record: serial is the first 15 characters", "[jpki][identity]")
{
    const Bytes record = concat({hex("01 1C"), ascii("AB0123456789012"), ascii("13101"), ascii("20351231")});
    CHECK(*detail::parse_common_record(record) == "AB0123456789012");
    CHECK_FALSE(detail::parse_common_record(Bytes(record.begin(), record.end() - 1)));
    Bytes wrong_tag = record;
    wrong_tag[0] = 0x02;
    CHECK_FALSE(detail::parse_common_record(wrong_tag));
    Bytes control = record;
    control[5] = 0x00;
    CHECK_FALSE(detail::parse_common_record(control));
}

TEST_CASE("token labels map to card types", "[jpki][detect]")
{
    CHECK(detail::trim_label(concat({ascii("JPKIAPICCTOKEN2"), Bytes(17, ' ')})) == "JPKIAPICCTOKEN2");
    CHECK(detail::trim_label(concat({ascii("JPKIAPICCTOKEN"), Bytes(18, 0)})) == "JPKIAPICCTOKEN");
    CHECK(detail::card_type_for_label("JPKIAPICCTOKEN2") == CardType::MyNumberCard);
    CHECK(detail::card_type_for_label("JPKIAPICCTOKEN") == CardType::JukiCard);
    CHECK(detail::card_type_for_label("JPKIAPGPSETOKEN") == CardType::AndroidToken);
    CHECK(detail::card_type_for_label("JPKIAPIOSTOKEN") == CardType::IosToken);
    CHECK(detail::card_type_for_label("JPKIAPICCTOKEN22") == CardType::Unknown);
}

TEST_CASE("Certificate: parses the test PKI, refuses trailing bytes and garbage", "[jpki][cert]")
{
    const auto& pki = vcard::TestPki::shared_default();
    auto auth = Certificate::from_der(pki.auth_der);
    REQUIRE(auth);
    CHECK(auth->der() == pki.auth_der);
    CHECK(auth->key_bits() == 2048);
    CHECK(auth->modulus().size() == 256);
    CHECK(auth->public_exponent() == Bytes{0x01, 0x00, 0x01});
    CHECK(auth->serial_hex() == "1001");
    CHECK_FALSE(auth->is_ca());
    CHECK(auth->not_before() < auth->not_after());
    CHECK(auth->fingerprint_sha256().size() == 32);
    CHECK(auth->fingerprint_sha1().size() == 20);
    CHECK(auth->subject_der().front() == 0x30);
    CHECK(auth->issuer_der() == Certificate::from_der(pki.auth_ca_der)->subject_der());
    CHECK(auth->issuer_text().find("JPKI") != std::string::npos);
    auto ca = Certificate::from_der(pki.auth_ca_der);
    REQUIRE(ca);
    CHECK(ca->is_ca());
    CHECK(*der_object_length(pki.auth_der) == pki.auth_der.size());

    Bytes trailing = pki.auth_der;
    trailing.push_back(0xFF);
    CHECK(Certificate::from_der(trailing).error().code == Errc::CertificateInvalid);
    CHECK(Certificate::from_der(Bytes(pki.auth_der.begin(), pki.auth_der.end() - 1)).error().code ==
          Errc::CertificateInvalid);
    CHECK(Certificate::from_der({}).error().code == Errc::CertificateInvalid);
    CHECK(Certificate::from_der(hex("30 03 02 01 01")).error().code == Errc::CertificateInvalid);
}

TEST_CASE("cache file format: round trip and every check", "[jpki][cache]")
{
    const auto& pki = vcard::TestPki::shared_default();
    const CardIdentity id{"AB0123456789012", "common-ap"};
    const Bytes file = detail::CertCache::encode(id, CertKind::Auth, pki.auth_der);
    CHECK(*detail::CertCache::decode(file, id, CertKind::Auth) == pki.auth_der);

    CHECK(detail::CertCache::decode(file, {"AB0123456789013", "common-ap"}, CertKind::Auth).error().code ==
          Errc::CacheInvalid);
    CHECK(detail::CertCache::decode(file, id, CertKind::AuthCa).error().code == Errc::CacheInvalid);
    for (std::size_t pos : {std::size_t{0}, std::size_t{8}, file.size() - 1, file.size() - 300, file.size() / 2}) {
        Bytes tampered = file;
        tampered[pos] ^= 0x01;
        CAPTURE(pos);
        CHECK(detail::CertCache::decode(tampered, id, CertKind::Auth).error().code == Errc::CacheInvalid);
    }
    CHECK(detail::CertCache::decode(Bytes(file.begin(), file.end() - 1), id, CertKind::Auth).error().code ==
          Errc::CacheInvalid);
    CHECK(detail::CertCache::decode({}, id, CertKind::Auth).error().code == Errc::CacheInvalid);
    // A well-formed entry whose payload is not a certificate.
    const Bytes junk = detail::CertCache::encode(id, CertKind::Auth, hex("30 03 02 01 01"));
    CHECK(detail::CertCache::decode(junk, id, CertKind::Auth).error().code == Errc::CacheInvalid);
}

TEST_CASE("identity fallback: derived from the auth certificate, 16 hex digits", "[jpki][identity]")
{
    const auto& pki = vcard::TestPki::shared_default();
    auto id = detail::identity_from_auth_certificate(*Certificate::from_der(pki.auth_der));
    CHECK(id.source == "auth-cert");
    CHECK(id.serial.size() == 16);
    auto other = detail::identity_from_auth_certificate(*Certificate::from_der(pki.sign_der));
    CHECK(other.serial != id.serial);
}
