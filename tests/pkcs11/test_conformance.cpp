// PKCS#11 v2.40 conventions through pcscd + vpcd + the virtual card: module entry points,
// slots, tokens, objects, attributes, search, sessions, unsupported functions.
#include <dlfcn.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <set>

#include "p11_harness.hpp"
#include "vcard/expected_identity.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::CardOptions;
using mynacard::vcard::VpcdCard;

namespace {

std::string padded(const unsigned char* p, std::size_t n)
{
    std::string s(reinterpret_cast<const char*>(p), n);
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
}
}  // namespace

TEST_CASE("the function list, the 3.0 interface and calls before C_Initialize")
{
    CK_FUNCTION_LIST* f = fl();
    CHECK(f->version.major == 2);
    CHECK(f->version.minor == 40);
    // Every slot of the v2.40 list is filled (68 functions after the version).
    const auto* fn = reinterpret_cast<void* const*>(&f->C_Initialize);
    for (int i = 0; i < 68; ++i) CHECK(fn[i] != nullptr);

    using GetInterfaceList = CK_RV (*)(void*, CK_ULONG*);
    using GetInterface = CK_RV (*)(CK_UTF8CHAR*, CK_VERSION*, void**, CK_FLAGS);
    auto list = reinterpret_cast<GetInterfaceList>(symbol("C_GetInterfaceList"));
    auto get = reinterpret_cast<GetInterface>(symbol("C_GetInterface"));
    REQUIRE(list != nullptr);
    REQUIRE(get != nullptr);
    struct Interface { CK_CHAR* name; void* functions; CK_FLAGS flags; };
    CK_ULONG n = 0;
    REQUIRE_RV(list(nullptr, &n), CKR_OK);
    REQUIRE(n == 1);
    CK_ULONG zero = 0;
    Interface one{};
    CHECK_RV(list(&one, &zero), CKR_BUFFER_TOO_SMALL);
    CHECK(zero == 1);
    REQUIRE_RV(list(&one, &n), CKR_OK);
    CHECK(std::string(reinterpret_cast<char*>(one.name)) == "PKCS 11");
    CHECK(one.functions == f);
    CHECK(one.flags == 0);
    void* iface = nullptr;
    CK_UTF8CHAR name[] = "PKCS 11";
    REQUIRE_RV(get(name, nullptr, &iface, 0), CKR_OK);
    CHECK(static_cast<Interface*>(iface)->functions == f);
    CK_VERSION v30{3, 0};
    CHECK_RV(get(name, &v30, &iface, 0), CKR_ARGUMENTS_BAD);
    CK_UTF8CHAR other[] = "Vendor X";
    CHECK_RV(get(other, nullptr, &iface, 0), CKR_ARGUMENTS_BAD);

    // Nothing works before C_Initialize.
    CK_ULONG count = 0;
    CHECK_RV(f->C_GetSlotList(CK_FALSE, nullptr, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
    CK_INFO info{};
    CHECK_RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
    CHECK_RV(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST_CASE("C_Initialize arguments and C_GetInfo")
{
    Env env;
    CK_FUNCTION_LIST* f = fl();
    CK_C_INITIALIZE_ARGS bad{};
    bad.pReserved = &bad;
    CHECK_RV(f->C_Initialize(&bad), CKR_ARGUMENTS_BAD);
    CK_C_INITIALIZE_ARGS partial{};
    partial.CreateMutex = [](CK_VOID_PTR_PTR) -> CK_RV { return CKR_OK; };
    CHECK_RV(f->C_Initialize(&partial), CKR_ARGUMENTS_BAD);
    CK_C_INITIALIZE_ARGS os{};
    os.flags = CKF_OS_LOCKING_OK;
    REQUIRE_RV(f->C_Initialize(&os), CKR_OK);
    CHECK_RV(f->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    CK_INFO info{};
    REQUIRE_RV(f->C_GetInfo(&info), CKR_OK);
    CHECK(info.cryptokiVersion.major == 2);
    CHECK(info.cryptokiVersion.minor == 40);
    CHECK(padded(info.manufacturerID, 32) == "mynacard");
    CHECK_RV(f->C_GetInfo(nullptr), CKR_ARGUMENTS_BAD);
    int dummy = 0;
    CHECK_RV(f->C_Finalize(&dummy), CKR_ARGUMENTS_BAD);
    REQUIRE_RV(f->C_Finalize(nullptr), CKR_OK);
}

TEST_CASE("a broken configuration file fails C_Initialize instead of being ignored")
{
    Env env("[pin]\nfinal_try = sometimes\n");
    CHECK_RV(fl()->C_Initialize(nullptr), CKR_GENERAL_ERROR);
    CHECK_RV(fl()->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST_CASE("slots: two per reader, stable ids, the empty second reader, the two-call convention")
{
    Env env;
    VpcdCard card;
    Init init;
    const char* reader2 = std::getenv("MYNACARD_VPCD_READER2");
    REQUIRE(reader2 != nullptr);
    const auto all = slot_list(false);
    CHECK(all.size() == 4);  // two vpcd readers
    const CK_SLOT_ID auth = slot_for(card.reader(), false);
    const CK_SLOT_ID sign = slot_for(card.reader(), true);
    CHECK(sign == auth + 1);
    const auto present = slot_list(true);
    CHECK(present == std::vector<CK_SLOT_ID>{auth, sign});

    // Size query, too small, exact (§5.5, §5.2 variable-length output).
    CK_ULONG n = 0;
    REQUIRE_RV(fl()->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_OK);
    CHECK(n == 4);
    std::vector<CK_SLOT_ID> buf(4, 0xDEAD);
    CK_ULONG small = 1;
    CHECK_RV(fl()->C_GetSlotList(CK_FALSE, buf.data(), &small), CKR_BUFFER_TOO_SMALL);
    CHECK(small == 4);
    CHECK_RV(fl()->C_GetSlotList(CK_FALSE, buf.data(), nullptr), CKR_ARGUMENTS_BAD);
    // Stable across calls.
    CHECK(slot_list(false) == all);
    CHECK(slot_for(card.reader(), false) == auth);

    CK_SLOT_INFO info{};
    REQUIRE_RV(fl()->C_GetSlotInfo(auth, &info), CKR_OK);
    CHECK((info.flags & CKF_TOKEN_PRESENT) != 0);
    CHECK((info.flags & CKF_REMOVABLE_DEVICE) != 0);
    CHECK((info.flags & CKF_HW_SLOT) != 0);
    const CK_SLOT_ID empty = slot_for(reader2, false);
    REQUIRE_RV(fl()->C_GetSlotInfo(empty, &info), CKR_OK);
    CHECK((info.flags & CKF_TOKEN_PRESENT) == 0);
    CK_TOKEN_INFO ti{};
    CHECK_RV(fl()->C_GetTokenInfo(empty, &ti), CKR_TOKEN_NOT_PRESENT);
    CK_SESSION_HANDLE h = 0;
    CHECK_RV(fl()->C_OpenSession(empty, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_TOKEN_NOT_PRESENT);
    CHECK_RV(fl()->C_GetSlotInfo(999, &info), CKR_SLOT_ID_INVALID);
    CHECK_RV(fl()->C_GetTokenInfo(999, &ti), CKR_SLOT_ID_INVALID);
}

TEST_CASE("token info: labels, real serial, flags, PIN lengths, PIN counter flags")
{
    Env env;
    CardOptions options;
    options.auth_pin.tries_left = 2;   // one failure pending: COUNT_LOW
    options.sign_pin.tries_left = 1;   // FINAL_TRY
    VpcdCard card(options);
    Init init;
    const CK_SLOT_ID auth = slot_for(card.reader(), false);
    const CK_SLOT_ID sign = slot_for(card.reader(), true);
    const CK_TOKEN_INFO a = token_info(auth);
    const CK_TOKEN_INFO s = token_info(sign);
    // Labels per card (README "PKCS#11 module"): a fixed prefix, a blank, the serial's last 4
    // characters; 32 bytes for the auth token (its kanji are 3 bytes each in UTF-8).
    const std::string serial = padded(a.serialNumber, 16);
    REQUIRE(serial.size() >= 4);
    CHECK(padded(a.label, 32) == "JPKI Auth (利用者証明) " + serial.substr(serial.size() - 4));
    CHECK(padded(s.label, 32) == "JPKI Sign (署名用) " + serial.substr(serial.size() - 4));
    CHECK(padded(a.label, 32).size() == 32);
    CHECK(padded(a.manufacturerID, 32) == "mynacard");
    CHECK(padded(a.model, 16) == "JPKI");
    // The Common AP serial (jpki-card.md §1.14), never a constant.
    CHECK(padded(a.serialNumber, 16) == mynacard::vcard::expected_identity(card.card()).serial);
    CHECK(padded(s.serialNumber, 16) == mynacard::vcard::expected_identity(card.card()).serial);
    const CK_FLAGS base = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_WRITE_PROTECTED | CKF_TOKEN_INITIALIZED;
    CHECK((a.flags & base) == base);
    CHECK((a.flags & CKF_RNG) == 0);
    CHECK((a.flags & CKF_USER_PIN_COUNT_LOW) != 0);
    CHECK((a.flags & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)) == 0);
    CHECK((s.flags & CKF_USER_PIN_FINAL_TRY) != 0);
    CHECK((s.flags & CKF_USER_PIN_LOCKED) == 0);
    CHECK(a.ulMinPinLen == 4);
    CHECK(a.ulMaxPinLen == 4);
    CHECK(s.ulMinPinLen == 6);
    CHECK(s.ulMaxPinLen == 16);
    // Reading the counter spends nothing.
    CHECK(card.card().tries_left(0x18) == 2);
    CHECK(card.card().tries_left(0x1B) == 1);
    CHECK(card.card().stats().verify_with_data == 0);
    CK_TOKEN_INFO ti{};
    CHECK_RV(fl()->C_GetTokenInfo(auth, nullptr), CKR_ARGUMENTS_BAD);
    (void)ti;
}

TEST_CASE("a locked PIN shows CKF_USER_PIN_LOCKED; a fresh one no counter flag")
{
    Env env;
    CardOptions options;
    options.auth_pin.tries_left = 0;
    VpcdCard card(options);
    Init init;
    const CK_TOKEN_INFO a = token_info(slot_for(card.reader(), false));
    const CK_TOKEN_INFO s = token_info(slot_for(card.reader(), true));
    CHECK((a.flags & CKF_USER_PIN_LOCKED) != 0);
    CHECK((s.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)) == 0);
}

TEST_CASE("objects: certificates, keys, CA certificates, private objects hidden until login")
{
    Env env;
    VpcdCard card;
    Init init;
    const auto& pki = card.card().pki();
    const CK_SESSION_HANDLE ha = open_session(slot_for(card.reader(), false));
    const CK_SESSION_HANDLE hs = open_session(slot_for(card.reader(), true));

    // Before login: auth cert, auth public key, auth CA; sign CA only.
    CHECK(find(ha).size() == 3);
    CHECK(find(hs).size() == 1);
    CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
    CHECK(find(ha, {{CKA_CLASS, &priv, sizeof priv}}).empty());

    const CK_OBJECT_HANDLE cert = find_one(ha, CKO_CERTIFICATE, "JPKI Auth");
    CHECK(attribute(ha, cert, CKA_VALUE) == pki.auth_der);
    CHECK(ulong_attribute(ha, cert, CKA_CERTIFICATE_TYPE) == CKC_X_509);
    CHECK(ulong_attribute(ha, cert, CKA_CERTIFICATE_CATEGORY) == 1);
    CHECK(bool_attribute(ha, cert, CKA_TOKEN));
    CHECK_FALSE(bool_attribute(ha, cert, CKA_PRIVATE));
    CHECK_FALSE(bool_attribute(ha, cert, CKA_MODIFIABLE));
    CHECK_FALSE(bool_attribute(ha, cert, CKA_TRUSTED));
    CHECK(attribute(ha, cert, CKA_START_DATE).size() == 8);
    CHECK(attribute(ha, cert, CKA_END_DATE).size() == 8);
    const Bytes check = attribute(ha, cert, CKA_CHECK_VALUE);
    const Bytes sha1 = sha("SHA1", pki.auth_der);
    CHECK(check == Bytes(sha1.begin(), sha1.begin() + 3));
    CHECK(!attribute(ha, cert, CKA_SUBJECT).empty());
    CHECK(!attribute(ha, cert, CKA_ISSUER).empty());
    CHECK(attribute(ha, cert, CKA_SERIAL_NUMBER).at(0) == 0x02);  // DER INTEGER
    const CK_OBJECT_HANDLE ca = find_one(ha, CKO_CERTIFICATE, "JPKI Auth CA");
    CHECK(attribute(ha, ca, CKA_VALUE) == pki.auth_ca_der);
    CHECK(ulong_attribute(ha, ca, CKA_CERTIFICATE_CATEGORY) == 2);
    CHECK(attribute(ha, cert, CKA_ISSUER) == attribute(ha, ca, CKA_SUBJECT));
    const CK_OBJECT_HANDLE pub = find_one(ha, CKO_PUBLIC_KEY, "JPKI Auth");
    CHECK(ulong_attribute(ha, pub, CKA_KEY_TYPE) == CKK_RSA);
    CHECK(ulong_attribute(ha, pub, CKA_MODULUS_BITS) == 2048);
    CHECK(attribute(ha, pub, CKA_MODULUS).size() == 256);
    CHECK(attribute(ha, pub, CKA_PUBLIC_EXPONENT) == Bytes{0x01, 0x00, 0x01});
    CHECK(bool_attribute(ha, pub, CKA_VERIFY));
    CHECK_FALSE(bool_attribute(ha, pub, CKA_ENCRYPT));
    CHECK(attribute(ha, pub, CKA_ID) == attribute(ha, cert, CKA_ID));
    const CK_OBJECT_HANDLE sign_ca = find_one(hs, CKO_CERTIFICATE, "JPKI Sign CA");
    CHECK(attribute(hs, sign_ca, CKA_VALUE) == pki.sign_ca_der);

    REQUIRE_RV(login(ha, "1234"), CKR_OK);
    CHECK(find(ha).size() == 4);
    const CK_OBJECT_HANDLE key = find_one(ha, CKO_PRIVATE_KEY, "JPKI Auth");
    CHECK(bool_attribute(ha, key, CKA_PRIVATE));
    CHECK(bool_attribute(ha, key, CKA_SIGN));
    CHECK(bool_attribute(ha, key, CKA_SENSITIVE));
    CHECK(bool_attribute(ha, key, CKA_ALWAYS_SENSITIVE));
    CHECK(bool_attribute(ha, key, CKA_NEVER_EXTRACTABLE));
    CHECK_FALSE(bool_attribute(ha, key, CKA_EXTRACTABLE));
    CHECK_FALSE(bool_attribute(ha, key, CKA_DECRYPT));
    CHECK_FALSE(bool_attribute(ha, key, CKA_ALWAYS_AUTHENTICATE));
    CHECK(attribute(ha, key, CKA_MODULUS) == attribute(ha, pub, CKA_MODULUS));
    CHECK(attribute(ha, key, CKA_ID) == attribute(ha, cert, CKA_ID));
    const Bytes allowed = attribute(ha, key, CKA_ALLOWED_MECHANISMS);
    // Six PKCS#1 v1.5 mechanisms, and the two RSA-PSS ones on a card with P1=04 (switch pss).
    CHECK(allowed.size() == (card.card().options().pss ? 8 : 6) * sizeof(CK_MECHANISM_TYPE));

    const Bytes auth_key_id = attribute(ha, key, CKA_ID);
    REQUIRE_RV(login(hs, "ABC123"), CKR_OK);
    // The signing password's verified state ends right after this login (power cycle, issue 10
    // §2), which logs the auth token of the card out: its private key is hidden again.
    CHECK(session_info(ha).state == CKS_RO_PUBLIC_SESSION);
    CHECK(find(hs).size() == 4);
    const CK_OBJECT_HANDLE scert = find_one(hs, CKO_CERTIFICATE, "JPKI Sign");
    CHECK(attribute(hs, scert, CKA_VALUE) == pki.sign_der);
    CHECK(bool_attribute(hs, scert, CKA_PRIVATE));
    const CK_OBJECT_HANDLE spub = find_one(hs, CKO_PUBLIC_KEY, "JPKI Sign");
    CHECK(bool_attribute(hs, spub, CKA_PRIVATE));
    const CK_OBJECT_HANDLE skey = find_one(hs, CKO_PRIVATE_KEY, "JPKI Sign");
    CHECK(bool_attribute(hs, skey, CKA_ALWAYS_AUTHENTICATE));
    CHECK(attribute(hs, skey, CKA_ID) == attribute(hs, scert, CKA_ID));
    CHECK(attribute(hs, skey, CKA_ID) != auth_key_id);

    // After logout the private objects are hidden again, handles included.
    REQUIRE_RV(fl()->C_Logout(hs), CKR_OK);
    CHECK(find(hs).size() == 1);
    CK_ATTRIBUTE a{CKA_VALUE, nullptr, 0};
    CHECK_RV(fl()->C_GetAttributeValue(hs, scert, &a, 1), CKR_OBJECT_HANDLE_INVALID);
}

TEST_CASE("C_GetAttributeValue walks every entry (§5.7 rules 1-5)")
{
    Env env;
    VpcdCard card;
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    const CK_OBJECT_HANDLE cert = find_one(h, CKO_CERTIFICATE, "JPKI Auth");

    SECTION("sensitive and invalid types next to good ones")
    {
        CK_OBJECT_CLASS cls = 0;
        unsigned char exponent[512];
        CK_ATTRIBUTE t[] = {{CKA_PRIVATE_EXPONENT, exponent, sizeof exponent},
                            {0x8000ABCDUL, exponent, sizeof exponent},
                            {CKA_CLASS, &cls, sizeof cls},
                            {CKA_LABEL, nullptr, 0}};
        const CK_RV rv = fl()->C_GetAttributeValue(h, key, t, 4);
        CHECK((rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID));
        CHECK(t[0].ulValueLen == CK_UNAVAILABLE_INFORMATION);
        CHECK(t[1].ulValueLen == CK_UNAVAILABLE_INFORMATION);
        CHECK(cls == CKO_PRIVATE_KEY);  // processed although earlier entries failed
        CHECK(t[2].ulValueLen == sizeof cls);
        CHECK(t[3].ulValueLen == std::strlen("JPKI Auth"));
    }
    SECTION("buffer too small marks that entry and fills the others")
    {
        unsigned char small[10];
        CK_CERTIFICATE_TYPE type = 99;
        CK_ATTRIBUTE t[] = {{CKA_VALUE, small, sizeof small}, {CKA_CERTIFICATE_TYPE, &type, sizeof type}};
        CHECK_RV(fl()->C_GetAttributeValue(h, cert, t, 2), CKR_BUFFER_TOO_SMALL);
        CHECK(t[0].ulValueLen == CK_UNAVAILABLE_INFORMATION);
        CHECK(type == CKC_X_509);
    }
    SECTION("bad arguments and handles")
    {
        CHECK_RV(fl()->C_GetAttributeValue(h, cert, nullptr, 1), CKR_ARGUMENTS_BAD);
        CK_ATTRIBUTE t{CKA_CLASS, nullptr, 0};
        CHECK_RV(fl()->C_GetAttributeValue(h, 0xFFFFFF, &t, 1), CKR_OBJECT_HANDLE_INVALID);
        CHECK_RV(fl()->C_GetAttributeValue(h, h, &t, 1), CKR_OBJECT_HANDLE_INVALID);  // a session handle
        CHECK_RV(fl()->C_GetAttributeValue(0xFFFFFF, cert, &t, 1), CKR_SESSION_HANDLE_INVALID);
    }
}

TEST_CASE("C_FindObjects with any template")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = logged_in_session(card.reader(), false);
    CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE;
    CHECK(find(h, {{CKA_CLASS, &cert_class, sizeof cert_class}}).size() == 2);
    unsigned char id = 0x01;
    CHECK(find(h, {{CKA_ID, &id, 1}}).size() == 3);  // cert + public + private key
    CK_BBOOL yes = CK_TRUE;
    CHECK(find(h, {{CKA_SIGN, &yes, 1}}).size() == 1);
    CHECK(find(h, {{CKA_TOKEN, &yes, 1}, {CKA_CLASS, &cert_class, sizeof cert_class}, {CKA_ID, &id, 1}}).size() == 1);
    unsigned char none = 0x77;
    CHECK(find(h, {{CKA_ID, &none, 1}}).empty());
    CHECK(find(h, {{0x8000ABCDUL, &none, 1}}).empty());
    // Sensitive values can't be found by guessing.
    unsigned char guess[256] = {};
    CHECK(find(h, {{CKA_PRIVATE_EXPONENT, guess, sizeof guess}}).empty());

    REQUIRE_RV(fl()->C_FindObjectsInit(h, nullptr, 0), CKR_OK);
    CHECK_RV(fl()->C_FindObjectsInit(h, nullptr, 0), CKR_OPERATION_ACTIVE);
    CK_OBJECT_HANDLE o[8];
    CK_ULONG n = 0;
    CHECK_RV(fl()->C_FindObjects(h, o, 8, nullptr), CKR_ARGUMENTS_BAD);
    REQUIRE_RV(fl()->C_FindObjects(h, o, 8, &n), CKR_OK);
    CHECK(n == 4);
    REQUIRE_RV(fl()->C_FindObjects(h, o, 8, &n), CKR_OK);
    CHECK(n == 0);
    REQUIRE_RV(fl()->C_FindObjectsFinal(h), CKR_OK);
    CHECK_RV(fl()->C_FindObjectsFinal(h), CKR_OPERATION_NOT_INITIALIZED);
    CHECK_RV(fl()->C_FindObjects(h, o, 8, &n), CKR_OPERATION_NOT_INITIALIZED);
    CHECK_RV(fl()->C_FindObjectsInit(h, nullptr, 2), CKR_ARGUMENTS_BAD);
}

TEST_CASE("sessions: RO and RW, shared login state, real logout, notify accepted")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    CK_SESSION_HANDLE h = 0;
    CHECK_RV(fl()->C_OpenSession(slot, 0, nullptr, nullptr, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    CHECK_RV(fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr), CKR_ARGUMENTS_BAD);
    auto notify = [](CK_SESSION_HANDLE, CK_NOTIFICATION, CK_VOID_PTR) -> CK_RV { return CKR_OK; };
    CK_SESSION_HANDLE ro = 0;
    REQUIRE_RV(fl()->C_OpenSession(slot, CKF_SERIAL_SESSION, &h, notify, &ro), CKR_OK);
    const CK_SESSION_HANDLE rw = open_session(slot, true);
    CHECK(session_info(ro).state == CKS_RO_PUBLIC_SESSION);
    CHECK(session_info(rw).state == CKS_RW_PUBLIC_SESSION);
    CHECK(session_info(rw).flags == (CKF_SERIAL_SESSION | CKF_RW_SESSION));
    CHECK(session_info(ro).slotID == slot);
    const CK_TOKEN_INFO ti = token_info(slot);
    CHECK(ti.ulSessionCount == 2);
    CHECK(ti.ulRwSessionCount == 1);

    CHECK_RV(fl()->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);
    REQUIRE_RV(login(ro, "1234"), CKR_OK);
    CHECK(card.card().verified(0x18));
    CHECK(session_info(ro).state == CKS_RO_USER_FUNCTIONS);
    CHECK(session_info(rw).state == CKS_RW_USER_FUNCTIONS);  // shared by all sessions
    CHECK_RV(login(rw, "1234"), CKR_USER_ALREADY_LOGGED_IN);
    const CK_SESSION_HANDLE later = open_session(slot);
    CHECK(session_info(later).state == CKS_RO_USER_FUNCTIONS);

    // C_Logout removes power (jpki-card.md §1.9): the card itself forgets the PIN.
    REQUIRE_RV(fl()->C_Logout(rw), CKR_OK);
    CHECK_FALSE(card.card().verified(0x18));
    CHECK(session_info(ro).state == CKS_RO_PUBLIC_SESSION);

    // Closing the last session of a logged-in token logs out for real too.
    REQUIRE_RV(login(ro, "1234"), CKR_OK);
    CHECK(card.card().verified(0x18));
    REQUIRE_RV(fl()->C_CloseSession(ro), CKR_OK);
    CHECK(card.card().verified(0x18));  // two sessions remain
    CHECK_RV(fl()->C_CloseSession(ro), CKR_SESSION_HANDLE_INVALID);
    REQUIRE_RV(fl()->C_CloseAllSessions(slot), CKR_OK);
    CHECK_FALSE(card.card().verified(0x18));
    CK_SESSION_INFO gone{};
    CHECK_RV(fl()->C_GetSessionInfo(rw, &gone), CKR_SESSION_HANDLE_INVALID);
    CHECK_RV(fl()->C_CloseAllSessions(999), CKR_SLOT_ID_INVALID);
}

TEST_CASE("functions that make no sense for the card return the spec's error")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_SESSION_HANDLE h = open_session(slot, true);
    REQUIRE_RV(login(h, "1234"), CKR_OK);
    const CK_OBJECT_HANDLE cert = find_one(h, CKO_CERTIFICATE, "JPKI Auth");
    CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
    CK_BYTE buf[256];
    CK_ULONG len = sizeof buf;
    CK_OBJECT_HANDLE o = 0, o2 = 0;
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
    auto* f = fl();
    CHECK_RV(f->C_EncryptInit(h, &rsa, cert), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_Encrypt(h, buf, 1, buf, &len), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_DecryptInit(h, &rsa, cert), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_Decrypt(h, buf, 1, buf, &len), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_SignRecoverInit(h, &rsa, cert), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_VerifyRecoverInit(h, &rsa, cert), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_DigestEncryptUpdate(h, buf, 1, buf, &len), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_GetOperationState(h, buf, &len), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_WrapKey(h, &rsa, cert, cert, buf, &len), CKR_FUNCTION_NOT_SUPPORTED);
    CHECK_RV(f->C_CreateObject(h, &t, 1, &o), CKR_TOKEN_WRITE_PROTECTED);
    CHECK_RV(f->C_CopyObject(h, cert, &t, 1, &o), CKR_TOKEN_WRITE_PROTECTED);
    CHECK_RV(f->C_DestroyObject(h, cert), CKR_TOKEN_WRITE_PROTECTED);
    CHECK_RV(f->C_SetAttributeValue(h, cert, &t, 1), CKR_TOKEN_WRITE_PROTECTED);
    // No mechanism generates a key (test_operation_end.cpp has the argument precedence).
    CHECK_RV(f->C_GenerateKeyPair(h, &rsa, &t, 1, &t, 1, &o, &o2), CKR_MECHANISM_INVALID);
    CHECK_RV(f->C_GenerateKey(h, &rsa, &t, 1, &o), CKR_MECHANISM_INVALID);
    CHECK_RV(f->C_GenerateRandom(h, buf, 16), CKR_RANDOM_NO_RNG);
    CHECK_RV(f->C_SeedRandom(h, buf, 16), CKR_RANDOM_NO_RNG);
    CHECK_RV(f->C_GetFunctionStatus(h), CKR_FUNCTION_NOT_PARALLEL);
    CHECK_RV(f->C_CancelFunction(h), CKR_FUNCTION_NOT_PARALLEL);
    CK_UTF8CHAR pin[] = "1234";
    CK_UTF8CHAR label[32];
    std::memset(label, ' ', sizeof label);
    CHECK_RV(f->C_InitToken(slot, pin, 4, label), CKR_TOKEN_WRITE_PROTECTED);
    CHECK_RV(f->C_InitPIN(h, pin, 4), CKR_USER_NOT_LOGGED_IN);
    CHECK_RV(f->C_DestroyObject(h, 0xFFFFFF), CKR_OBJECT_HANDLE_INVALID);
    CHECK_RV(f->C_GenerateRandom(0xFFFFFF, buf, 16), CKR_SESSION_HANDLE_INVALID);
    CK_ULONG size = 0;
    REQUIRE_RV(f->C_GetObjectSize(h, cert, &size), CKR_OK);
    CHECK(size > card.card().pki().auth_der.size());
}

TEST_CASE("the mechanism list: only what the card and the software really do")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), true);
    CK_ULONG n = 0;
    REQUIRE_RV(fl()->C_GetMechanismList(slot, nullptr, &n), CKR_OK);
    std::vector<CK_MECHANISM_TYPE> list(n);
    CK_ULONG small = 2;
    CHECK_RV(fl()->C_GetMechanismList(slot, list.data(), &small), CKR_BUFFER_TOO_SMALL);
    CHECK(small == n);
    REQUIRE_RV(fl()->C_GetMechanismList(slot, list.data(), &n), CKR_OK);
    const std::set<CK_MECHANISM_TYPE> got(list.begin(), list.end());
    std::set<CK_MECHANISM_TYPE> want{CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS,
                                     CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS,
                                     CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512};
    // RSA-PSS only for a card that signs it (switch pss; the module probes, test_pss.cpp).
    const bool pss = card.card().options().pss;
    if (pss) want.insert({CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS});
    CHECK(got == want);
    CK_MECHANISM_INFO info{};
    REQUIRE_RV(fl()->C_GetMechanismInfo(slot, CKM_RSA_PKCS, &info), CKR_OK);
    CHECK(info.ulMinKeySize == 2048);
    CHECK(info.ulMaxKeySize == 2048);
    CHECK((info.flags & (CKF_HW | CKF_SIGN)) == (CKF_HW | CKF_SIGN));
    CHECK((info.flags & (CKF_DECRYPT | CKF_ENCRYPT | CKF_SIGN_RECOVER)) == 0);
    REQUIRE_RV(fl()->C_GetMechanismInfo(slot, CKM_SHA256_RSA_PKCS, &info), CKR_OK);
    CHECK((info.flags & CKF_VERIFY) != 0);
    REQUIRE_RV(fl()->C_GetMechanismInfo(slot, CKM_SHA256, &info), CKR_OK);
    CHECK(info.flags == CKF_DIGEST);
    CHECK_RV(fl()->C_GetMechanismInfo(slot, CKM_RSA_PKCS_PSS, &info), pss ? CKR_OK : CKR_MECHANISM_INVALID);
    CHECK_RV(fl()->C_GetMechanismInfo(slot, CKM_RSA_PKCS_OAEP, &info), CKR_MECHANISM_INVALID);
    CHECK_RV(fl()->C_GetMechanismInfo(999, CKM_RSA_PKCS, &info), CKR_SLOT_ID_INVALID);
}
