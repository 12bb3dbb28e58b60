// The signing password's verified state must not outlive its signature (issue 10 §2): with
// CKA_ALWAYS_AUTHENTICATE (the default) the module holds the card from the context-specific
// VERIFY through the signature and power-cycles it before releasing it. Another process that
// sends COMPUTE DIGITAL SIGNATURE with the signing key on its own (no password) must get 6982
// at every moment: after the login, while a signature is pending, after the signature.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/pcsc.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::VpcdCard;
using namespace std::chrono_literals;

namespace {

constexpr int kSignPin = 0x1B;

/// In a child process (another PC/SC client, no PKCS#11): SELECT the JPKI AP and the signing
/// key, COMPUTE DIGITAL SIGNATURE. Exit 0 when the card refuses with 6982, 1 when it signed,
/// 2+ for other failures. The attempt runs in its own function so that its transaction ends and its connection closes (SCARD_LEAVE_CARD)
/// before the process exits: a process that exits holding its card handle makes pcscd reset
/// the card when it notices, at a moment of pcscd's choosing, which would race the module's next
/// operation (pcsc-lite resets the card of a client that died with a handle open).
int rogue_attempt(const std::string& reader)
{
    namespace apdu = mynacard::apdu;
    auto context = apdu::PcscContext::establish();
    if (!context) return 2;
    auto transport = context->connect(reader);
    if (!transport) return 3;
    auto tx = apdu::Transaction::begin(**transport);
    if (!tx) return 4;
    const Bytes aid{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
    auto selected = apdu::transceive(*tx, apdu::Command::select_aid(aid));
    if (!selected || !selected->sw.ok()) return 5;
    auto key = apdu::transceive(*tx, apdu::Command::select_ef(0x001A));
    if (!key || !key->sw.ok()) return 6;
    const Bytes di = digest_info_sha256(bytes("signed behind the holder's back"));
    auto sig = apdu::transceive(*tx, apdu::Command::jpki_compute_signature(di));
    if (!sig) return 7;
    if (sig->sw.ok()) return 1;
    return sig->sw.value == 0x6982 ? 0 : 8;
}

[[noreturn]] void rogue_signature(const std::string& reader) { _exit(rogue_attempt(reader)); }

pid_t start_rogue(const std::string& reader)
{
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) rogue_signature(reader);
    return pid;
}

/// The child's exit code (-1 if it was still running after `patience` and had to be killed).
int finish(pid_t pid, std::chrono::milliseconds patience = 15s)
{
    int status = 0;
    const auto until = std::chrono::steady_clock::now() + patience;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(20ms);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

bool exited_yet(pid_t pid)
{
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG | WNOWAIT);
    (void)status;
    return r == pid;
}

CK_OBJECT_HANDLE begin_sign_key_signature(CK_SESSION_HANDLE h)
{
    const CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY, "JPKI Sign");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
    return key;
}

}  // namespace

TEST_CASE("sign hold: another process cannot sign with the signing key after the login or the signature")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = logged_in_session(card.reader(), true);
    // The login read the signing certificate and ended the password's verified state.
    CHECK_FALSE(card.card().verified(kSignPin));
    CHECK(finish(start_rogue(card.reader())) == 0);
    CHECK(session_info(h).state == CKS_RO_USER_FUNCTIONS);  // the module's login stays

    const Bytes data = bytes("契約書 v2");
    for (int i = 0; i < 2; ++i) {
        INFO("signature " << i);
        begin_sign_key_signature(h);
        REQUIRE_RV(login(h, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
        Bytes sig;
        REQUIRE_RV(sign_begun(h, data, sig), CKR_OK);
        CHECK(openssl_verify(card.card().pki().sign_der, "SHA256", data, sig));
        CHECK_FALSE(card.card().verified(kSignPin));
        CHECK(finish(start_rogue(card.reader())) == 0);
    }
    CHECK(card.card().stats().signatures == 2);  // the rogue ones were all refused
}

TEST_CASE("sign hold: while a signature is pending another process waits, then finds the card logged out")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = logged_in_session(card.reader(), true);
    begin_sign_key_signature(h);
    REQUIRE_RV(login(h, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
    CHECK(card.card().verified(kSignPin));  // verified, but held by us
    const pid_t rogue = start_rogue(card.reader());
    std::this_thread::sleep_for(700ms);
    CHECK_FALSE(exited_yet(rogue));  // blocked in SCardBeginTransaction behind our hold
    Bytes sig;
    const Bytes data = bytes("pending");
    REQUIRE_RV(sign_begun(h, data, sig), CKR_OK);
    CHECK(finish(rogue) == 0);
    CHECK(card.card().stats().signatures == 1);
}

TEST_CASE("sign hold: a C_Sign that never comes: the hold ends after signature_hold.seconds")
{
    Env env("[pkcs11]\nsignature_hold.seconds = 1\n");
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = logged_in_session(card.reader(), true);
    begin_sign_key_signature(h);
    REQUIRE_RV(login(h, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
    // No call into the module: the watchdog ends the hold and powers the card down.
    const pid_t rogue = start_rogue(card.reader());
    CHECK(finish(rogue, 10s) == 0);
    CHECK_FALSE(card.card().verified(kSignPin));
    // The context login ended with the hold: C_Sign is refused without touching the card (and,
    // like every C_Sign but a size query, ends the operation, §5.11); a new one signs.
    Bytes sig;
    const Bytes data = bytes("late");
    CHECK_RV(sign_begun(h, data, sig), CKR_USER_NOT_LOGGED_IN);
    CHECK(card.card().stats().signatures == 0);
    begin_sign_key_signature(h);
    REQUIRE_RV(login(h, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
    REQUIRE_RV(sign_begun(h, data, sig), CKR_OK);
    CHECK(openssl_verify(card.card().pki().sign_der, "SHA256", data, sig));
}

TEST_CASE("sign hold: the operation ending or the session closing ends the hold")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = logged_in_session(card.reader(), true);
    const CK_SLOT_ID slot = slot_for(card.reader(), true);
    SECTION("an operation ended by an error")
    {
        begin_sign_key_signature(h);
        REQUIRE_RV(login(h, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
        CK_ULONG n = 0;
        CHECK_RV(fl()->C_Sign(h, nullptr, 5, nullptr, &n), CKR_ARGUMENTS_BAD);  // ends the operation
    }
    SECTION("the session closed")
    {
        const CK_SESSION_HANDLE other = open_session(slot);
        begin_sign_key_signature(other);
        REQUIRE_RV(login(other, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
        REQUIRE_RV(fl()->C_CloseSession(other), CKR_OK);
    }
    SECTION("a wrong password in the context login")
    {
        begin_sign_key_signature(h);
        CHECK_RV(login(h, "WRONG1", CKU_CONTEXT_SPECIFIC), CKR_PIN_INCORRECT);
    }
    CHECK_FALSE(card.card().verified(kSignPin));
    CHECK(finish(start_rogue(card.reader()), 5s) == 0);
}

TEST_CASE("sign hold: the other token's login ends with the signature and says so")
{
    Env env;
    VpcdCard card;
    Init init;
    const auto [ha, auth_key] = logged_in_key(card.reader(), false);
    logged_in_session(card.reader(), true);  // the sign login powers the card down: the auth login is gone
    CHECK(session_info(ha).state == CKS_RO_PUBLIC_SESSION);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK_RV(fl()->C_SignInit(ha, &m, auth_key), CKR_USER_NOT_LOGGED_IN);
    CHECK_FALSE(card.card().verified(0x18));
}
