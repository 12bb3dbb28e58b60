// Through pcscd + vpcd: select the JPKI AP, read certificates whole, verify and sign.
#include "mynacard/apdu/atr.hpp"
#include "pcsc_test_util.hpp"

using namespace pcsc_test;

TEST_CASE("pcsc: the JPKI AP is selected and the auth certificate read whole")
{
    REQUIRE(in_pcsc_env());
    VpcdCard card(CardOptions{}, test_pki());
    PcscContext ctx = context();
    auto transport = ctx.connect(card.reader());
    REQUIRE(transport);
    CHECK((*transport)->atr() == card.card().atr());
    auto tx = Transaction::begin(**transport);
    REQUIRE(tx);
    auto cert = read_certificate(*tx, 0x000A);
    REQUIRE(cert);
    CHECK(*cert == test_pki().auth_der);
    auto ca = read_certificate(*tx, 0x000B);
    REQUIRE(ca);
    CHECK(*ca == test_pki().auth_ca_der);
    CHECK(card.card().stats().read_binary >= 2 * (test_pki().auth_der.size() / 256));
}

TEST_CASE("pcsc: a sign certificate over 2 KB is read whole after the sign password")
{
    REQUIRE(in_pcsc_env());
    PkiOptions options;
    options.person = person_with_long_address();
    const TestPki pki = TestPki::generate(options);
    REQUIRE(pki.sign_der.size() > 2048);
    VpcdCard card(CardOptions{}, pki);
    PcscContext ctx = context();
    auto transport = ctx.connect(card.reader());
    REQUIRE(transport);
    auto tx = Transaction::begin(**transport);
    REQUIRE(tx);
    // Before VERIFY the EF answers 6982.
    auto locked = read_certificate(*tx, 0x0001);
    REQUIRE_FALSE(locked);
    REQUIRE(transceive(*tx, Command::select_ef(0x001B))->sw.ok());
    const std::string pin = "ABC123";
    REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes(pin.begin(), pin.end())))->sw.ok());
    // No SELECT of the AP between VERIFY and the read: the strict card would drop the password.
    auto cert = read_certificate(*tx, 0x0001, 256, /*select_ap=*/false);
    REQUIRE(cert);
    CHECK(*cert == pki.sign_der);
}

TEST_CASE("pcsc: signature over PC/SC - warm reset keeps the login, power cycle ends it")
{
    REQUIRE(in_pcsc_env());
    VpcdCard card(CardOptions{}, test_pki());
    PcscContext ctx = context();
    auto transport = ctx.connect(card.reader());
    REQUIRE(transport);
    PcscTransport& t = **transport;
    {
        auto tx = Transaction::begin(t);
        REQUIRE(tx);
        REQUIRE(transceive(*tx, Command::select_aid(kJpkiAid))->sw.ok());
        REQUIRE(transceive(*tx, Command::select_ef(0x0018))->sw.ok());
        const std::string pin = "1234";
        REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes(pin.begin(), pin.end())))->sw.ok());
        REQUIRE(transceive(*tx, Command::select_ef(0x0017))->sw.ok());
        auto sig = transceive(*tx, Command::jpki_compute_signature(Bytes(51, 0x42)));
        REQUIRE(sig);
        CHECK(sig->sw.ok());
        CHECK(sig->data.size() == 256);
    }
    if (card.card().options().sign_consumes) {
        // Switch sign-consumes (jpki-card.md §7): the signature used up the verification. VERIFY
        // again (SELECT EF keeps the AP, so nothing else ends it) to have a login for the
        // resets below to keep or end.
        CHECK_FALSE(card.card().verified(0x18));
        auto tx = Transaction::begin(t);
        REQUIRE(tx);
        REQUIRE(transceive(*tx, Command::select_ef(0x0018))->sw.ok());
        const std::string pin = "1234";
        REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes(pin.begin(), pin.end())))->sw.ok());
    }
    CHECK(card.card().verified(0x18));
    const auto epoch = t.reset_epoch();
    REQUIRE(t.reset(mynacard::apdu::Disposition::Reset));  // vpcd control 02: warm reset
    CHECK(t.reset_epoch() > epoch);
    CHECK(card.card().verified(0x18));
    REQUIRE(t.reset(mynacard::apdu::Disposition::Unpower));  // vpcd control 00 then 01
    CHECK_FALSE(card.card().verified(0x18));
    auto tx = Transaction::begin(t);
    REQUIRE(tx);
    REQUIRE(transceive(*tx, Command::select_aid(kJpkiAid))->sw.ok());
    REQUIRE(transceive(*tx, Command::select_ef(0x0017))->sw.ok());
    CHECK(transceive(*tx, Command::jpki_compute_signature(Bytes(51, 0x42)))->sw.value == 0x6982);
}

TEST_CASE("pcsc: switch no-extended - the reader fails an extended APDU, short ones go through")
{
    REQUIRE(in_pcsc_env());
    CardOptions options;
    options.support_extended_length = false;
    VpcdCard card(options, test_pki());
    PcscContext ctx = context();
    auto transport = ctx.connect(card.reader());
    REQUIRE(transport);
    // The default ATR (02) still declares extended length: the reader is what refuses. An ATR
    // that declares none (switches atr=... of JPKI (03) and (06), jpki-card.md §1.2) stops the
    // extended APDU in the library before it is sent.
    const bool atr_declares = mynacard::apdu::atr::declares_extended_length(card.card().atr());
    CHECK((*transport)->extended_length() == atr_declares);
    auto tx = Transaction::begin(**transport);
    REQUIRE(tx);
    REQUIRE(transceive(*tx, Command::select_aid(kJpkiAid))->sw.ok());
    REQUIRE(transceive(*tx, Command::select_ef(0x000A))->sw.ok());
    const auto apdus = card.card().stats().apdus;
    // 00 B0 00 00 00 00 00: case 2E. The "reader" answers 67 00 and the card never sees it.
    auto refused = transceive(*tx, Command::parse(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}).value());
    if (atr_declares) {
        REQUIRE(refused);
        CHECK(refused->sw.value == 0x6700);
        CHECK(refused->data.empty());
    } else {
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == Errc::LengthOutOfRange);
    }
    CHECK(card.card().stats().apdus == apdus);
    auto cert = read_certificate(*tx, 0x000A);
    REQUIRE(cert);
    CHECK(*cert == test_pki().auth_der);
}
