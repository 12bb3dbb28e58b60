#include "p11_harness.hpp"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>

#include "vcard/virtual_card.hpp"

namespace p11test {

namespace {
void* g_module = nullptr;
}

void* symbol(const char* name)
{
    (void)fl();
    return dlsym(g_module, name);
}

CK_FUNCTION_LIST* fl()
{
    static CK_FUNCTION_LIST* list = [] {
        g_module = dlopen(MYNACARD_PKCS11_MODULE, RTLD_NOW | RTLD_LOCAL);
        if (g_module == nullptr) FAIL("dlopen " << MYNACARD_PKCS11_MODULE << ": " << dlerror());
        auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(g_module, "C_GetFunctionList"));
        if (get == nullptr) FAIL("no C_GetFunctionList");
        CK_FUNCTION_LIST* l = nullptr;
        if (get(&l) != CKR_OK || l == nullptr) FAIL("C_GetFunctionList failed");
        return l;
    }();
    return list;
}

std::string rv_name(CK_RV rv)
{
    switch (rv) {
#define N(x) case x: return #x;
        N(CKR_OK) N(CKR_HOST_MEMORY) N(CKR_SLOT_ID_INVALID) N(CKR_GENERAL_ERROR) N(CKR_FUNCTION_FAILED)
        N(CKR_ARGUMENTS_BAD) N(CKR_NO_EVENT) N(CKR_CANT_LOCK) N(CKR_ATTRIBUTE_SENSITIVE)
        N(CKR_ATTRIBUTE_TYPE_INVALID) N(CKR_DATA_LEN_RANGE) N(CKR_DEVICE_ERROR) N(CKR_DEVICE_REMOVED)
        N(CKR_FUNCTION_NOT_SUPPORTED) N(CKR_KEY_HANDLE_INVALID) N(CKR_KEY_FUNCTION_NOT_PERMITTED)
        N(CKR_KEY_INDIGESTIBLE) N(CKR_MECHANISM_INVALID) N(CKR_OBJECT_HANDLE_INVALID)
        N(CKR_OPERATION_ACTIVE) N(CKR_OPERATION_NOT_INITIALIZED) N(CKR_PIN_INCORRECT) N(CKR_PIN_INVALID)
        N(CKR_PIN_LEN_RANGE) N(CKR_PIN_LOCKED) N(CKR_SESSION_HANDLE_INVALID)
        N(CKR_SESSION_PARALLEL_NOT_SUPPORTED) N(CKR_SESSION_READ_ONLY) N(CKR_SIGNATURE_INVALID)
        N(CKR_SIGNATURE_LEN_RANGE) N(CKR_TOKEN_NOT_PRESENT) N(CKR_TOKEN_NOT_RECOGNIZED)
        N(CKR_TOKEN_WRITE_PROTECTED) N(CKR_USER_ALREADY_LOGGED_IN) N(CKR_USER_NOT_LOGGED_IN)
        N(CKR_USER_TYPE_INVALID) N(CKR_RANDOM_NO_RNG) N(CKR_BUFFER_TOO_SMALL)
        N(CKR_CRYPTOKI_NOT_INITIALIZED) N(CKR_CRYPTOKI_ALREADY_INITIALIZED) N(CKR_FUNCTION_NOT_PARALLEL)
#undef N
    default: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "CKR_0x%lX", rv);
        return buf;
    }
    }
}

