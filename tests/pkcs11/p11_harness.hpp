// Drives libmynacard-pkcs11.so as applications do: dlopen, C_GetFunctionList, calls through
// the function list (Botan/SoftHSM style fixture; architecture-guide.md §2).
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mynacard/bytes.hpp"

namespace mynacard::vcard {
class VirtualJpkiCard;
}

namespace p11test {

using mynacard::Bytes;

/// The module's function list (dlopen once per process, RTLD_NOW | RTLD_LOCAL).
CK_FUNCTION_LIST* fl();
/// dlsym on the module (C_GetInterfaceList ...).
void* symbol(const char* name);

/// "CKR_PIN_INCORRECT" ... for failure messages.
std::string rv_name(CK_RV rv);

/// A temporary directory removed at scope exit.
struct TempDir {
    TempDir();
    ~TempDir();
    std::filesystem::path path;
};

/// Per-test environment: a config file (MYNACARD_CONFIG) and a private cache home
/// (XDG_CACHE_HOME), so tests never see each other's cache or the user's config.
/// The default config turns the network checks off and accepts the test PKI.
struct Env {
    explicit Env(const std::string& extra = {});
    ~Env();
    TempDir dir;
    std::filesystem::path config_path;
    static std::string base_config(const std::filesystem::path& dir);
};

/// The configuration a new user has: no file at all (MYNACARD_CONFIG names a file that does not
/// exist, so every key has its default), a private cache home. Optionally a file with only
/// `extra` (e.g. a [log] section to read the module's log), everything else default.
struct DefaultEnv {
    explicit DefaultEnv(const std::string& extra = {});
    ~DefaultEnv();
    TempDir dir;
    std::filesystem::path config_path;
    std::filesystem::path log_path;  ///< where `extra` may send the log ("[log] file = " + log_path)
    std::string log() const;         ///< the log file's contents so far
};

/// C_Initialize(args) / C_Finalize for the scope.
struct Init {
    explicit Init(CK_VOID_PTR args = nullptr);
    ~Init();
};

/// The slot of `reader`'s auth (or sign) token, from C_GetSlotList + C_GetSlotInfo.
std::optional<CK_SLOT_ID> find_slot(const std::string& reader, bool sign);
CK_SLOT_ID slot_for(const std::string& reader, bool sign);
std::vector<CK_SLOT_ID> slot_list(bool token_present);

CK_SESSION_HANDLE open_session(CK_SLOT_ID slot, bool rw = false);
CK_RV login(CK_SESSION_HANDLE h, const std::string& pin, CK_USER_TYPE user = CKU_USER);

std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl = {});
/// The object of `cls` with CKA_LABEL `label` (REQUIREs exactly one).
CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls, const std::string& label);
Bytes attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
CK_ULONG ulong_attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
bool bool_attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);

/// C_SignInit + C_Sign, REQUIRE success.
Bytes sign(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data);
/// A new session of `reader`'s auth (or `sign`) token logged in as the user with the virtual
/// card's default PIN (1234 / ABC123); REQUIREs CKR_OK.
CK_SESSION_HANDLE logged_in_session(const std::string& reader, bool sign);
/// Such a session and the token's private key ("JPKI Auth" / "JPKI Sign").
struct KeySession {
    CK_SESSION_HANDLE h;
    CK_OBJECT_HANDLE key;
};
KeySession logged_in_key(const std::string& reader, bool sign);
/// A session on `slot` logged in with the auth PIN 1234 and a CKM_SHA256_RSA_PKCS signature
/// begun with the "JPKI Auth" key: the state in which the removal tests pull the card away.
CK_SESSION_HANDLE auth_signature_begun(CK_SLOT_ID slot);
/// C_Sign of `data` in the signature begun on `h`, into `sig` (256 bytes, cut to what the module
/// wrote); the CK_RV as it is, for the tests that expect a refusal.
CK_RV sign_begun(CK_SESSION_HANDLE h, const Bytes& data, Bytes& sig);
/// The card (or its reader, or pcscd) went away under `h` mid-signature: C_Sign answers
/// CKR_DEVICE_REMOVED and the session is closed (PKCS#11 v2.40 §5.1: a removed token's
/// sessions end), so it is CKR_SESSION_HANDLE_INVALID afterwards.
void check_signature_lost(CK_SESSION_HANDLE h, const std::string& data);
CK_SESSION_INFO session_info(CK_SESSION_HANDLE h);

// --- a card whose signatures use up the verification ----------------------------------------
/// Whether each signature on `card` uses up its key's verification (virtual-card switch
/// sign-consumes, jpki-card.md §7). The card's options take their defaults from
/// MYNACARD_VCARD_SWITCHES, which the switch matrix sets for a whole run, so this reads the
/// active switches as the card has them.
bool signatures_use_up_login(const mynacard::vcard::VirtualJpkiCard& card);
/// The documented outcome of a signature after the one a login was good for, on such a card:
/// CKR_USER_NOT_LOGGED_IN, from C_SignInit (the module already shows the login gone) or from
/// C_Sign (the card's 69 82); no signature and no VERIFY reach the card (the PIN is never sent
/// again behind the caller's back), and the session then shows the login gone.
void check_login_used_up(const mynacard::vcard::VirtualJpkiCard& card, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
/// For tests that sign more than once per login: on a card whose signatures use up the login,
/// check_login_used_up() and C_Login again with `pin`; on any other card nothing.
void login_again_if_used_up(const mynacard::vcard::VirtualJpkiCard& card, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key,
                            const std::string& pin);
CK_TOKEN_INFO token_info(CK_SLOT_ID slot);

// --- OpenSSL checks --------------------------------------------------------------------------
/// Verifies an RSA PKCS#1 v1.5 signature against the certificate's public key. `hash` names the
/// digest ("SHA256"...) the signature is over `data`; empty = `data` is the DigestInfo itself.
bool openssl_verify(const Bytes& cert_der, const std::string& hash, const Bytes& data, const Bytes& sig);
Bytes sha(const std::string& hash, const Bytes& data);
/// DER DigestInfo for SHA-256 (RFC 8017 §9.2 note 1).
Bytes digest_info_sha256(const Bytes& data);
Bytes bytes(const std::string& text);
std::string text(const Bytes& data);

}  // namespace p11test

#define REQUIRE_RV(expr, rv) REQUIRE(p11test::rv_name(expr) == p11test::rv_name(rv))
#define CHECK_RV(expr, rv) CHECK(p11test::rv_name(expr) == p11test::rv_name(rv))
