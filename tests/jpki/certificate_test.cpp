// Certificates from the card (jpki-card.md §1.4-§1.5, §2), identity (§1.14), removal.
#include <catch2/catch.hpp>

#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/supported.hpp"
#include "session_fixture.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

namespace {

const vcard::TestPki& long_address_pki()
{
    static const vcard::TestPki pki = [] {
        vcard::PkiOptions o;
        o.person = vcard::person_with_long_address();
        return vcard::TestPki::generate(o);
    }();
    return pki;
}

}  // namespace

TEST_CASE("certificates: all four, the signing one only after the password", "[jpki][cert]")
{
    const auto& pki = vcard::TestPki::shared_default();
    VirtualReader reader;
    auto session = open(reader);
    CHECK(*session.read_certificate(CertKind::Auth) == pki.auth_der);
    CHECK(*session.read_certificate(CertKind::AuthCa) == pki.auth_ca_der);
    CHECK(*session.read_certificate(CertKind::SignCa) == pki.sign_ca_der);
    auto sign = session.read_certificate(CertKind::Sign);
    REQUIRE_FALSE(sign);
    CHECK(sign.error().code == Errc::NotLoggedIn);
    REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
    CHECK(*session.read_certificate(CertKind::Sign) == pki.sign_der);

    auto cert = session.certificate(CertKind::Sign);
    REQUIRE(cert);
    auto attrs = personal_attributes(*cert);
    REQUIRE(attrs);
    CHECK(attrs->name == vcard::PersonalData{}.name);
    CHECK(session.certificate(CertKind::Auth)->subject_text().find("CN=") != std::string::npos);

    // Within a session a certificate is read once.
    const auto apdus = session.apdu_count();
    CHECK(session.read_certificate(CertKind::Auth));
    CHECK(session.apdu_count() == apdus);

    // After logout the signing certificate is private again.
    REQUIRE(session.logout());
    CHECK(session.read_certificate(CertKind::Sign).error().code == Errc::NotLoggedIn);
}

TEST_CASE("certificates: a >2 KB signing certificate, short and extended reads", "[jpki][cert]")
{
    const auto& pki = long_address_pki();
    REQUIRE(pki.sign_der.size() > 2048);
    std::uint64_t short_apdus = 0, extended_apdus = 0;
    for (bool extended : {false, true}) {
        CAPTURE(extended);
        vcard::CardOptions card_options;
        card_options.support_extended_length = extended;
        VirtualReader reader(card_options, pki);
        auto session = open(reader);
        REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
        const auto before = session.apdu_count();
        auto der = session.read_certificate(CertKind::Sign);
        REQUIRE(der);
        CHECK(*der == pki.sign_der);
        auto attrs = personal_attributes(*Certificate::from_der(*der));
        REQUIRE(attrs);
        CHECK(attrs->address == vcard::person_with_long_address().address);
        (extended ? extended_apdus : short_apdus) = session.apdu_count() - before;
    }
    // The JPKI AP confirmed by its label (one short-EF-identifier READ BINARY, no SELECT by AID:
    // issue 9), then one read per 256 bytes (the first with a short EF identifier, which selects
    // the EF), or the first chunk + one extended read.
    CHECK(short_apdus == 1 + (pki.sign_der.size() + 255) / 256);
    CHECK(extended_apdus == 3);
}

TEST_CASE("certificates: extended reads can be switched off", "[jpki][cert]")
{
    const auto& pki = vcard::TestPki::shared_default();
    VirtualReader reader;
    SessionOptions opts = options();
    opts.allow_extended_length = false;
    auto session = open(reader, opts);
    const auto before = session.apdu_count();
    CHECK(*session.read_certificate(CertKind::Auth) == pki.auth_der);
    // Label check (the AP is confirmed, not re-selected) + one short read per 256 bytes.
    CHECK(session.apdu_count() - before == 1 + (pki.auth_der.size() + 255) / 256);
}

TEST_CASE("certificates: several key sizes", "[jpki][cert]")
{
    for (int bits : {1024, 3072}) {
        CAPTURE(bits);
        vcard::PkiOptions o;
        o.key_bits = bits;
        const auto pki = vcard::TestPki::generate(o);
        VirtualReader reader({}, pki);
        auto session = open(reader);
        auto cert = session.certificate(CertKind::Auth);
        REQUIRE(cert);
        CHECK(cert->key_bits() == bits);
        CHECK(cert->der() == pki.auth_der);
        CHECK(*session.read_certificate(CertKind::SignCa) == pki.sign_ca_der);
    }
}

TEST_CASE("an under-15 card: one key, no signing certificate", "[jpki][cert]")
{
    vcard::CardOptions card_options;
    card_options.has_sign_certificate = false;
    VirtualReader reader(card_options);
    auto session = open(reader);
    CHECK_FALSE(session.info().has_sign_certificate);
    CHECK(session.info().has_auth_certificate);
    CHECK(session.read_certificate(CertKind::Sign).error().code == Errc::NoSuchKey);
    CHECK(session.sign(KeyKind::Sign, Bytes(51, 1)).error().code == Errc::NoSuchKey);
    CHECK(session.pin_status(PinKind::Sign).error().code == Errc::NoSuchKey);
    CHECK(session.verify_pin(PinKind::Sign, secure("ABC123")).error().code == Errc::NoSuchKey);
    CHECK(session.change_pin(PinKind::Sign, secure("ABC123"), secure("ABC456")).error().code == Errc::NoSuchKey);
    CHECK(reader.card->stats().verify_with_data == 0);
    CHECK(session.read_certificate(CertKind::Auth));
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    CHECK(session.sign(KeyKind::Auth, Bytes(51, 1)));
}

