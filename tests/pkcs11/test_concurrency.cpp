// Threads in one process, several processes signing at once, the application's mutex
// callbacks, repeated C_Initialize/C_Finalize, and fork.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "mynacard/apdu/atr.hpp"
#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::VpcdCard;

namespace {

std::atomic<int> g_created{0}, g_locked{0}, g_unlocked{0}, g_destroyed{0};

CK_RV create_mutex(CK_VOID_PTR_PTR m)
{
    *m = new std::mutex;
    ++g_created;
    return CKR_OK;
}
CK_RV destroy_mutex(CK_VOID_PTR m)
{
    delete static_cast<std::mutex*>(m);
    ++g_destroyed;
    return CKR_OK;
}
CK_RV lock_mutex(CK_VOID_PTR m)
{
    static_cast<std::mutex*>(m)->lock();
    ++g_locked;
    return CKR_OK;
}
CK_RV unlock_mutex(CK_VOID_PTR m)
{
    ++g_unlocked;
    static_cast<std::mutex*>(m)->unlock();
    return CKR_OK;
}

void sign_in_threads(VpcdCard& card, int threads, int per_thread)
{
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_SESSION_HANDLE first = open_session(slot);
    REQUIRE_RV(login(first, "1234"), CKR_OK);
    // Switch sign-consumes (jpki-card.md §7): the one login is good for one signature; every
    // other attempt must end as CKR_USER_NOT_LOGGED_IN, never as a wrong signature or a VERIFY
    // the module sends on its own.
    const bool used_up = signatures_use_up_login(card.card());
    std::atomic<int> good{0}, bad{0}, not_logged_in{0};
    // Every thread finds the private key before any signs (while the login is there for sure),
    // then they all sign at once.
    std::latch found(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            CK_SESSION_HANDLE h = 0;
            if (fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) {
                ++bad;
                found.count_down();
                return;
            }
            CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
            CK_ATTRIBUTE tmpl{CKA_CLASS, &cls, sizeof cls};
            CK_OBJECT_HANDLE key = 0;
            CK_ULONG n = 0;
            const bool ok = fl()->C_FindObjectsInit(h, &tmpl, 1) == CKR_OK &&
                            fl()->C_FindObjects(h, &key, 1, &n) == CKR_OK &&
                            fl()->C_FindObjectsFinal(h) == CKR_OK && n == 1;
            found.arrive_and_wait();
            if (!ok) {
                ++bad;
                return;
            }
            for (int i = 0; i < per_thread; ++i) {
                Bytes data = bytes("thread " + std::to_string(t) + " message " + std::to_string(i));
                CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
                Bytes sig(256);
                CK_ULONG len = sig.size();
                CK_RV rv = fl()->C_SignInit(h, &m, key);
                if (rv == CKR_OK) rv = fl()->C_Sign(h, data.data(), data.size(), sig.data(), &len);
                if (rv == CKR_USER_NOT_LOGGED_IN && used_up)
                    ++not_logged_in;
                else if (rv != CKR_OK || !openssl_verify(card.card().pki().auth_der, "SHA256", data, sig))
                    ++bad;
                else
                    ++good;
                CK_TOKEN_INFO ti{};
                if (fl()->C_GetTokenInfo(slot, &ti) != CKR_OK) ++bad;
            }
            fl()->C_CloseSession(h);
        });
    }
    for (auto& t : pool) t.join();
    CHECK(bad == 0);
    if (used_up) {
        CHECK(good == 1);
        CHECK(not_logged_in == threads * per_thread - 1);
        CHECK(card.card().stats().signatures == 1);
        CHECK(card.card().stats().verify_with_data == 1);
        CHECK(session_info(first).state == CKS_RO_PUBLIC_SESSION);
    } else {
        CHECK(good == threads * per_thread);
    }
}

}  // namespace

TEST_CASE("threads sign at once through one module (OS locking)")
{
    Env env;
    VpcdCard card;
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    Init init(&args);
    sign_in_threads(card, 4, 5);
}

