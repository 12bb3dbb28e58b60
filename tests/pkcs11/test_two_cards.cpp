// Two cards at once (issue 11 §3), through pcscd + vpcd: card 1 in the first vpcd reader, card 2
// (its own test PKI: other keys, other certificate serials, another Common AP serial) in the
// second. The module shows four tokens whose labels tell the cards apart (README "PKCS#11
// module": "JPKI Auth (利用者証明) NNNN" / "JPKI Sign (署名用) NNNN", NNNN the serial's last 4
// characters), each card's serial on both of its tokens, each card's own objects; and what is
// done on one card does not reach the other: no APDU, no VERIFY, no login state, no counter.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <string_view>

#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::CardOptions;
using mynacard::vcard::CardStats;
using mynacard::vcard::PkiOptions;
using mynacard::vcard::TestPki;
using mynacard::vcard::VpcdCard;

namespace {

constexpr int kAuthPinEf = 0x18;
constexpr int kSignPinEf = 0x1B;

std::string padded(const unsigned char* p, std::size_t n)
{
    std::string s(reinterpret_cast<const char*>(p), n);
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
}

/// Card 2's PKI: generated once per process, with leaf serials other than the default PKI's, so
/// that even a serial derived from the auth certificate (no Common AP: issuer || serial, README
/// "C++ API") differs between the two cards.
const TestPki& second_pki()
{
    static const TestPki pki = [] {
        PkiOptions o;
        o.auth_serial = 0x1002;
        o.sign_serial = 0x2002;
        return TestPki::generate(o);
    }();
    return pki;
}

CardOptions second_options()
{
    CardOptions o;
    o.common_serial = "CD9876543210987";  // 15 characters, as the Common AP record has them
    return o;
}

/// The token label the README documents for a card with this serial.
std::string documented_label(bool sign, const std::string& serial)
{
    const std::string prefix = sign ? "JPKI Sign (署名用)" : "JPKI Auth (利用者証明)";
    return prefix + " " + serial.substr(serial.size() >= 4 ? serial.size() - 4 : 0);
}

struct TokenView {
    CK_SLOT_ID slot = 0;
    std::string label, serial;
};

TokenView view(CK_SLOT_ID slot)
{
    const CK_TOKEN_INFO info = token_info(slot);
    return {slot, padded(info.label, sizeof info.label), padded(info.serialNumber, sizeof info.serialNumber)};
}

/// Every counter of the card that an operation could move.
bool same_stats(const CardStats& a, const CardStats& b)
{
    return a.apdus == b.apdus && a.verify_with_data == b.verify_with_data && a.verify_empty == b.verify_empty &&
           a.signatures == b.signatures && a.sign_commands == b.sign_commands && a.read_binary == b.read_binary &&
           a.selects == b.selects;
}

CK_STATE state_of(CK_SESSION_HANDLE h) { return session_info(h).state; }

Bytes certificate_on(CK_SLOT_ID slot, const std::string& label)
{
    const CK_SESSION_HANDLE h = open_session(slot);
    Bytes der = attribute(h, find_one(h, CKO_CERTIFICATE, label), CKA_VALUE);
    fl()->C_CloseSession(h);
    return der;
}

}  // namespace

