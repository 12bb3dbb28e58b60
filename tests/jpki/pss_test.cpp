// RSASSA-PSS on the card (COMPUTE DIGITAL SIGNATURE P1=04, jpki-card.md §1.7 table, [1]) and
// the PIN-less probe that decides whether a card has it (issue 9 §3).
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "session_fixture.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

namespace {

vcard::CardOptions pss_card(bool on)
{
    vcard::CardOptions o;
    o.pss = on;
    return o;
}

Bytes sha256_of(ByteView data) { return *hash(HashAlg::Sha256, data); }

/// OpenSSL RSASSA-PSS check: SHA-256, MGF1-SHA-256, exactly `salt` bytes of salt.
bool pss_verifies(const Bytes& cert_der, ByteView hash32, ByteView signature, int salt = 32)
{
    const unsigned char* p = cert_der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
    if (!cert) return false;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(cert), nullptr);
    bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
              EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
              EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1 &&
              EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt) == 1 &&
              EVP_PKEY_verify(ctx, signature.data(), signature.size(), hash32.data(), hash32.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    X509_free(cert);
    return ok;
}

/// Another application (its own transport, outside our session) selects the JPKI AP and
/// verifies the PIN of EF `pin_ef` (0x18 auth, 0x1B sign).
void other_application_verifies(const std::shared_ptr<vcard::VirtualJpkiCard>& card, std::uint8_t pin_ef,
                                std::string_view pin)
{
    vcard::VirtualCardTransport other(card);
    Bytes verify{0x00, 0x20, 0x00, 0x80, static_cast<std::uint8_t>(pin.size())};
    verify.insert(verify.end(), pin.begin(), pin.end());
    for (const Bytes& apdu : {Bytes{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01},
                              Bytes{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, pin_ef}, verify}) {
        auto answer = other.transmit(apdu);
        REQUIRE(answer);
        REQUIRE(answer->size() == 2);
        REQUIRE((*answer)[0] == 0x90);
    }
    REQUIRE(card->verified(pin_ef));
}

/// The other application signs with its login on the key of `key_ef` (0x17 / 0x1A): true when
/// the card answered a signature (no SELECT by AID: its AP is assumed still current).
bool other_application_signs(const std::shared_ptr<vcard::VirtualJpkiCard>& card, std::uint8_t key_ef)
{
    vcard::VirtualCardTransport other(card);
    auto select = other.transmit(Bytes{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, key_ef});
    if (!select || select->size() != 2 || (*select)[0] != 0x90) return false;
    Bytes sign{0x80, 0x2A, 0x00, 0x80};
    const Bytes di = *digest_info(HashAlg::Sha256, sha256_of(Bytes{9, 9, 9}));
    sign.push_back(static_cast<std::uint8_t>(di.size()));
    sign.insert(sign.end(), di.begin(), di.end());
    sign.push_back(0x00);
    auto answer = other.transmit(sign);
    return answer && answer->size() == 258 && (*answer)[256] == 0x90 && (*answer)[257] == 0x00;
}

/// The reading of the open questions under which a probe could cost a login: verification kept
/// across every SELECT (jpki-card.md §1.9) and used up by a signature (§7).
vcard::CardOptions keeps_and_consumes(bool pss)
{
    vcard::CardOptions o = pss_card(pss);
    o.select_rule = vcard::SelectRule::KeepAll;
    o.sign_consumes = true;
    return o;
}

}  // namespace

TEST_CASE("pss probe: a card with P1=04 is learnt at open without any PIN", "[jpki][pss]")
{
    VirtualReader reader(pss_card(true));
    auto session = open(reader);
    CHECK(session.info().pss == SchemeSupport::Yes);
    const auto stats = reader.card->stats();
    CHECK(stats.verify_with_data == 0);
    CHECK(stats.verify_empty == 0);
    CHECK(stats.signatures == 0);  // the probe got 6982, nothing was signed
    CHECK(stats.sign_commands == 1);
    CHECK_FALSE(reader.card->verified(0x18));
}

TEST_CASE("pss probe: a card without it answers 6A86 and is marked No", "[jpki][pss]")
{
    VirtualReader reader(pss_card(false));
    auto session = open(reader);
    CHECK(session.info().pss == SchemeSupport::No);
    CHECK(reader.card->stats().sign_commands == 1);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    const auto apdus = session.apdu_count();
    // Refused without an APDU: the card said it has no such scheme.
    auto refused = session.sign(KeyKind::Auth, sha256_of(Bytes{1, 2, 3}), SignScheme::PssSha256);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::SchemeNotSupported);
    CHECK(session.apdu_count() == apdus);
    // PKCS#1 v1.5 is unaffected.
    CHECK(session.sign(KeyKind::Auth, *digest_info(HashAlg::Sha256, sha256_of(Bytes{1, 2, 3}))));
}

