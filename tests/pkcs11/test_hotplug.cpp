// Card removal and reinsertion, readers, C_WaitForSlotEvent, card reset by another application.
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "mynacard/apdu/pcsc.hpp"
#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using namespace std::chrono_literals;
using mynacard::vcard::VpcdCard;

TEST_CASE("removal: CKR_DEVICE_REMOVED, then closed sessions and no token; reinsertion works")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_SESSION_HANDLE h = auth_signature_begun(slot);

    card.link().remove();
    REQUIRE(card.link().wait_absent(card.reader(), 5s));
    check_signature_lost(h, "gone");
    CK_TOKEN_INFO ti{};
    CHECK_RV(fl()->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_PRESENT);
    CK_SLOT_INFO si{};
    REQUIRE_RV(fl()->C_GetSlotInfo(slot, &si), CKR_OK);
    CHECK((si.flags & CKF_TOKEN_PRESENT) == 0);
    CHECK(slot_list(true).empty());

    card.link().insert();
    REQUIRE(card.link().wait_present(card.reader(), 5s));
    CHECK(slot_for(card.reader(), false) == slot);  // same slot id
    const CK_SESSION_HANDLE h2 = open_session(slot);
    CHECK(session_info(h2).state == CKS_RO_PUBLIC_SESSION);  // a new card is logged out
    REQUIRE_RV(login(h2, "1234"), CKR_OK);
    const Bytes msg = bytes("back again");
    CHECK(openssl_verify(card.card().pki().auth_der, "SHA256", msg,
                         sign(h2, CKM_SHA256_RSA_PKCS, find_one(h2, CKO_PRIVATE_KEY, "JPKI Auth"), msg)));
}

TEST_CASE("removal noticed by a slot refresh closes the sessions too")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), true);
    const CK_SESSION_HANDLE h = open_session(slot);
    card.link().remove();
    REQUIRE(card.link().wait_absent(card.reader(), 5s));
    CK_ULONG n = 0;
    REQUIRE_RV(fl()->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
    CHECK(n == 0);
    CK_SESSION_INFO info{};
    CHECK_RV(fl()->C_GetSessionInfo(h, &info), CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_HANDLE h2 = 0;
    CHECK_RV(fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h2), CKR_TOKEN_NOT_PRESENT);
}

TEST_CASE("C_GetSlotList called with a buffer every time sees the token go and come")
{
    // Before: only the size query re-read the readers (issue 10 §3).
    Env env;
    VpcdCard card;
    Init init;
    const auto present = [] {
        CK_SLOT_ID ids[16];
        CK_ULONG n = 16;
        REQUIRE_RV(fl()->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
        return n;
    };
    CHECK(present() == 2);
    card.link().remove();
    REQUIRE(card.link().wait_absent(card.reader(), 5s));
    CHECK(present() == 0);
    card.link().insert();
    REQUIRE(card.link().wait_present(card.reader(), 5s));
    CHECK(present() == 2);
    // A buffer that is too small gets the count of the list as it is now.
    CK_SLOT_ID one[1];
    CK_ULONG n = 1;
    CHECK_RV(fl()->C_GetSlotList(CK_TRUE, one, &n), CKR_BUFFER_TOO_SMALL);
    CHECK(n == 2);
}

TEST_CASE("C_WaitForSlotEvent: CKF_DONT_BLOCK and blocking, with other threads working")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID auth = slot_for(card.reader(), false);
    const CK_SLOT_ID sign = slot_for(card.reader(), true);
    CK_SLOT_ID slot = 0xFFFF;
    CHECK_RV(fl()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_NO_EVENT);
    CHECK_RV(fl()->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr), CKR_ARGUMENTS_BAD);

    card.link().remove();
    REQUIRE(card.link().wait_absent(card.reader(), 5s));
    REQUIRE_RV(fl()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_OK);
    CHECK((slot == auth || slot == sign));
    REQUIRE_RV(fl()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_OK);
    CHECK((slot == auth || slot == sign));
    CHECK_RV(fl()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_NO_EVENT);

    // A blocked waiter does not hold the module lock: other calls go on meanwhile.
    auto waiter = std::async(std::launch::async, [] {
        CK_SLOT_ID s = 0xFFFF;
        const CK_RV rv = fl()->C_WaitForSlotEvent(0, &s, nullptr);
        return std::pair{rv, s};
    });
    std::this_thread::sleep_for(300ms);
    CHECK(waiter.wait_for(0s) == std::future_status::timeout);
    for (int i = 0; i < 5; ++i) {
        CK_SLOT_INFO si{};
        CHECK_RV(fl()->C_GetSlotInfo(auth, &si), CKR_OK);
        CHECK(slot_list(false).size() == 4);
    }
    card.link().insert();
    REQUIRE(waiter.wait_for(10s) == std::future_status::ready);
    const auto [rv, s] = waiter.get();
    CHECK_RV(rv, CKR_OK);
    CHECK((s == auth || s == sign));
    token_info(auth);  // the card is usable again
}

