// Readers added and removed while the module runs, through the real stack (issue 4, Hot-plug:
// "a reader added or removed"). pcscd 1.9.9 reads reader.conf only at start and vpcd's readers
// are fixed per entry, so readers come and go by restarting the private pcscd with one or two
// vpcd entries ("$MYNACARD_PCSC_RESTART" N, tools/dev/pcsc-env.sh): the same event a PC/SC client
// sees when systemd stops and starts a socket-activated pcscd. The module must notice on its
// own (PKCS#11 v2.40 §5.5 C_GetSlotList, C_WaitForSlotEvent), with no new C_Initialize.
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

extern char** environ;

using namespace p11test;
using namespace std::chrono_literals;
using mynacard::vcard::TestPki;
using mynacard::vcard::VirtualJpkiCard;
using mynacard::vcard::VpcdCard;
using mynacard::vcard::VpcdLink;

namespace {

std::string env_string(const char* name)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

/// "$MYNACARD_PCSC_RESTART" arg: pcscd restarted with `arg` vpcd entries ("0".."2") or stopped.
void restart_pcscd(const std::string& arg)
{
    const std::string cmd = env_string("MYNACARD_PCSC_RESTART");
    REQUIRE_FALSE(cmd.empty());  // the test runs under tools/dev/pcsc-env.sh
    std::string a0 = cmd, a1 = arg;
    char* argv[] = {a0.data(), a1.data(), nullptr};
    pid_t pid = 0;
    REQUIRE(::posix_spawn(&pid, cmd.c_str(), nullptr, nullptr, argv, environ) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}

/// pcscd with `entries` vpcd entries for the scope; back to the usual one entry afterwards.
struct PcscdReaders {
    explicit PcscdReaders(int entries) { restart_pcscd(std::to_string(entries)); }
    ~PcscdReaders()
    {
        try {
            restart_pcscd("1");
        } catch (...) {
        }
    }
};

/// The second vpcd entry's first reader ("Virtual PCD B 00 00") with a card of its own.
struct SecondReaderCard {
    SecondReaderCard()
        : card(std::make_shared<VirtualJpkiCard>(TestPki::shared_default())),
          link(card, VpcdCard::host(), std::atoi(env_string("MYNACARD_VPCD_PORT3").c_str())),
          reader(env_string("MYNACARD_VPCD_READER3"))
    {
        REQUIRE_FALSE(reader.empty());
        REQUIRE(link.wait_present(reader, 15s));
    }
    ~SecondReaderCard()
    {
        link.remove();
        link.wait_absent(reader, 5s);
    }
    std::shared_ptr<VirtualJpkiCard> card;
    VpcdLink link;
    std::string reader;
};

/// Every pending slot event (CKF_DONT_BLOCK until CKR_NO_EVENT).
std::set<CK_SLOT_ID> pending_events()
{
    std::set<CK_SLOT_ID> events;
    for (int i = 0; i < 64; ++i) {
        CK_SLOT_ID slot = 0;
        const CK_RV rv = fl()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr);
        if (rv == CKR_NO_EVENT) return events;
        REQUIRE_RV(rv, CKR_OK);
        events.insert(slot);
    }
    FAIL("C_WaitForSlotEvent(CKF_DONT_BLOCK) never ran out of events");
    return events;
}

bool contains(const std::vector<CK_SLOT_ID>& list, CK_SLOT_ID id)
{
    return std::find(list.begin(), list.end(), id) != list.end();
}

/// Logs in on `slot`'s auth token and checks a signature against the card's certificate.
void sign_and_verify(CK_SLOT_ID slot, const VirtualJpkiCard& card, const std::string& text)
{
    const CK_SESSION_HANDLE h = open_session(slot);
    REQUIRE_RV(login(h, "1234"), CKR_OK);
    const Bytes msg = bytes(text);
    CHECK(openssl_verify(card.pki().auth_der, "SHA256", msg,
                         sign(h, CKM_SHA256_RSA_PKCS, find_one(h, CKO_PRIVATE_KEY, "JPKI Auth"), msg)));
    CHECK_RV(fl()->C_CloseSession(h), CKR_OK);
}

}  // namespace