TEST_CASE("pss probe: a key verified by another application still reads as Yes", "[jpki][pss]")
{
    // Another application verified the auth PIN before this session opens. Whether the card
    // keeps that verification across the SELECTs of open() (jpki-card.md §1.9, open) decides
    // whether the probe gets a signature (9000, dropped) or 6982: both mean Yes.
    VirtualReader reader(pss_card(true));
    {
        vcard::VirtualCardTransport other(reader.card);
        for (const Bytes& apdu : {Bytes{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01},
                                  Bytes{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18},
                                  Bytes{0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'}}) {
            auto answer = other.transmit(apdu);
            REQUIRE(answer);
            REQUIRE(answer->size() == 2);
            REQUIRE((*answer)[0] == 0x90);
        }
    }
    REQUIRE(reader.card->verified(0x18));
    auto session = open(reader);
    CHECK(session.info().pss == SchemeSupport::Yes);
    CHECK(reader.card->stats().sign_commands == 1);
    CHECK(reader.card->stats().signatures == 0);  // the probe goes to the unverified sign key
    CHECK(reader.card->stats().verify_with_data == 1);  // only the other application's
}

TEST_CASE("pss probe: never spends another application's auth login", "[jpki][pss][other]")
{
    // A card that keeps verification across SELECT and uses it up per signature: another
    // application's auth login survives our open(); a probe on the auth key would sign with it
    // and end it. The probe goes to the sign key after EF 0001 showed the password unverified.
    for (bool pss : {true, false}) {
        CAPTURE(pss);
        VirtualReader reader(keeps_and_consumes(pss));
        other_application_verifies(reader.card, 0x18, "1234");
        auto session = open(reader);
        CHECK(session.info().pss == (pss ? SchemeSupport::Yes : SchemeSupport::No));
        CHECK(reader.card->stats().signatures == 0);
        CHECK(reader.card->stats().sign_commands == 1);
        CHECK(reader.card->verified(0x18));
        CHECK(other_application_signs(reader.card, 0x17));  // its login was still there
        CHECK(reader.card->stats().verify_with_data == 1);
    }
}

TEST_CASE("pss probe: with the sign password verified elsewhere it waits for our own auth signature",
          "[jpki][pss][other]")
{
    // Another application holds the sign password (EF 0001 reads): nothing here can show an
    // unverified key at open, so no probe; our own auth signature later carries it, in the same
    // transaction, where the auth verification is our own login or already used up.
    TempDir dir;
    for (bool pss : {true, false}) {
        CAPTURE(pss);
        VirtualReader reader(keeps_and_consumes(pss));
        other_application_verifies(reader.card, 0x1B, "ABC123");
        auto session = open(reader, options(dir.path / (pss ? "pss" : "no-pss")));
        CHECK(session.info().pss == SchemeSupport::Unknown);
        CHECK(reader.card->stats().sign_commands == 0);
        CHECK(reader.card->verified(0x1B));

        auto sig = session.sign_with_pin(KeyKind::Auth, secure("1234"), *digest_info(HashAlg::Sha256, sha256_of(Bytes{5})));
        REQUIRE(sig);
        CHECK(session.info().pss == (pss ? SchemeSupport::Yes : SchemeSupport::No));
        CHECK(reader.card->stats().signatures == 1);  // ours; the probe met 6982 (used up) or 6A86
        CHECK(reader.card->stats().sign_commands == 2);
        CHECK(reader.card->verified(0x1B));          // the other application's password untouched
        CHECK(other_application_signs(reader.card, 0x1A));
        CHECK(reader.card->stats().verify_with_data == 2);  // the other's and ours, once each

        // Kept with the card's facts: the next session (another process) is not probed again.
        const auto commands = reader.card->stats().sign_commands;
        auto next = CardSession::open(std::make_unique<vcard::VirtualCardTransport>(reader.card),
                                      options(dir.path / (pss ? "pss" : "no-pss")));
        REQUIRE(next);
        CHECK(next->info().pss == (pss ? SchemeSupport::Yes : SchemeSupport::No));
        CHECK(reader.card->stats().sign_commands == commands);
    }
}

TEST_CASE("pss probe: a card without a signing certificate learns it with our first auth signature",
          "[jpki][pss]")
{
    // Under-15 card: no EF 0001 to show a PIN unverified. On a card that keeps the login after a
    // signature the deferred probe signs the fixed value on our own login (dropped) and the login
    // stays; nothing is re-verified.
    for (bool pss : {true, false}) {
        CAPTURE(pss);
        vcard::CardOptions o = pss_card(pss);
        o.has_sign_certificate = false;
        o.select_rule = vcard::SelectRule::KeepAll;
        o.sign_consumes = false;
        VirtualReader reader(o);
        auto session = open(reader);
        CHECK(session.info().pss == SchemeSupport::Unknown);
        CHECK(reader.card->stats().sign_commands == 0);
        REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
        const Bytes di = *digest_info(HashAlg::Sha256, sha256_of(Bytes{6}));
        REQUIRE(session.sign(KeyKind::Auth, di));
        CHECK(session.info().pss == (pss ? SchemeSupport::Yes : SchemeSupport::No));
        CHECK(session.logged_in(KeyKind::Auth));
        REQUIRE(session.sign(KeyKind::Auth, di));
        CHECK(reader.card->stats().sign_commands == 3);  // two of ours, one probe
        CHECK(reader.card->stats().verify_with_data == 1);
        if (pss) {
            auto p = session.sign(KeyKind::Auth, sha256_of(Bytes{6}), SignScheme::PssSha256);
            REQUIRE(p);
            CHECK(pss_verifies(*session.read_certificate(CertKind::Auth), sha256_of(Bytes{6}), *p));
        }
    }
}

TEST_CASE("pss sign: both keys, 32-byte SHA-256, verified with OpenSSL (salt 32)", "[jpki][pss]")
{
    VirtualReader reader(pss_card(true));
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
    const Bytes message(300, 0x42);
    const Bytes h = sha256_of(message);
    for (KeyKind key : {KeyKind::Auth, KeyKind::Sign}) {
        CAPTURE(to_string(key));
        auto cert = session.read_certificate(cert_for(key));
        REQUIRE(cert);
        auto signature = session.sign(key, h, SignScheme::PssSha256);
        REQUIRE(signature);
        CHECK(signature->size() == 256);
        CHECK(pss_verifies(*cert, h, *signature));
        CHECK_FALSE(pss_verifies(*cert, sha256_of(Bytes{1}), *signature));
        CHECK_FALSE(signature_verifies(*cert, HashAlg::Sha256, message, *signature));  // not PKCS#1
    }
    // The scheme takes exactly 32 bytes; nothing else reaches the card.
    const auto sigs = reader.card->stats().signatures;
    CHECK(session.sign(KeyKind::Auth, Bytes(31, 1), SignScheme::PssSha256).error().code == Errc::InvalidArgument);
    CHECK(session.sign(KeyKind::Auth, Bytes(51, 1), SignScheme::PssSha256).error().code == Errc::InvalidArgument);
    CHECK(reader.card->stats().signatures == sigs);
    auto with_pin = session.sign_with_pin(KeyKind::Auth, secure("1234"), h, {}, SignScheme::PssSha256);
    REQUIRE(with_pin);
    CHECK(pss_verifies(*session.read_certificate(CertKind::Auth), h, *with_pin));
}

TEST_CASE("pss sign: before the PIN the card answers 6982 -> NotLoggedIn", "[jpki][pss]")
{
    VirtualReader reader(pss_card(true));
    auto session = open(reader);
    auto r = session.sign(KeyKind::Auth, sha256_of(Bytes{7}), SignScheme::PssSha256);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::NotLoggedIn);
    CHECK(session.info().pss == SchemeSupport::Yes);
}

TEST_CASE("pss sign: a card that passed the probe and then answers 6A86 is marked No", "[jpki][pss]")
{
    VirtualReader reader(pss_card(true));
    auto session = open(reader);
    REQUIRE(session.info().pss == SchemeSupport::Yes);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    vcard::Faults faults;
    faults.sw_for_ins[0x2A] = 0x6A86;
    reader.card->set_faults(faults);
    auto r = session.sign(KeyKind::Auth, sha256_of(Bytes{7}), SignScheme::PssSha256);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::SchemeNotSupported);
    CHECK(session.info().pss == SchemeSupport::No);
    reader.card->set_faults({});
    const auto commands = reader.card->stats().sign_commands;
    CHECK(session.sign(KeyKind::Auth, sha256_of(Bytes{7}), SignScheme::PssSha256).error().code ==
          Errc::SchemeNotSupported);
    CHECK(reader.card->stats().sign_commands == commands);  // not asked again
    CHECK(session.logged_in(KeyKind::Auth));                // the refusal is no logout
    CHECK(session.sign(KeyKind::Auth, *digest_info(HashAlg::Sha256, sha256_of(Bytes{7}))));
}

TEST_CASE("pss: without the Common AP the next session of the insertion knows the probe's answer",
          "[jpki][pss][insertion]")
{
    // The insertion record is written when the auth certificate gives the identity, before the
    // probe (switch no-common-ap): it must still carry the answer.
    TempDir dir;
    SessionOptions opts = options(dir.path);
    opts.insertion = ReaderInsertion{"Virtual reader 0", 7};
    vcard::CardOptions o = pss_card(true);
    o.has_common_ap = false;
    VirtualReader reader(o);
    auto first = open(reader, opts);
    REQUIRE(first.info().pss == SchemeSupport::Yes);
    const auto commands = reader.card->stats().sign_commands;
    auto second = CardSession::open(std::make_unique<vcard::VirtualCardTransport>(reader.card), opts);
    REQUIRE(second);
    CHECK(second->info().pss == SchemeSupport::Yes);
    CHECK(reader.card->stats().sign_commands == commands);  // not probed again
}