TEST_CASE("two cards: four tokens, four distinct labels of the documented form, two serials")
{
    Env env;
    VpcdCard one;
    VpcdCard two(second_options(), second_pki(), 1);
    Init init;
    REQUIRE(slot_list(true).size() == 4);

    const TokenView a1 = view(slot_for(one.reader(), false)), s1 = view(slot_for(one.reader(), true));
    const TokenView a2 = view(slot_for(two.reader(), false)), s2 = view(slot_for(two.reader(), true));
    INFO(a1.label << " | " << s1.label << " | " << a2.label << " | " << s2.label);
    CHECK(std::set<std::string>{a1.label, s1.label, a2.label, s2.label}.size() == 4);
    CHECK(std::set<std::string>{a1.serial, s1.serial, a2.serial, s2.serial}.size() == 2);
    // A card's serial on both its tokens; with a Common AP, the one its record carries.
    CHECK(a1.serial == s1.serial);
    CHECK(a2.serial == s2.serial);
    const char* switches = std::getenv("MYNACARD_VCARD_SWITCHES");
    if (switches == nullptr || std::string_view(switches).find("no-common-ap") == std::string_view::npos) {
        CHECK(a1.serial == one.card().options().common_serial);
        CHECK(a2.serial == two.card().options().common_serial);
    }
    for (const TokenView* t : {&a1, &a2}) CHECK(t->label == documented_label(false, t->serial));
    for (const TokenView* t : {&s1, &s2}) CHECK(t->label == documented_label(true, t->serial));
    // The auth label fills the 32 bytes exactly: UTF-8 kanji are 3 bytes each (PKCS#11 §3.2).
    CHECK(a1.label.size() == 32);
    CHECK(s1.label.size() == 26);

    // Each token holds its own card's objects.
    CHECK(certificate_on(a1.slot, "JPKI Auth") == one.card().pki().auth_der);
    CHECK(certificate_on(a2.slot, "JPKI Auth") == two.card().pki().auth_der);
    CHECK(certificate_on(a1.slot, "JPKI Auth") != certificate_on(a2.slot, "JPKI Auth"));
}