TEST_CASE("identity: the Common AP serial, cheap to read", "[jpki][identity]")
{
    vcard::CardOptions a, b;
    a.common_serial = "AB0123456789012";
    b.common_serial = "ZZ9876543210987";
    VirtualReader ra(a), rb(b);
    auto sa = open(ra);
    auto sb = open(rb);
    CHECK(sa.info().identity.serial == "AB0123456789012");
    CHECK(sb.info().identity.serial == "ZZ9876543210987");
    CHECK(sa.info().identity.source == "common-ap");
    CHECK(sa.info().type == CardType::MyNumberCard);
    CHECK(sa.info().token_label == "JPKIAPICCTOKEN2");
    // SELECT Common + READ RECORD, SELECT JPKI, READ 0006 and READ 0008 by short EF identifier
    // (no cache here, so nothing more), then the PIN-less PSS probe: one byte of EF 0001 shows
    // the sign password unverified (6982), SELECT EF 001A + 80 2A 04 80.
    CHECK(sa.apdu_count() == 8);
}

TEST_CASE("identity: falls back to the auth certificate without a Common AP record", "[jpki][identity]")
{
    vcard::CardOptions card_options;
    card_options.common_serial = "";  // record of the wrong shape
    VirtualReader reader(card_options);
    auto session = open(reader);
    CHECK(session.info().identity.source == "auth-cert");
    CHECK(session.info().identity.serial.size() == 16);
    // The auth certificate was read for the identity: not read again.
    const auto apdus = session.apdu_count();
    CHECK(*session.read_certificate(CertKind::Auth) == vcard::TestPki::shared_default().auth_der);
    CHECK(session.apdu_count() == apdus);
}

TEST_CASE("other tokens are refused with their label", "[jpki][detect]")
{
    for (const char* label : {"JPKIAPGPSETOKEN", "JPKIAPIOSTOKEN", "SOMEOTHERTOKEN"}) {
        CAPTURE(label);
        vcard::CardOptions card_options;
        card_options.token_label = label;
        VirtualReader reader(card_options);
        auto session = CardSession::open(reader.take(), options());
        REQUIRE_FALSE(session);
        CHECK(session.error().code == Errc::NotSupported);
        CHECK(session.error().context.find(label) != std::string::npos);
    }
}

TEST_CASE("the older label JPKIAPICCTOKEN opens like JPKIAPICCTOKEN2 (same JPKI AP)", "[jpki][detect]")
{
    vcard::CardOptions card_options;
    card_options.token_label = "JPKIAPICCTOKEN";
    VirtualReader reader(card_options);
    auto session = open(reader);
    CHECK(session.info().type == CardType::JukiCard);
    CHECK(session.info().token_label == "JPKIAPICCTOKEN");
    CHECK(*session.read_certificate(CertKind::Auth) == vcard::TestPki::shared_default().auth_der);
    std::string label;
    vcard::CardOptions again;
    again.token_label = "JPKIAPICCTOKEN";
    VirtualReader detect(again);
    auto transport = detect.take();
    auto type = jpki::detect_card(*transport, &label);
    REQUIRE(type);
    CHECK(*type == CardType::JukiCard);
    CHECK(jpki::is_jpki_ic_card(*type));
    CHECK_FALSE(jpki::is_jpki_ic_card(CardType::AndroidToken));
    CHECK_FALSE(jpki::is_jpki_ic_card(CardType::IosToken));
    CHECK_FALSE(jpki::is_jpki_ic_card(CardType::Unknown));
}

TEST_CASE("removal in the middle of a certificate read", "[jpki][cert][removal]")
{
    VirtualReader reader;
    auto session = open(reader);
    vcard::Faults faults;
    // Label check + first chunk, then the card leaves during the rest of the certificate.
    faults.remove_after_apdus = reader.card->apdus_since_power_on() + 2;
    reader.card->set_faults(faults);
    auto der = session.read_certificate(CertKind::Auth);
    REQUIRE_FALSE(der);
    CHECK(der.error().code == Errc::CardRemoved);
    CHECK(session.pin_status(PinKind::Auth).error().code == Errc::CardRemoved);
    CHECK(session.read_certificate(CertKind::AuthCa).error().code == Errc::CardRemoved);
}

TEST_CASE("removal during open", "[jpki][removal]")
{
    vcard::CardOptions card_options;
    card_options.faults.remove_after_apdus = 3;  // after SELECT Common, READ RECORD, SELECT JPKI
    VirtualReader reader(card_options);
    auto session = CardSession::open(reader.take(), options());
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::CardRemoved);
}