TEST_CASE("a reader added while the module runs: new slots, the old ids kept, the token works")
{
    Env env;
    VpcdCard first;
    Init init;
    const std::vector<CK_SLOT_ID> before = slot_list(false);
    REQUIRE(before.size() == 4);  // "Virtual PCD 00 00" and "00 01", two tokens each
    const CK_SLOT_ID a1 = slot_for(first.reader(), false);
    pending_events();

    PcscdReaders readers(2);
    REQUIRE(first.link().wait_present(first.reader(), 15s));
    SecondReaderCard second;

    // C_WaitForSlotEvent reports the change before the application asks for the list.
    const std::set<CK_SLOT_ID> events = pending_events();
    const std::vector<CK_SLOT_ID> after = slot_list(false);
    REQUIRE(after.size() == 8);
    for (CK_SLOT_ID id : before) CHECK(contains(after, id));
    CHECK(slot_for(first.reader(), false) == a1);
    const CK_SLOT_ID b_auth = slot_for(second.reader, false);
    const CK_SLOT_ID b_sign = slot_for(second.reader, true);
    CHECK_FALSE(contains(before, b_auth));
    CHECK_FALSE(contains(before, b_sign));
    CHECK(events.count(b_auth) == 1);
    CHECK(events.count(b_sign) == 1);
    CHECK(slot_list(true).size() == 4);  // a card in each of two readers

    const auto first_signatures = first.card().stats().signatures;
    sign_and_verify(b_auth, *second.card, "new reader");
    CHECK(second.card->stats().signatures == 1);
    CHECK(first.card().stats().signatures == first_signatures);  // the card of the new reader
    sign_and_verify(a1, first.card(), "old reader, same slot id");
}

TEST_CASE("a reader removed: its slots leave the list, its sessions end, the others keep their ids")
{
    Env env;
    PcscdReaders readers(2);
    VpcdCard first;
    SecondReaderCard second;
    Init init;
    const CK_SLOT_ID a1 = slot_for(first.reader(), false);
    const CK_SLOT_ID b_auth = slot_for(second.reader, false);
    const CK_SLOT_ID b_sign = slot_for(second.reader, true);
    REQUIRE(slot_list(false).size() == 8);
    const CK_SESSION_HANDLE h = auth_signature_begun(b_auth);
    pending_events();

    restart_pcscd("1");
    REQUIRE(first.link().wait_present(first.reader(), 15s));

    // The call that meets the vanished reader: CKR_DEVICE_REMOVED; then the session is gone
    // (§5.1: sessions of a removed token are closed).
    check_signature_lost(h, "reader gone");

    const std::set<CK_SLOT_ID> events = pending_events();
    CHECK(events.count(b_auth) == 1);
    CHECK(events.count(b_sign) == 1);
    const std::vector<CK_SLOT_ID> after = slot_list(false);
    CHECK(after.size() == 4);
    CHECK_FALSE(contains(after, b_auth));
    CHECK_FALSE(contains(after, b_sign));
    CHECK(slot_for(first.reader(), false) == a1);
    CK_SLOT_INFO info{};
    CHECK_RV(fl()->C_GetSlotInfo(b_auth, &info), CKR_SLOT_ID_INVALID);
    CK_SESSION_HANDLE h2 = 0;
    CHECK_RV(fl()->C_OpenSession(b_auth, CKF_SERIAL_SESSION, nullptr, nullptr, &h2), CKR_SLOT_ID_INVALID);
    sign_and_verify(a1, first.card(), "the reader that stayed");

    // Back again: the same slot ids as before it left.
    restart_pcscd("2");
    REQUIRE(second.link.wait_present(second.reader, 15s));
    CHECK(slot_for(second.reader, false) == b_auth);
    sign_and_verify(b_auth, *second.card, "reader back");
}

TEST_CASE("blocking C_WaitForSlotEvent: pcscd started after C_Initialize, then a reader removed")
{
    Env env;
    PcscdReaders readers(0);
    restart_pcscd("stop");
    Init init;  // no pcscd: no slots, and no error either
    CHECK(slot_list(false).empty());
    CK_SLOT_ID none = 0;
    CHECK_RV(fl()->C_WaitForSlotEvent(CKF_DONT_BLOCK, &none, nullptr), CKR_NO_EVENT);

    const auto blocking_wait = [] {
        return std::async(std::launch::async, [] {
            CK_SLOT_ID s = 0xFFFF;
            const CK_RV rv = fl()->C_WaitForSlotEvent(0, &s, nullptr);
            return std::pair{rv, s};
        });
    };
    auto waiter = blocking_wait();
    std::this_thread::sleep_for(300ms);
    REQUIRE(waiter.wait_for(0s) == std::future_status::timeout);
    restart_pcscd("2");
    REQUIRE(waiter.wait_for(15s) == std::future_status::ready);
    const auto [rv, slot] = waiter.get();
    CHECK_RV(rv, CKR_OK);
    const std::vector<CK_SLOT_ID> all = slot_list(false);
    CHECK(all.size() == 8);
    CHECK(contains(all, slot));

    // A reader leaves while a waiter blocks: the waiter wakes, and the slots of the reader that
    // left are among the events it and the calls after it report.
    const std::string reader_b = env_string("MYNACARD_VPCD_READER3");
    const CK_SLOT_ID b_auth = slot_for(reader_b, false);
    const CK_SLOT_ID b_sign = slot_for(reader_b, true);
    pending_events();
    auto waiter2 = blocking_wait();
    std::this_thread::sleep_for(300ms);
    REQUIRE(waiter2.wait_for(0s) == std::future_status::timeout);
    restart_pcscd("1");
    REQUIRE(waiter2.wait_for(15s) == std::future_status::ready);
    const auto [rv2, slot2] = waiter2.get();
    CHECK_RV(rv2, CKR_OK);
    std::set<CK_SLOT_ID> events{slot2};
    for (int i = 0; i < 50 && !(events.count(b_auth) && events.count(b_sign)); ++i) {
        events.merge(pending_events());
        std::this_thread::sleep_for(100ms);
    }
    CHECK(events.count(b_auth) == 1);
    CHECK(events.count(b_sign) == 1);
    const std::vector<CK_SLOT_ID> left = slot_list(false);
    CHECK(left.size() == 4);
    CHECK_FALSE(contains(left, b_auth));
}