TEST_CASE("two cards: a login and a signature on card 1 do nothing to card 2")
{
    Env env;
    VpcdCard one;
    VpcdCard two(second_options(), second_pki(), 1);
    Init init;
    const CK_SLOT_ID auth1 = slot_for(one.reader(), false);
    const CK_SLOT_ID auth2 = slot_for(two.reader(), false), sign2 = slot_for(two.reader(), true);
    const CK_SESSION_HANDLE h1 = open_session(auth1);
    const CK_SESSION_HANDLE ha2 = open_session(auth2);
    const CK_SESSION_HANDLE hs2 = open_session(sign2);
    const CK_TOKEN_INFO before_a2 = token_info(auth2);
    const CK_TOKEN_INFO before_s2 = token_info(sign2);

    const CardStats card2_before = two.card().stats();
    const CardStats card1_before = one.card().stats();
    REQUIRE_RV(login(h1, "1234"), CKR_OK);
    const Bytes data = bytes("two cards, one login");
    const CK_OBJECT_HANDLE key1 = find_one(h1, CKO_PRIVATE_KEY, "JPKI Auth");
    const Bytes sig = sign(h1, CKM_SHA256_RSA_PKCS, key1, data);
    // Switch sign-consumes (p11_harness.hpp): card 1's signature used up its own verification.
    const bool used_up = signatures_use_up_login(one.card());
    // Card 2 saw nothing at all: not one APDU, so no VERIFY and no SELECT either.
    CHECK(same_stats(two.card().stats(), card2_before));
    CHECK(two.card().stats().verify_with_data == 0);
    CHECK_FALSE(two.card().verified(kAuthPinEf));
    CHECK_FALSE(two.card().verified(kSignPinEf));
    CHECK(two.card().tries_left(kAuthPinEf) == 3);
    CHECK(two.card().tries_left(kSignPinEf) == 5);
    // Card 1 did the work, with one VERIFY, and the signature is card 1's.
    CHECK(one.card().stats().verify_with_data == card1_before.verify_with_data + 1);
    CHECK(one.card().verified(kAuthPinEf) == !used_up);
    CHECK(openssl_verify(one.card().pki().auth_der, "SHA256", data, sig));
    CHECK_FALSE(openssl_verify(two.card().pki().auth_der, "SHA256", data, sig));

    // The module's view: card 1 logged in, card 2's sessions still public, flags unchanged.
    CHECK(state_of(h1) == CKS_RO_USER_FUNCTIONS);
    CHECK(state_of(ha2) == CKS_RO_PUBLIC_SESSION);
    CHECK(state_of(hs2) == CKS_RO_PUBLIC_SESSION);
    CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
    CHECK(find(ha2, {{CKA_CLASS, &priv, sizeof priv}}).empty());  // private objects hidden (§4.4)
    CHECK(token_info(auth2).flags == before_a2.flags);
    CHECK(token_info(sign2).flags == before_s2.flags);

    // The other way round: a wrong PIN on card 2 costs card 2 a try, and only card 2.
    const CardStats card1_mid = one.card().stats();
    CHECK_RV(login(ha2, "9999"), CKR_PIN_INCORRECT);
    CHECK(two.card().tries_left(kAuthPinEf) == 2);
    CHECK(one.card().tries_left(kAuthPinEf) == 3);
    CHECK(same_stats(one.card().stats(), card1_mid));
    CHECK(state_of(h1) == CKS_RO_USER_FUNCTIONS);
    CHECK((token_info(auth2).flags & CKF_USER_PIN_COUNT_LOW) != 0);
    CHECK((token_info(auth1).flags & CKF_USER_PIN_COUNT_LOW) == 0);
    // Card 1 still signs on its first login: nothing re-verified there (with sign-consumes: the
    // documented CKR_USER_NOT_LOGGED_IN, then one new login).
    login_again_if_used_up(one.card(), h1, key1, "1234");
    const Bytes sig2 = sign(h1, CKM_SHA256_RSA_PKCS, key1, data);
    CHECK(openssl_verify(one.card().pki().auth_der, "SHA256", data, sig2));
    CHECK(one.card().stats().verify_with_data == card1_mid.verify_with_data + (used_up ? 1 : 0));

    // Logging out of card 2 (never logged in) and into and out of its sign token leaves card 1
    // logged in.
    const CardStats card1_late = one.card().stats();
    REQUIRE_RV(login(hs2, "ABC123"), CKR_OK);
    const CK_OBJECT_HANDLE skey2 = find_one(hs2, CKO_PRIVATE_KEY, "JPKI Sign");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE_RV(fl()->C_SignInit(hs2, &m, skey2), CKR_OK);
    REQUIRE_RV(login(hs2, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
    Bytes ssig(256), in = data;
    CK_ULONG n = ssig.size();
    REQUIRE_RV(fl()->C_Sign(hs2, in.data(), in.size(), ssig.data(), &n), CKR_OK);
    ssig.resize(n);
    CHECK(openssl_verify(two.card().pki().sign_der, "SHA256", data, ssig));
    CHECK_FALSE(openssl_verify(one.card().pki().sign_der, "SHA256", data, ssig));
    CHECK_RV(fl()->C_Logout(hs2), CKR_OK);
    CHECK(same_stats(one.card().stats(), card1_late));
    CHECK(one.card().verified(kAuthPinEf) == !used_up);
    // With sign-consumes the module has learned by now that card 1's signatures end its login.
    CHECK(state_of(h1) == (used_up ? CKS_RO_PUBLIC_SESSION : CKS_RO_USER_FUNCTIONS));
    CHECK(one.card().tries_left(kSignPinEf) == 5);
}

TEST_CASE("two cards: a label belongs to the card, not to the reader")
{
    Env env;
    std::string label_in_reader_2;
    {
        VpcdCard one;
        VpcdCard two(second_options(), second_pki(), 1);
        Init init;
        label_in_reader_2 = view(slot_for(two.reader(), false)).label;
        CHECK(label_in_reader_2 != view(slot_for(one.reader(), false)).label);
    }
    // Card 2 alone, now in the first reader.
    VpcdCard two(second_options(), second_pki(), 0);
    Init init;
    CHECK(view(slot_for(two.reader(), false)).label == label_in_reader_2);
    CHECK(slot_list(true).size() == 2);
}