TempDir::TempDir()
{
    std::string tmpl = (std::filesystem::temp_directory_path() / "mynacard-p11test.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) FAIL("mkdtemp");
    path = tmpl;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

std::string Env::base_config(const std::filesystem::path&)
{
    // No network and no CA checks in the module tests: the suspension gate allows a key whose
    // status is unknown. Its refusals are tested with a local suspended list.
    return "[revocation]\nmode = none\npolicy.sign = fail-open\npolicy.auth = fail-open\n"
           "expiry.warn_days = 0\n"
           "[trust]\naccept_test_hierarchy = true\n";
}

Env::Env(const std::string& extra)
{
    config_path = dir.path / "mynacard.conf";
    std::ofstream(config_path) << base_config(dir.path) << extra;
    setenv("MYNACARD_CONFIG", config_path.c_str(), 1);
    setenv("XDG_CACHE_HOME", (dir.path / "cache").c_str(), 1);
}

Env::~Env()
{
    unsetenv("MYNACARD_CONFIG");
}

DefaultEnv::DefaultEnv(const std::string& extra)
{
    config_path = dir.path / "mynacard.conf";
    log_path = dir.path / "module.log";
    if (!extra.empty()) std::ofstream(config_path) << extra;
    setenv("MYNACARD_CONFIG", config_path.c_str(), 1);
    setenv("XDG_CACHE_HOME", (dir.path / "cache").c_str(), 1);
}

DefaultEnv::~DefaultEnv()
{
    unsetenv("MYNACARD_CONFIG");
}

std::string DefaultEnv::log() const
{
    std::ifstream in(log_path);
    std::string all, line;
    while (std::getline(in, line)) all += line + "\n";
    return all;
}

Init::Init(CK_VOID_PTR args)
{
    const CK_RV rv = fl()->C_Initialize(args);
    if (rv != CKR_OK) FAIL("C_Initialize: " << rv_name(rv));
}

Init::~Init() { fl()->C_Finalize(nullptr); }

std::vector<CK_SLOT_ID> slot_list(bool token_present)
{
    CK_ULONG n = 0;
    REQUIRE(rv_name(fl()->C_GetSlotList(token_present, nullptr, &n)) == "CKR_OK");
    std::vector<CK_SLOT_ID> slots(n);
    REQUIRE(rv_name(fl()->C_GetSlotList(token_present, slots.data(), &n)) == "CKR_OK");
    slots.resize(n);
    return slots;
}

std::optional<CK_SLOT_ID> find_slot(const std::string& reader, bool sign)
{
    const std::string want = reader + (sign ? " [JPKI Sign]" : " [JPKI Auth]");
    for (CK_SLOT_ID id : slot_list(false)) {
        CK_SLOT_INFO info{};
        if (fl()->C_GetSlotInfo(id, &info) != CKR_OK) continue;
        std::string desc(reinterpret_cast<const char*>(info.slotDescription), sizeof info.slotDescription);
        desc.erase(desc.find_last_not_of(' ') + 1);
        if (desc == want) return id;
    }
    return std::nullopt;
}

CK_SLOT_ID slot_for(const std::string& reader, bool sign)
{
    auto s = find_slot(reader, sign);
    REQUIRE(s.has_value());
    return *s;
}

CK_SESSION_HANDLE open_session(CK_SLOT_ID slot, bool rw)
{
    CK_SESSION_HANDLE h = 0;
    const CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    REQUIRE(rv_name(fl()->C_OpenSession(slot, flags, nullptr, nullptr, &h)) == "CKR_OK");
    return h;
}

CK_RV login(CK_SESSION_HANDLE h, const std::string& pin, CK_USER_TYPE user)
{
    Bytes p(pin.begin(), pin.end());
    p.push_back(0);  // a valid pointer even for the empty PIN; the length excludes it
    return fl()->C_Login(h, user, p.data(), pin.size());
}

std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl)
{
    REQUIRE(rv_name(fl()->C_FindObjectsInit(h, tmpl.empty() ? nullptr : tmpl.data(), tmpl.size())) == "CKR_OK");
    std::vector<CK_OBJECT_HANDLE> all;
    for (;;) {
        CK_OBJECT_HANDLE batch[2];
        CK_ULONG n = 0;
        REQUIRE(rv_name(fl()->C_FindObjects(h, batch, 2, &n)) == "CKR_OK");
        if (n == 0) break;
        all.insert(all.end(), batch, batch + n);
    }
    REQUIRE(rv_name(fl()->C_FindObjectsFinal(h)) == "CKR_OK");
    return all;
}

CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls, const std::string& label)
{
    std::vector<CK_ATTRIBUTE> t{{CKA_CLASS, &cls, sizeof cls},
                                {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    auto found = find(h, t);
    INFO("class " << cls << " label " << label);
    REQUIRE(found.size() == 1);
    return found[0];
}

Bytes attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a{type, nullptr, 0};
    REQUIRE(rv_name(fl()->C_GetAttributeValue(h, o, &a, 1)) == "CKR_OK");
    Bytes value(a.ulValueLen);
    a.pValue = value.data();
    REQUIRE(rv_name(fl()->C_GetAttributeValue(h, o, &a, 1)) == "CKR_OK");
    value.resize(a.ulValueLen);
    return value;
}

CK_ULONG ulong_attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    Bytes v = attribute(h, o, type);
    REQUIRE(v.size() == sizeof(CK_ULONG));
    CK_ULONG x = 0;
    std::memcpy(&x, v.data(), sizeof x);
    return x;
}

bool bool_attribute(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
    Bytes v = attribute(h, o, type);
    REQUIRE(v.size() == 1);
    return v[0] == CK_TRUE;
}

CK_SESSION_HANDLE logged_in_session(const std::string& reader, bool sign)
{
    const CK_SESSION_HANDLE h = open_session(slot_for(reader, sign));
    REQUIRE(rv_name(login(h, sign ? "ABC123" : "1234")) == "CKR_OK");
    return h;
}

KeySession logged_in_key(const std::string& reader, bool sign)
{
    const CK_SESSION_HANDLE h = logged_in_session(reader, sign);
    return {h, find_one(h, CKO_PRIVATE_KEY, sign ? "JPKI Sign" : "JPKI Auth")};
}