TEST_CASE("the application's mutex callbacks are used when it asks for them")
{
    Env env;
    VpcdCard card;
    g_created = g_locked = g_unlocked = g_destroyed = 0;
    {
        CK_C_INITIALIZE_ARGS args{};
        args.CreateMutex = create_mutex;
        args.DestroyMutex = destroy_mutex;
        args.LockMutex = lock_mutex;
        args.UnlockMutex = unlock_mutex;
        Init init(&args);
        CHECK(g_created == 1);
        sign_in_threads(card, 3, 2);
        CHECK(g_locked > 20);
        CHECK(g_locked == g_unlocked);
    }
    CHECK(g_destroyed == 1);
    // With CKF_OS_LOCKING_OK as well, the module may use its own locking: it does.
    g_created = g_locked = 0;
    CK_C_INITIALIZE_ARGS both{};
    both.CreateMutex = create_mutex;
    both.DestroyMutex = destroy_mutex;
    both.LockMutex = lock_mutex;
    both.UnlockMutex = unlock_mutex;
    both.flags = CKF_OS_LOCKING_OK;
    Init init(&both);
    slot_list(false);
    CHECK(g_created == 0);
    CHECK(g_locked == 0);
}

TEST_CASE("repeated C_Initialize / C_Finalize cycles")
{
    Env env;
    VpcdCard card;
    for (int i = 0; i < 15; ++i) {
        Init init;
        const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
        CHECK(find(h).size() == 3);
        if (i % 5 == 0) {
            REQUIRE_RV(login(h, "1234"), CKR_OK);
        }
    }
    // Finalize logged out the card each time a login was left open.
    CHECK_FALSE(card.card().verified(0x18));
}

