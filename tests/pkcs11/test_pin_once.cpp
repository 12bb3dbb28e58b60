// A PIN goes to the card at most once (issue 10 §2), proven at the virtual card's counters
// through pcscd + vpcd: a command that may have reached the card is never repeated, whatever
// PC/SC reports after it (the connection dropped right after the card ran the VERIFY, the card
// reset during VERIFY or CHANGE REFERENCE DATA), and a failed C_SetPIN ends the verified state.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::CardOptions;
using mynacard::vcard::Faults;
using mynacard::vcard::VpcdCard;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t kVerify = 0x20, kChangeReferenceData = 0x24;
constexpr int kAuthPin = 0x18, kSignPin = 0x1B;

/// After a fault: the card is pulled and put back (pcscd, vpcd and the module start afresh;
/// vpcd cannot show pcscd a removal as short as the faults make, and a power cycle asked for in
/// between leaves the reader "mute" until the next insertion), then a fresh session.
CK_SESSION_HANDLE session_after_fault(VpcdCard& card, bool sign, bool rw = false)
{
    for (int i = 0; i < 100 && !card.link().connected(); ++i) std::this_thread::sleep_for(100ms);
    // pcscd may keep a reader whose card was reset by a fault "mute" through one insertion
    // (vpcd reconnects within milliseconds): pull and insert again, at most three times.
    bool present = false;
    for (int attempt = 0; attempt < 3 && !present; ++attempt) {
        REQUIRE(card.remove_card());
        present = card.insert_card();
    }
    REQUIRE(present);
    for (int i = 0; i < 100; ++i) {
        if (auto slot = find_slot(card.reader(), sign)) {
            CK_SESSION_HANDLE h = 0;
            const CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
            if (fl()->C_OpenSession(*slot, flags, nullptr, nullptr, &h) == CKR_OK) return h;
        }
        std::this_thread::sleep_for(100ms);
    }
    FAIL("no session on the token after the fault");
    return 0;
}

}  // namespace

TEST_CASE("pin once: the connection drops right after the card ran a wrong VERIFY: one try spent, not two")
{
    Env env("[pin]\nfinal_try = allow\n");
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    Faults faults;
    faults.drop_after_ins = kVerify;
    faults.reinsert_after = 300ms;
    card.card().set_faults(faults);
    const CK_RV rv = login(h, "9999");
    INFO(rv_name(rv));
    CHECK(rv != CKR_OK);
    CHECK(rv != CKR_PIN_INCORRECT);  // the answer was lost: the module cannot know
    CHECK(card.card().stats().verify_with_data == 1);
    CHECK(card.card().tries_left(kAuthPin) == 2);
    // The token flags tell the truth afterwards, and the right PIN works once the card is back.
    const CK_SESSION_HANDLE again = session_after_fault(card, false);
    CHECK((token_info(session_info(again).slotID).flags & CKF_USER_PIN_COUNT_LOW) != 0);
    CHECK_RV(login(again, "1234"), CKR_OK);
    CHECK(card.card().stats().verify_with_data == 2);
    CHECK(card.card().tries_left(kAuthPin) == 3);
}

TEST_CASE("pin once: the card is reset during a wrong VERIFY: one try spent, not two")
{
    Env env("[pin]\nfinal_try = allow\n");
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), true));
    Faults faults;
    faults.reset_after_ins = kVerify;
    card.card().set_faults(faults);
    const CK_RV rv = login(h, "WRONG1");
    INFO(rv_name(rv));
    CHECK(rv != CKR_OK);
    CHECK(card.card().stats().verify_with_data == 1);
    CHECK(card.card().tries_left(kSignPin) == 4);
    CHECK_FALSE(card.card().verified(kSignPin));
    const CK_SESSION_HANDLE again = session_after_fault(card, true);
    CHECK_RV(login(again, "ABC123"), CKR_OK);
    CHECK(card.card().stats().verify_with_data == 2);
}

TEST_CASE("pin once: the card is reset during the right VERIFY: not logged in, nothing re-sent")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    Faults faults;
    faults.reset_after_ins = kVerify;
    card.card().set_faults(faults);
    CHECK(login(h, "1234") != CKR_OK);
    CHECK(card.card().stats().verify_with_data == 1);
    CHECK(card.card().tries_left(kAuthPin) == 3);
    CHECK_FALSE(card.card().verified(kAuthPin));
}

TEST_CASE("pin once: the card is reset during CHANGE REFERENCE DATA: the old PIN is not sent again")
{
    Env env("[pin]\nfinal_try = allow\n");
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE rw = open_session(slot_for(card.reader(), false), true);
    Faults faults;
    faults.reset_after_ins = kChangeReferenceData;
    card.card().set_faults(faults);
    CK_UTF8CHAR old_pin[] = "1234", new_pin[] = "5678";
    const CK_RV rv = fl()->C_SetPIN(rw, old_pin, 4, new_pin, 4);
    INFO(rv_name(rv));
    CHECK(rv != CKR_OK);  // the answer was lost
    // The card ran the change: the old PIN sent once (no try spent), the new one in force.
    CHECK(card.card().stats().verify_with_data == 1);
    CHECK(card.card().tries_left(kAuthPin) == 3);
    CHECK(card.card().options().auth_pin.value == "5678");
    CHECK_FALSE(card.card().verified(kAuthPin));
    const CK_SESSION_HANDLE again = session_after_fault(card, false);
    CHECK_RV(login(again, "5678"), CKR_OK);
}