CK_SESSION_HANDLE auth_signature_begun(CK_SLOT_ID slot)
{
    const CK_SESSION_HANDLE h = open_session(slot);
    REQUIRE(rv_name(login(h, "1234")) == "CKR_OK");
    const CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY, "JPKI Auth");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE(rv_name(fl()->C_SignInit(h, &m, key)) == "CKR_OK");
    return h;
}

CK_RV sign_begun(CK_SESSION_HANDLE h, const Bytes& data, Bytes& sig)
{
    sig.assign(256, 0);
    CK_ULONG n = sig.size();
    Bytes in = data;
    const CK_RV rv = fl()->C_Sign(h, in.data(), in.size(), sig.data(), &n);
    sig.resize(n);
    return rv;
}

void check_signature_lost(CK_SESSION_HANDLE h, const std::string& data)
{
    Bytes in = bytes(data), sig(256);
    CK_ULONG n = sig.size();
    CHECK(rv_name(fl()->C_Sign(h, in.data(), in.size(), sig.data(), &n)) == "CKR_DEVICE_REMOVED");
    CK_SESSION_INFO info{};
    CHECK(rv_name(fl()->C_GetSessionInfo(h, &info)) == "CKR_SESSION_HANDLE_INVALID");
}

Bytes sign(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data)
{
    CK_MECHANISM m{mech, nullptr, 0};
    REQUIRE(rv_name(fl()->C_SignInit(h, &m, key)) == "CKR_OK");
    Bytes sig(512);
    CK_ULONG n = sig.size();
    Bytes in = data;
    REQUIRE(rv_name(fl()->C_Sign(h, in.data(), in.size(), sig.data(), &n)) == "CKR_OK");
    sig.resize(n);
    return sig;
}

bool signatures_use_up_login(const mynacard::vcard::VirtualJpkiCard& card)
{
    return card.options().sign_consumes;
}

void check_login_used_up(const mynacard::vcard::VirtualJpkiCard& card, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
    const auto before = card.stats();
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CK_RV rv = fl()->C_SignInit(h, &m, key);
    if (rv == CKR_OK) {
        Bytes in = bytes("a second signature in one login"), sig(512);
        CK_ULONG n = sig.size();
        rv = fl()->C_Sign(h, in.data(), in.size(), sig.data(), &n);
    }
    CHECK(rv_name(rv) == "CKR_USER_NOT_LOGGED_IN");
    const auto after = card.stats();
    CHECK(after.signatures == before.signatures);
    CHECK(after.verify_with_data == before.verify_with_data);
    const CK_STATE state = session_info(h).state;
    CHECK((state == CKS_RO_PUBLIC_SESSION || state == CKS_RW_PUBLIC_SESSION));
}

void login_again_if_used_up(const mynacard::vcard::VirtualJpkiCard& card, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key,
                            const std::string& pin)
{
    if (!signatures_use_up_login(card)) return;
    check_login_used_up(card, h, key);
    REQUIRE(rv_name(login(h, pin)) == "CKR_OK");
}

CK_SESSION_INFO session_info(CK_SESSION_HANDLE h)
{
    CK_SESSION_INFO info{};
    REQUIRE(rv_name(fl()->C_GetSessionInfo(h, &info)) == "CKR_OK");
    return info;
}

CK_TOKEN_INFO token_info(CK_SLOT_ID slot)
{
    CK_TOKEN_INFO info{};
    REQUIRE(rv_name(fl()->C_GetTokenInfo(slot, &info)) == "CKR_OK");
    return info;
}

bool openssl_verify(const Bytes& cert_der, const std::string& hash, const Bytes& data, const Bytes& sig)
{
    const unsigned char* p = cert_der.data();
    std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())), X509_free);
    if (!cert) return false;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()), EVP_PKEY_free);
    if (!key) return false;
    if (hash.empty()) {
        std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key.get(), nullptr), EVP_PKEY_CTX_free);
        return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
               EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
               EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_get_digestbyname(hash.c_str()), nullptr, key.get()) == 1 &&
           EVP_DigestVerify(md.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
}

Bytes sha(const std::string& hash, const Bytes& data)
{
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_get_digestbyname(hash.c_str()), nullptr) == 1);
    out.resize(n);
    return out;
}

Bytes digest_info_sha256(const Bytes& data)
{
    Bytes di{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
             0x05, 0x00, 0x04, 0x20};
    Bytes h = sha("SHA256", data);
    di.insert(di.end(), h.begin(), h.end());
    return di;
}

Bytes bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }
std::string text(const Bytes& data) { return std::string(data.begin(), data.end()); }

}  // namespace p11test