TEST_CASE("pcscd restarted under an open session: CKR_DEVICE_REMOVED, then a working token again")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_SESSION_HANDLE h = auth_signature_begun(slot);

    restart_pcscd("1");  // the same reader comes back; our PC/SC context is dead
    REQUIRE(card.link().wait_present(card.reader(), 15s));
    check_signature_lost(h, "across a restart");
    CHECK_FALSE(card.card().verified(0x18));  // the new pcscd powered the card anew
    CHECK(slot_for(card.reader(), false) == slot);
    sign_and_verify(slot, card.card(), "after the restart");

    // pcscd gone for a while: no slots, no error; back: the same slot ids.
    restart_pcscd("stop");
    CHECK(slot_list(false).empty());
    CK_SLOT_INFO info{};
    CHECK_RV(fl()->C_GetSlotInfo(slot, &info), CKR_SLOT_ID_INVALID);
    restart_pcscd("1");
    REQUIRE(card.link().wait_present(card.reader(), 15s));
    CHECK(slot_for(card.reader(), false) == slot);
    sign_and_verify(slot, card.card(), "after pcscd came back");
}

namespace {

/// C_Finalize, then C_Initialize at once, under `waiter` (a thread in C_WaitForSlotEvent): it
/// returns CKR_CRYPTOKI_NOT_INITIALIZED within 3 s and never waits on the new module. Finalizes.
void check_finalize_ends_waiter(std::future<CK_RV>& waiter)
{
    const auto start = std::chrono::steady_clock::now();
    REQUIRE_RV(fl()->C_Finalize(nullptr), CKR_OK);
    REQUIRE_RV(fl()->C_Initialize(nullptr), CKR_OK);
    REQUIRE(waiter.wait_for(5s) == std::future_status::ready);
    CHECK_RV(waiter.get(), CKR_CRYPTOKI_NOT_INITIALIZED);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    REQUIRE_RV(fl()->C_Finalize(nullptr), CKR_OK);
}

/// A thread blocked in C_WaitForSlotEvent; C_Finalize, then C_Initialize at once (NSS's
/// SECMOD_CancelWait at Firefox shutdown): the old waiter returns CKR_CRYPTOKI_NOT_INITIALIZED
/// promptly, never waits on the new module, and touches nothing freed (ASan build).
void finalize_under_waiter(std::chrono::milliseconds settle)
{
    REQUIRE_RV(fl()->C_Initialize(nullptr), CKR_OK);
    auto waiter = std::async(std::launch::async, [] {
        CK_SLOT_ID s = 0;
        return fl()->C_WaitForSlotEvent(0, &s, nullptr);
    });
    std::this_thread::sleep_for(settle);
    REQUIRE(waiter.wait_for(0s) == std::future_status::timeout);
    check_finalize_ends_waiter(waiter);
}

}  // namespace

TEST_CASE("C_Finalize while C_WaitForSlotEvent polls for an unreachable pcscd, then C_Initialize at once")
{
    Env env;
    PcscdReaders readers(1);
    restart_pcscd("stop");
    // Different moments in the waiter's 200 ms poll of an absent pcscd.
    for (auto settle : {250ms, 330ms, 410ms, 470ms})
        finalize_under_waiter(settle);
}

TEST_CASE("C_Finalize while C_WaitForSlotEvent waits across a pcscd restart, then C_Initialize at once")
{
    Env env;
    PcscdReaders readers(1);
    for (int i = 0; i < 3; ++i) {
        REQUIRE_RV(fl()->C_Initialize(nullptr), CKR_OK);
        auto waiter = std::async(std::launch::async, [] {
            CK_SLOT_ID s = 0;
            CK_RV rv = CKR_OK;
            // Keep waiting through the restart's slot events until C_Finalize ends it.
            while ((rv = fl()->C_WaitForSlotEvent(0, &s, nullptr)) == CKR_OK) {}
            return rv;
        });
        std::this_thread::sleep_for(300ms);
        restart_pcscd(i % 2 ? "stop" : "1");  // the waiter's context dies under it
        std::this_thread::sleep_for(std::chrono::milliseconds(100 * i));
        check_finalize_ends_waiter(waiter);
        restart_pcscd("1");
    }
}