TEST_CASE("after fork the child sees CKR_CRYPTOKI_NOT_INITIALIZED until it initialises")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_SESSION_HANDLE h = open_session(slot);
    REQUIRE_RV(login(h, "1234"), CKR_OK);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // Exit codes tell the parent which step failed. No Catch2 in the child.
        CK_ULONG n = 0;
        CK_SESSION_INFO info{};
        if (fl()->C_GetSlotList(CK_FALSE, nullptr, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(10);
        if (fl()->C_GetSessionInfo(h, &info) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(11);
        if (fl()->C_Finalize(nullptr) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(12);
        if (fl()->C_Initialize(nullptr) != CKR_OK) _exit(13);
        if (fl()->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n != 2) _exit(14);
        CK_TOKEN_INFO ti{};
        if (fl()->C_GetTokenInfo(slot, &ti) != CKR_OK) _exit(15);
        CK_SESSION_HANDLE ch = 0;
        if (fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &ch) != CKR_OK) _exit(16);
        if (fl()->C_GetSessionInfo(ch, &info) != CKR_OK || info.state != CKS_RO_PUBLIC_SESSION) _exit(17);
        if (fl()->C_Finalize(nullptr) != CKR_OK) _exit(18);
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // The parent's module and PC/SC handles are intact.
    const Bytes data = bytes("parent after fork");
    CHECK(openssl_verify(card.card().pki().auth_der, "SHA256", data,
                         sign(h, CKM_SHA256_RSA_PKCS, find_one(h, CKO_PRIVATE_KEY, "JPKI Auth"), data)));
}

TEST_CASE("several processes sign at once")
{
    Env env;
    VpcdCard card;
    const int processes = 3;
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p) {
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            // A separate program image, as separate applications would be.
            execl(MYNACARD_P11_SIGN_HELPER, MYNACARD_P11_SIGN_HELPER, MYNACARD_PKCS11_MODULE,
                  card.reader().c_str(), "1234", "6", static_cast<char*>(nullptr));
            _exit(127);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    CHECK(card.card().stats().signatures >= processes * 6);
}

namespace {

/// Runs p11_sign_helper with `args` in a separate process; its exit code. With `trace`, the
/// helper's APDU trace goes to that file (MYNACARD_TRACE).
/// Runs the signing helper on this process's module; `cache_home` (if given) is its
/// XDG_CACHE_HOME instead of this process's: another user, whose cache knows nothing of the card.
int run_helper(const std::vector<std::string>& args, const std::string& trace = {},
               const std::filesystem::path& cache_home = {})
{
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (!trace.empty()) setenv("MYNACARD_TRACE", trace.c_str(), 1);
        if (!cache_home.empty()) setenv("XDG_CACHE_HOME", cache_home.c_str(), 1);
        std::vector<char*> argv{const_cast<char*>(MYNACARD_P11_SIGN_HELPER), const_cast<char*>(MYNACARD_PKCS11_MODULE)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(MYNACARD_P11_SIGN_HELPER, argv.data());
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/// The card of the strict reading the two issue 9 cases below are about: any SELECT by AID
/// clears every verified PIN (jpki-card.md §7).
mynacard::vcard::CardOptions strict_card()
{
    mynacard::vcard::CardOptions options;
    options.select_rule = mynacard::vcard::SelectRule::ClearAny;
    return options;
}

}  // namespace

TEST_CASE("another process listing the token does not end this process's login (issue 9)")
{
    // The strict reading: any SELECT by AID clears every verified PIN (jpki-card.md §7). A
    // process that loads the module and lists the tokens of a card another process identified
    // in this insertion must send no SELECT by AID: the logged-in process still signs.
    Env env;
    VpcdCard card(strict_card());
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    const Bytes der = attribute(h, find_one(h, CKO_CERTIFICATE, "JPKI Auth"), CKA_VALUE);
    const Bytes first = sign(h, CKM_SHA256_RSA_PKCS, key, bytes("before"));
    CHECK(openssl_verify(der, "sha256", bytes("before"), first));
    // Switch sign-consumes: a login per signature (p11_harness.hpp); every login is one VERIFY.
    login_again_if_used_up(card.card(), h, key, "1234");
    const std::uint64_t logins_per_signature = signatures_use_up_login(card.card()) ? 1 : 0;
    // READ BINARYs of the sign CA: a 256-byte first chunk, then one extended read of the rest,
    // or 256-byte short reads where the card or its ATR offers no extended length (switches
    // no-extended, atr=...: jpki-card.md §1.5).
    const bool extended = card.card().options().support_extended_length &&
                          mynacard::apdu::atr::declares_extended_length(card.card().atr());
    const std::size_t ca_size = card.card().pki().sign_ca_der.size();
    const unsigned sign_ca_reads =
        extended ? (ca_size > 256 ? 2u : 1u) : static_cast<unsigned>((ca_size + 255) / 256);

    for (int round = 0; round < 2; ++round) {
        CAPTURE(round);
        const auto before = card.card().stats();
        const std::string trace = (env.dir.path / ("trace" + std::to_string(round))).string();
        CHECK(run_helper({card.reader(), "-", "list"}, trace) == 0);
        const auto after = card.card().stats();
        std::ifstream in(trace);
        std::string line;
        int selects_by_aid = 0, lines = 0;
        while (std::getline(in, line)) {
            ++lines;
            if (line.find("00 A4 04") != std::string::npos) ++selects_by_aid;
        }
        CHECK(lines > 0);
        CHECK(selects_by_aid == 0);
        // One READ BINARY confirms the card (insertion record); each token's counter is a label
        // check + SELECT PIN EF + empty VERIFY; the auth certificates were compared in this
        // insertion by this process; the sign CA, never read yet, is read from the confirmed AP
        // the first time (label check + its reads) and trusted from the record the second time.
        CHECK(after.apdus - before.apdus <= (round == 0 ? 8u + sign_ca_reads : 7u));
        CHECK(after.verify_with_data == before.verify_with_data);
        // Still logged in: signs without a new C_Login.
        CHECK(session_info(h).state == CKS_RO_USER_FUNCTIONS);
        const Bytes sig = sign(h, CKM_SHA256_RSA_PKCS, key, bytes("after"));
        CHECK(openssl_verify(der, "sha256", bytes("after"), sig));
        login_again_if_used_up(card.card(), h, key, "1234");
    }
    CHECK(card.card().stats().verify_with_data == 1 + 3 * logins_per_signature);
}

TEST_CASE("another user's process probing the card does not spend this process's login (issue 9 §3)")
{
    // The reading under which a probe costs a login: verification kept across every SELECT
    // (jpki-card.md §1.9) and used up by a signature (§7), with RSASSA-PSS (§1.7). A process of
    // another user (a cache that knows nothing of this card) probes it in full, RSASSA-PSS
    // included, while this process is logged in and has not signed yet. A probe on the auth key
    // would sign with this process's verification and use it up; the next signature here would
    // meet 69 82.
    Env env;
    mynacard::vcard::CardOptions options;
    options.select_rule = mynacard::vcard::SelectRule::KeepAll;
    options.sign_consumes = true;
    options.pss = true;
    VpcdCard card(options);
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    const Bytes der = attribute(h, find_one(h, CKO_CERTIFICATE, "JPKI Auth"), CKA_VALUE);
    const auto before = card.card().stats();
    const std::filesystem::path other_cache = env.dir.path / "other-user-cache";
    std::filesystem::create_directories(other_cache);
    const std::string trace = (env.dir.path / "other-user-trace").string();
    CHECK(run_helper({card.reader(), "-", "list"}, trace, other_cache) == 0);
    const auto after = card.card().stats();
    CHECK(after.verify_with_data == before.verify_with_data);
    CHECK(after.signatures == before.signatures);  // the other process signed nothing
    CHECK(after.sign_commands > before.sign_commands);  // it did probe (this card has no facts there)
    CHECK(card.card().verified(0x18));
    CHECK(session_info(h).state == CKS_RO_USER_FUNCTIONS);
    const Bytes sig = sign(h, CKM_SHA256_RSA_PKCS, key, bytes("after the other user's probe"));
    CHECK(openssl_verify(der, "sha256", bytes("after the other user's probe"), sig));
    CHECK(card.card().stats().verify_with_data == 1);
}

namespace {

struct CardCpRun {
    int exit_code = -1;
    std::string output;  ///< stdout and stderr
    std::vector<std::string> trace;
};

/// Runs the card-cp binary with `args`, its APDU trace in a file (MYNACARD_TRACE), with this
/// process's configuration and cache (MYNACARD_CONFIG, XDG_CACHE_HOME set by Env).
CardCpRun run_card_cp(const std::filesystem::path& dir, const std::vector<std::string>& args)
{
    static int n = 0;
    const std::string trace = (dir / ("card-cp-trace" + std::to_string(++n))).string();
    const std::string out = (dir / ("card-cp-out" + std::to_string(n))).string();
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("MYNACARD_TRACE", trace.c_str(), 1);
        const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(126);
        std::vector<char*> argv{const_cast<char*>(MYNACARD_CARD_CP)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(MYNACARD_CARD_CP, argv.data());
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CardCpRun run;
    run.exit_code = WEXITSTATUS(status);
    std::ifstream o(out);
    for (std::string line; std::getline(o, line);) run.output += line + "\n";
    std::ifstream t(trace);
    for (std::string line; std::getline(t, line);) run.trace.push_back(line);
    return run;
}

}  // namespace

TEST_CASE("card-cp between this process's login and its signature sends no SELECT by AID (issue 9)")
{
    // The strict reading: any SELECT by AID clears every verified PIN (jpki-card.md §7). card-cp
    // finds the reader without --reader (its discovery must not select the JPKI AP by AID on a
    // card the module identified in this insertion), lists readers, certificates and the two
    // JPKI PIN counters; the module's login survives and it signs.
    Env env;
    VpcdCard card(strict_card());
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    const Bytes der = attribute(h, find_one(h, CKO_CERTIFICATE, "JPKI Auth"), CKA_VALUE);

    const std::vector<std::vector<std::string>> commands{
        {"readers"}, {"--json", "readers"}, {"cert", "list"}, {"pin", "status", "auth", "sign"},
        {"status"}, {"--json", "status"}, {"pin", "status"}};
    for (const auto& args : commands) {
        CAPTURE(args);
        const auto before = card.card().stats();
        const CardCpRun run = run_card_cp(env.dir.path, args);
        INFO(run.output);
        CHECK(run.exit_code == 0);
        CHECK_FALSE(run.trace.empty());
        for (const auto& line : run.trace) {
            INFO(line);
            CHECK(line.find("00 A4 04") == std::string::npos);
        }
        CHECK(card.card().stats().verify_with_data == before.verify_with_data);
        CHECK(card.card().verified(0x18));
    }
    // card-cp status left the Kenhojo AP alone (selecting it could have ended our login) and says so.
    const CardCpRun status = run_card_cp(env.dir.path, {"--json", "status"});
    CHECK(status.output.find("\"not-read\"") != std::string::npos);
    // The readers listing still names the card (from the insertion record) by its label
    // (JPKIAPICCTOKEN with switch label-v1).
    const CardCpRun listed = run_card_cp(env.dir.path, {"--json", "readers"});
    CHECK(listed.output.find("\"" + card.card().options().token_label + "\"") != std::string::npos);
    // Still logged in: signs without a new C_Login.
    CHECK(session_info(h).state == CKS_RO_USER_FUNCTIONS);
    const Bytes sig = sign(h, CKM_SHA256_RSA_PKCS, key, bytes("after card-cp"));
    CHECK(openssl_verify(der, "sha256", bytes("after card-cp"), sig));
    CHECK(card.card().stats().verify_with_data == 1);
}

TEST_CASE("fork while other threads are inside module calls: every child can C_Initialize again")
{
    // Before the atfork handlers, a child forked while another thread held the module lock
    // deadlocked in its own C_Initialize (issue 10 §3: 9 of 10 children).
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    std::atomic<bool> stop{false};
    std::atomic<long> calls{0};
    std::vector<std::thread> busy;
    for (int t = 0; t < 3; ++t) {
        busy.emplace_back([&] {
            while (!stop) {
                CK_TOKEN_INFO ti{};
                CK_ULONG n = 0;
                (void)fl()->C_GetTokenInfo(slot, &ti);  // card I/O under the module lock
                (void)fl()->C_GetSlotList(CK_TRUE, nullptr, &n);
                ++calls;
            }
        });
    }
    const int children = 16;
    int good = 0;
    for (int i = 0; i < children; ++i) {
        while (calls.load() < (i + 1) * 3) std::this_thread::yield();
        const pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            CK_ULONG n = 0;
            if (fl()->C_GetSlotList(CK_FALSE, nullptr, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(10);
            if (fl()->C_Initialize(nullptr) != CKR_OK) _exit(11);
            if (fl()->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n != 2) _exit(12);
            if (fl()->C_Finalize(nullptr) != CKR_OK) _exit(13);
            _exit(0);
        }
        // A deadlocked child is killed after 20 s and counts as a failure.
        int status = 0;
        pid_t done = 0;
        for (int waited = 0; waited < 200 && (done = waitpid(child, &status, WNOHANG)) == 0; ++waited)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (done == 0) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
        }
        INFO("child " << i << " status " << status);
        CHECK((done == child && WIFEXITED(status) && WEXITSTATUS(status) == 0));
        if (done == child && WIFEXITED(status) && WEXITSTATUS(status) == 0) ++good;
    }
    stop = true;
    for (auto& t : busy) t.join();
    CHECK(good == children);
}