TEST_CASE("pin once: the connection drops right after CHANGE REFERENCE DATA ran")
{
    Env env("[pin]\nfinal_try = allow\n");
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE rw = open_session(slot_for(card.reader(), true), true);
    Faults faults;
    faults.drop_after_ins = kChangeReferenceData;
    // Away long enough for pcscd's presence poll to see it go (vpcd cannot show a shorter
    // removal: the power cycle that follows the failed C_SetPIN would find no card).
    faults.reinsert_after = 1500ms;
    card.card().set_faults(faults);
    CK_UTF8CHAR old_pin[] = "ABC123", new_pin[] = "XYZ789";
    CHECK(fl()->C_SetPIN(rw, old_pin, 6, new_pin, 6) != CKR_OK);
    CHECK(card.card().stats().verify_with_data == 1);
    CHECK(card.card().tries_left(kSignPin) == 5);
    CHECK(card.card().options().sign_pin.value == "XYZ789");
    const CK_SESSION_HANDLE again = session_after_fault(card, true);
    CHECK_RV(login(again, "XYZ789"), CKR_OK);
}

TEST_CASE("pin once: a failed C_SetPIN does not leave the old PIN verified on the card")
{
    Env env;
    VpcdCard card;
    Init init;
    for (bool sign : {false, true}) {
        INFO((sign ? "sign" : "auth"));
        const CK_SESSION_HANDLE rw = open_session(slot_for(card.reader(), sign), true);
        Faults faults;
        faults.sw_for_ins[kChangeReferenceData] = 0x6F00;  // the card refuses the change itself
        card.card().set_faults(faults);
        const auto verifies = card.card().stats().verify_with_data;
        CK_UTF8CHAR auth_old[] = "1234", auth_new[] = "5678", sign_old[] = "ABC123", sign_new[] = "XYZ789";
        const CK_RV rv = sign ? fl()->C_SetPIN(rw, sign_old, 6, sign_new, 6) : fl()->C_SetPIN(rw, auth_old, 4, auth_new, 4);
        CHECK(rv != CKR_OK);
        CHECK(card.card().stats().verify_with_data == verifies + 1);  // the old PIN was verified
        CHECK_FALSE(card.card().verified(sign ? kSignPin : kAuthPin));  // ... and is not any more
        card.card().set_faults({});
        CHECK(session_info(rw).state == CKS_RW_PUBLIC_SESSION);
    }
}

TEST_CASE("C_GetTokenInfo answers with the flags it knows when the PIN counter cannot be read; 63 00 is no wrong PIN")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_FLAGS known = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_WRITE_PROTECTED | CKF_TOKEN_INITIALIZED;
    const CK_FLAGS counter = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;
    for (std::uint16_t sw : {std::uint16_t{0x6300}, std::uint16_t{0x6F00}}) {
        INFO("SW " << std::hex << sw);
        Faults faults;
        faults.sw_for_ins[kVerify] = sw;  // every VERIFY, the empty counter query too
        card.card().set_faults(faults);
        CK_TOKEN_INFO ti{};
        REQUIRE_RV(fl()->C_GetTokenInfo(slot, &ti), CKR_OK);
        CHECK((ti.flags & known) == known);
        CHECK((ti.flags & counter) == 0);
        // The login stops at the counter query: no PIN was sent, so no CKR_PIN_INCORRECT.
        const CK_SESSION_HANDLE h = open_session(slot);
        const CK_RV rv = login(h, "1234");
        CHECK(rv != CKR_OK);
        CHECK(rv != CKR_PIN_INCORRECT);
        CHECK(card.card().stats().verify_with_data == 0);
        CHECK(card.card().tries_left(kAuthPin) == 3);
        card.card().set_faults({});
    }
    CHECK(token_info(slot).flags == (CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_WRITE_PROTECTED |
                                     CKF_TOKEN_INITIALIZED));
}

TEST_CASE("a hostile card answering one byte per READ BINARY: the operation stops within its APDU bound")
{
    Env env;
    CardOptions options;
    options.faults.read_binary_max_bytes = 1;
    VpcdCard card(options);
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const auto start = std::chrono::steady_clock::now();
    CK_SESSION_HANDLE h = 0;
    const CK_RV opened = fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
    std::size_t objects = 0;
    if (opened == CKR_OK) {
        CK_ULONG n = 0;
        CK_OBJECT_HANDLE found[8];
        if (fl()->C_FindObjectsInit(h, nullptr, 0) == CKR_OK) {
            CK_RV rv = fl()->C_FindObjects(h, found, 8, &n);
            (void)rv;
            objects = n;
            fl()->C_FindObjectsFinal(h);
        }
    }
    // The auth certificate (~1 KiB) would take ~1000 READ BINARY at one byte each; one operation
    // is cut off at its bound (256 APDUs) and fails instead.
    const auto apdus = card.card().stats().apdus;
    INFO("APDUs " << apdus << ", objects " << objects << ", open " << rv_name(opened));
    CHECK(apdus < 3 * 256);
    CHECK(objects < 3);  // the certificate and its public key were not built
    CHECK(std::chrono::steady_clock::now() - start < 30s);
}
