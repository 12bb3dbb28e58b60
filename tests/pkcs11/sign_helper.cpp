// p11_sign_helper MODULE READER PIN COUNT: loads the module like an application, logs in to the
// auth token of READER and makes COUNT signatures, each verified with OpenSSL against the
// certificate read from the token. Exit 0 on success; the failing step's number otherwise.
// p11_sign_helper MODULE READER - list: what a certificate picker does without logging in
// (C_GetTokenInfo on both tokens, every object's class, label and value), then C_Finalize.
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool verify(const std::vector<unsigned char>& cert_der, const std::string& data, const std::vector<unsigned char>& sig)
{
    const unsigned char* p = cert_der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
    if (cert == nullptr) return false;
    EVP_PKEY* key = X509_get_pubkey(cert);
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    const bool ok = key && md && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                    EVP_DigestVerify(md, sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
                                     data.size()) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ok;
}

CK_OBJECT_HANDLE find(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls)
{
    CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE o = 0;
    CK_ULONG n = 0;
    if (f->C_FindObjectsInit(h, &t, 1) != CKR_OK) return 0;
    if (f->C_FindObjects(h, &o, 1, &n) != CKR_OK || n != 1) o = 0;
    f->C_FindObjectsFinal(h);
    return o;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 5) return 2;
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return 3;
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    CK_FUNCTION_LIST* f = nullptr;
    if (get == nullptr || get(&f) != CKR_OK) return 4;
    if (f->C_Initialize(nullptr) != CKR_OK) return 5;
    const std::string want = std::string(argv[2]) + " [JPKI Auth]";
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;
    if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) return 6;
    CK_SLOT_ID slot = ~0UL;
    for (CK_ULONG i = 0; i < n; ++i) {
        CK_SLOT_INFO info{};
        f->C_GetSlotInfo(slots[i], &info);
        std::string d(reinterpret_cast<char*>(info.slotDescription), sizeof info.slotDescription);
        d.erase(d.find_last_not_of(' ') + 1);
        if (d == want) slot = slots[i];
    }
    if (slot == ~0UL) return 7;
    if (std::string(argv[3]) == "-") {
        for (CK_SLOT_ID s : {slot, slot + 1}) {
            CK_TOKEN_INFO ti{};
            if (f->C_GetTokenInfo(s, &ti) != CKR_OK) return 20;
            CK_SESSION_HANDLE hs = 0;
            if (f->C_OpenSession(s, CKF_SERIAL_SESSION, nullptr, nullptr, &hs) != CKR_OK) return 21;
            CK_OBJECT_HANDLE objs[32];
            CK_ULONG count = 0;
            if (f->C_FindObjectsInit(hs, nullptr, 0) != CKR_OK || f->C_FindObjects(hs, objs, 32, &count) != CKR_OK ||
                f->C_FindObjectsFinal(hs) != CKR_OK)
                return 22;
            for (CK_ULONG i = 0; i < count; ++i) {
                CK_ATTRIBUTE a{CKA_VALUE, nullptr, 0};
                (void)f->C_GetAttributeValue(hs, objs[i], &a, 1);
            }
            f->C_CloseSession(hs);
        }
        return f->C_Finalize(nullptr) == CKR_OK ? 0 : 15;
    }
    CK_SESSION_HANDLE h = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) return 8;
    CK_RV rv = f->C_Login(h, CKU_USER, reinterpret_cast<unsigned char*>(argv[3]), std::strlen(argv[3]));
    // Another process may have logged the shared card in already; the token is logged in for
    // this process only after its own C_Login succeeded.
    if (rv != CKR_OK) {
        std::fprintf(stderr, "C_Login: 0x%lx\n", rv);
        return 9;
    }
    // Private objects are visible only while logged in (PKCS#11 v2.40 §4.1.3); another process
    // that logs out or finalizes between our C_Login and this search powers the shared card
    // off (jpki-card.md §1.9), which logs us out too: log in again, as an application would.
    CK_OBJECT_HANDLE key = find(f, h, CKO_PRIVATE_KEY);
    for (int attempt = 0; key == 0 && attempt < 20; ++attempt) {
        const CK_RV again = f->C_Login(h, CKU_USER, reinterpret_cast<unsigned char*>(argv[3]), std::strlen(argv[3]));
        if (again != CKR_OK && again != CKR_USER_ALREADY_LOGGED_IN) return 12;
        key = find(f, h, CKO_PRIVATE_KEY);
    }
    const CK_OBJECT_HANDLE cert = find(f, h, CKO_CERTIFICATE);
    if (key == 0 || cert == 0) return 10;
    CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
    if (f->C_GetAttributeValue(h, cert, &value, 1) != CKR_OK) return 11;
    std::vector<unsigned char> der(value.ulValueLen);
    value.pValue = der.data();
    if (f->C_GetAttributeValue(h, cert, &value, 1) != CKR_OK) return 11;
    const int count = std::atoi(argv[4]);
    int relogins = 0;
    for (int i = 0; i < count; ++i) {
        std::string data = "process " + std::to_string(getpid()) + " #" + std::to_string(i);
        CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
        std::vector<unsigned char> sig(256);
        CK_ULONG len = sig.size();
        // The processes share one card. When another one logs out (which removes power,
        // jpki-card.md §1.9) this process is logged out too and must log in again, as any
        // application would on CKR_USER_NOT_LOGGED_IN.
        int attempts = 0;
        for (;;) {
            len = sig.size();
            rv = f->C_SignInit(h, &m, key);
            if (rv == CKR_OK)
                rv = f->C_Sign(h, reinterpret_cast<unsigned char*>(data.data()), data.size(), sig.data(), &len);
            if (rv == CKR_OK) break;
            if (rv != CKR_USER_NOT_LOGGED_IN || ++attempts > 20) {
                std::fprintf(stderr, "C_Sign: 0x%lx\n", rv);
                return 13;
            }
            ++relogins;
            const CK_RV again = f->C_Login(h, CKU_USER, reinterpret_cast<unsigned char*>(argv[3]), std::strlen(argv[3]));
            if (again != CKR_OK && again != CKR_USER_ALREADY_LOGGED_IN) return 12;
        }
        sig.resize(len);
        if (!verify(der, data, sig)) return 14;
    }
    std::fprintf(stderr, "pid %d: %d signatures, %d logins again\n", getpid(), count, relogins);
    f->C_CloseSession(h);
    if (f->C_Finalize(nullptr) != CKR_OK) return 15;
    return 0;
}