TEST_CASE("C_Finalize wakes a blocked C_WaitForSlotEvent")
{
    Env env;
    VpcdCard card;
    REQUIRE_RV(fl()->C_Initialize(nullptr), CKR_OK);
    auto waiter = std::async(std::launch::async, [] {
        CK_SLOT_ID s = 0;
        return fl()->C_WaitForSlotEvent(0, &s, nullptr);
    });
    std::this_thread::sleep_for(300ms);
    REQUIRE(waiter.wait_for(0s) == std::future_status::timeout);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE_RV(fl()->C_Finalize(nullptr), CKR_OK);
    REQUIRE(waiter.wait_for(5s) == std::future_status::ready);
    CHECK_RV(waiter.get(), CKR_CRYPTOKI_NOT_INITIALIZED);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("a card in the second reader: new slots, the first reader's ids unchanged")
{
    Env env;
    VpcdCard first;
    Init init;
    const CK_SLOT_ID a1 = slot_for(first.reader(), false);
    const auto before = slot_list(false);
    {
        VpcdCard second(mynacard::vcard::CardOptions{}, mynacard::vcard::TestPki::shared_default(), 1);
        CHECK(slot_list(true).size() == 4);
        CHECK(slot_list(false) == before);
        CHECK(slot_for(first.reader(), false) == a1);
        const CK_SLOT_ID a2 = slot_for(second.reader(), false);
        CHECK(a2 != a1);
        const CK_SESSION_HANDLE h = open_session(a2);
        REQUIRE_RV(login(h, "1234"), CKR_OK);
        CHECK(second.card().verified(0x18));
        CHECK_FALSE(first.card().verified(0x18));
    }
    CHECK(slot_list(true).size() == 2);
}

TEST_CASE("a reset by another application logs the tokens out; nothing is re-sent")
{
    Env env;
    VpcdCard card;
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    {
        // Another PC/SC client power-cycles the card.
        auto ctx = mynacard::apdu::PcscContext::establish();
        REQUIRE(ctx.has_value());
        auto other = ctx->connect(card.reader());
        REQUIRE(other.has_value());
        REQUIRE((*other)->reset(mynacard::apdu::Disposition::Unpower).has_value());
    }
    CHECK_FALSE(card.card().verified(0x18));
    const auto signatures = card.card().stats().signatures;
    const auto verifies = card.card().stats().verify_with_data;
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    Bytes data = bytes("after reset"), sig(256);
    CK_ULONG n = sig.size();
    const CK_RV init_rv = fl()->C_SignInit(h, &m, key);
    if (init_rv == CKR_OK) {
        CHECK_RV(fl()->C_Sign(h, data.data(), data.size(), sig.data(), &n), CKR_USER_NOT_LOGGED_IN);
    } else {
        CHECK_RV(init_rv, CKR_USER_NOT_LOGGED_IN);
    }
    CHECK(session_info(h).state == CKS_RO_PUBLIC_SESSION);
    CHECK(card.card().stats().verify_with_data == verifies);
    CHECK(card.card().stats().signatures == signatures);
    REQUIRE_RV(login(h, "1234"), CKR_OK);
    CHECK(openssl_verify(card.card().pki().auth_der, "SHA256", data, sign(h, CKM_SHA256_RSA_PKCS, key, data)));
}

TEST_CASE("a card that is not a My Number card: CKR_TOKEN_NOT_RECOGNIZED, then no token listed")
{
    Env env;
    mynacard::vcard::CardOptions options;
    options.token_label = "JPKIAPGPSETOKEN";  // a phone's JPKI token (jpki-card.md §1.2)
    VpcdCard card(options);
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    CK_TOKEN_INFO ti{};
    CHECK_RV(fl()->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_RECOGNIZED);
    CK_SESSION_HANDLE h = 0;
    CHECK_RV(fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_TOKEN_NOT_PRESENT);
    CHECK(slot_list(true).empty());
    CK_SLOT_INFO si{};
    REQUIRE_RV(fl()->C_GetSlotInfo(slot, &si), CKR_OK);
    CHECK((si.flags & CKF_TOKEN_PRESENT) == 0);
    // Not probed again while the same card stays in the reader.
    const auto apdus = card.card().stats().apdus;
    CHECK_RV(fl()->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_RECOGNIZED);
    CHECK(card.card().stats().apdus == apdus);
}

TEST_CASE("an under-15 card has no signing token")
{
    Env env;
    mynacard::vcard::CardOptions options;
    options.has_sign_certificate = false;
    VpcdCard card(options);
    Init init;
    const CK_SLOT_ID auth = slot_for(card.reader(), false);
    const CK_SLOT_ID sign = slot_for(card.reader(), true);
    token_info(auth);  // binds the card: EF 0008 says no signing certificate
    CK_TOKEN_INFO ti{};
    CHECK_RV(fl()->C_GetTokenInfo(sign, &ti), CKR_TOKEN_NOT_PRESENT);
    CHECK(slot_list(true) == std::vector<CK_SLOT_ID>{auth});
    const CK_SESSION_HANDLE h = open_session(auth);
    REQUIRE_RV(login(h, "1234"), CKR_OK);
    CHECK(find(h).size() == 4);
}
