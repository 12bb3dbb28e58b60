// Revocation look-ups never freeze the module (issue 10 §4), through the real module (dlopen)
// and the virtual card behind pcscd + vpcd: while one thread's C_SignInit waits for an OCSP
// responder that accepts and never answers (a 127.0.0.1 listener), other threads' PKCS#11
// calls finish at once; the Unknown is then remembered ([revocation] unknown_cache.seconds), so
// the next C_SignInit sends no request; and C_CloseSession, card removal and C_Finalize during
// the look-up are safe.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "http_server.hpp"
#include "mynacard/revocation/status.hpp"
#include "p11_harness.hpp"
#include "vcard/test_pki.hpp"
#include "vcard/vpcd_link.hpp"

namespace fs = std::filesystem;
using mynacard::Bytes;
using mynacard::vcard::TestPki;
using mynacard::vcard::VpcdCard;
using p11test::fl;
using SteadyClock = std::chrono::steady_clock;
namespace dev = mynacard::revocation::device_error;

namespace {

const std::string kAuthPin = "1234";
constexpr int kTimeoutSeconds = 3;  // [ocsp] timeout.seconds of most of these tests

/// A configuration whose only source is OCSP at `url`; the auth key is allowed with a warning
/// when the status is Unknown (fail-open-warn), so C_SignInit succeeds after the timeout.
struct Setup {
    p11test::TempDir dir;
    explicit Setup(const std::string& url, int unknown_cache = 60, int timeout = kTimeoutSeconds)
    {
        const TestPki& pki = TestPki::shared_default();
        pki.save(dir.path / "pki");
        const fs::path config = dir.path / "mynacard.conf";
        std::ofstream(config) << "[trust]\nanchors = " << (dir.path / "pki" / "auth_ca.pem").string() << ", "
                              << (dir.path / "pki" / "sign_ca.pem").string() << "\naccept_test_hierarchy = true\n"
                              << "[revocation]\nmode = ocsp\npolicy.auth = fail-open-warn\nexpiry.warn_days = 0\n"
                              << "unknown_cache.seconds = " << unknown_cache << "\n"
                              << "[ocsp]\nurl = " << url << "\ntimeout.seconds = " << timeout << "\n";
        setenv("MYNACARD_CONFIG", config.c_str(), 1);
        setenv("XDG_CACHE_HOME", (dir.path / "cache").c_str(), 1);
        for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"}) unsetenv(name);
    }
};

/// Waits (bounded) until the responder has accepted `n` connections.
bool wait_requests(const revtest::HttpServer& server, int n)
{
    const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
    while (server.requests() < n && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return server.requests() >= n;
}

template <typename Fn>
std::chrono::milliseconds timed(Fn&& fn)
{
    const auto start = SteadyClock::now();
    fn();
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
}

/// C_SignInit on another thread, with its result and whether it has returned.
struct SignInitThread {
    std::atomic<bool> returned{false};
    std::future<CK_RV> result;
    SignInitThread(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
    {
        result = std::async(std::launch::async, [this, h, key] {
            CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
            const CK_RV rv = fl()->C_SignInit(h, &mech, key);
            returned = true;
            return rv;
        });
    }
};

/// The start of every case here: a new session of `slot` logs in with the auth PIN and its
/// C_SignInit of the auth key runs on another thread until `responder` has accepted that look-up
/// (its first: each case, and each Catch2 section, starts with a fresh responder).
struct WaitingSignInit {
    const CK_SESSION_HANDLE h;
    const CK_OBJECT_HANDLE key;
    const SteadyClock::time_point started;  // after the login, just before C_SignInit
    SignInitThread thread;

    WaitingSignInit(CK_SLOT_ID slot, const revtest::HttpServer& responder)
        : h(p11test::open_session(slot)), key(auth_key_logged_in(h)), started(SteadyClock::now()), thread(h, key)
    {
        REQUIRE(wait_requests(responder, 1));
    }

private:
    static CK_OBJECT_HANDLE auth_key_logged_in(CK_SESSION_HANDLE h)
    {
        REQUIRE_RV(p11test::login(h, kAuthPin), CKR_OK);
        return p11test::find_one(h, CKO_PRIVATE_KEY, "JPKI Auth");
    }
};

constexpr auto kPrompt = std::chrono::milliseconds(1000);  // "at once", with room for a loaded CI machine

}  // namespace

TEST_CASE("a hanging OCSP responder holds up only the C_SignInit that asks it, and only once")
{
    revtest::HttpServer silent([](const revtest::HttpRequest&) { return revtest::HttpReply{}; },
                               revtest::HttpServer::Mode::Silent);
    Setup setup(silent.url("/ocsp"));
    VpcdCard card;
    p11test::Init init;
    const CK_SLOT_ID slot = p11test::slot_for(card.reader(), false);
    const CK_SESSION_HANDLE other = p11test::open_session(slot);
    WaitingSignInit signer(slot, silent);  // its C_SignInit thread is now waiting for the responder

    // Meanwhile other calls of other threads (here: this one) are not held up.
    CHECK(timed([] { CHECK(p11test::slot_list(true).size() >= 1); }) < kPrompt);
    CHECK(timed([&] { (void)p11test::token_info(slot); }) < kPrompt);
    CHECK(timed([&] {
              CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
              std::vector<CK_ATTRIBUTE> tmpl{{CKA_CLASS, &cls, sizeof cls}};
              CHECK(p11test::find(other, tmpl).size() >= 1);
          }) < kPrompt);
    CHECK(timed([&] { (void)p11test::session_info(other); }) < kPrompt);
    CHECK_FALSE(signer.thread.returned.load());  // all of that happened while C_SignInit was waiting

    // fail-open-warn: allowed with the warning once the responder timed out.
    CHECK_RV(signer.thread.result.get(), CKR_OK);
    CHECK(SteadyClock::now() - signer.started >= std::chrono::seconds(kTimeoutSeconds - 1));
    CHECK(p11test::session_info(signer.h).ulDeviceError == dev::kUnknownWarned);
    const Bytes data = p11test::bytes("lock test");
    CK_ULONG len = 512;
    Bytes sig(len);
    REQUIRE_RV(fl()->C_Sign(signer.h, const_cast<CK_BYTE_PTR>(data.data()), static_cast<CK_ULONG>(data.size()),
                            sig.data(), &len),
               CKR_OK);

    // Within unknown_cache.seconds: no network request, no wait.
    CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK(timed([&] { CHECK_RV(fl()->C_SignInit(signer.h, &mech, signer.key), CKR_OK); }) < kPrompt);
    CHECK(p11test::session_info(signer.h).ulDeviceError == dev::kUnknownWarned);
    CHECK(silent.requests() == 1);
}

TEST_CASE("C_CloseSession, card removal and C_Finalize while C_SignInit waits for the responder")
{
    revtest::HttpServer silent([](const revtest::HttpRequest&) { return revtest::HttpReply{}; },
                               revtest::HttpServer::Mode::Silent);
    // Unknown not remembered: every C_SignInit below asks the responder.
    Setup setup(silent.url("/ocsp"), 0);
    VpcdCard card;
    p11test::Init init;
    const CK_SLOT_ID slot = p11test::slot_for(card.reader(), false);
    WaitingSignInit signer(slot, silent);

    SECTION("the session is closed meanwhile: CKR_SESSION_HANDLE_INVALID, no operation left behind")
    {
        CHECK(timed([&] { CHECK_RV(fl()->C_CloseSession(signer.h), CKR_OK); }) < kPrompt);
        CHECK_RV(signer.thread.result.get(), CKR_SESSION_HANDLE_INVALID);
        // The token still works.
        const CK_SESSION_HANDLE again = p11test::open_session(slot);
        CHECK(p11test::find(again).size() >= 1);
    }
    SECTION("another thread logs out meanwhile: CKR_USER_NOT_LOGGED_IN")
    {
        CHECK(timed([&] { CHECK_RV(fl()->C_Logout(signer.h), CKR_OK); }) < kPrompt);
        CHECK_RV(signer.thread.result.get(), CKR_USER_NOT_LOGGED_IN);
    }
    SECTION("the card is removed meanwhile: the session is gone, nothing is signed")
    {
        REQUIRE(card.remove_card());
        // The module notices on its next look at the readers (this thread's C_GetSlotList).
        CHECK(timed([] { (void)p11test::slot_list(true); }) < kPrompt);
        const CK_RV rv = signer.thread.result.get();
        INFO(p11test::rv_name(rv));
        CHECK((rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED));
        CK_SESSION_INFO info{};
        CHECK_RV(fl()->C_GetSessionInfo(signer.h, &info), CKR_SESSION_HANDLE_INVALID);
        REQUIRE(card.insert_card());
    }
}

TEST_CASE("C_Finalize while C_SignInit waits for the responder: prompt (the look-up is cancelled), the waiter gets CKR_CRYPTOKI_NOT_INITIALIZED")
{
    revtest::HttpServer silent([](const revtest::HttpRequest&) { return revtest::HttpReply{}; },
                               revtest::HttpServer::Mode::Silent);
    Setup setup(silent.url("/ocsp"), 0, 20);  // a timeout C_Finalize must not wait out
    VpcdCard card;
    REQUIRE_RV(fl()->C_Initialize(nullptr), CKR_OK);
    WaitingSignInit signer(p11test::slot_for(card.reader(), false), silent);
    CHECK(timed([] { CHECK_RV(fl()->C_Finalize(nullptr), CKR_OK); }) < std::chrono::seconds(5));
    CHECK_RV(signer.thread.result.get(), CKR_CRYPTOKI_NOT_INITIALIZED);
    // And the module can be initialised again at once.
    REQUIRE_RV(fl()->C_Initialize(nullptr), CKR_OK);
    CHECK(p11test::slot_list(true).size() >= 1);
    REQUIRE_RV(fl()->C_Finalize(nullptr), CKR_OK);
}
