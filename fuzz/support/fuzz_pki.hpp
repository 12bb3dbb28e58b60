// The fixed test PKI of the revocation fuzz targets (fuzz/support/pki/, written once by
// make_seeds.py): an EC P-256 CA, a leaf issued by it (with and without a DirName CRL
// distribution point) and a delegated OCSP responder. The keys are throwaway test keys that
// exist only so the targets can re-sign fuzzed CRLs / OCSP responses and reach the checks
// behind the signature verification.
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#ifndef MYNACARD_FUZZ_PKI_DIR
#error "fuzz/CMakeLists.txt defines MYNACARD_FUZZ_PKI_DIR"
#endif

namespace mynacard::fuzz {

/// 2026-11-25T00:00:00Z: the injected clock (make_seeds.py NOW).
inline constexpr std::time_t kNow = 1795564800;

struct FuzzPki {
    X509* ca = nullptr;
    EVP_PKEY* ca_key = nullptr;
    X509* leaf = nullptr;       ///< serial 0x1000, CRLDP DirName "CN=Fuzz-shi CRLDP", AKI
    X509* leaf_nodp = nullptr;  ///< same serial and key, no CRL distribution point
    X509* responder = nullptr;  ///< EKU OCSPSigning, issued by the CA
    EVP_PKEY* responder_key = nullptr;
};

namespace detail {
inline std::FILE* open_pki(const char* name)
{
    const std::string path = std::string(MYNACARD_FUZZ_PKI_DIR) + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) {
        std::fprintf(stderr, "fuzz: cannot open %s\n", path.c_str());
        std::abort();
    }
    return f;
}
inline X509* cert(const char* name)
{
    std::FILE* f = open_pki(name);
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (x == nullptr) std::abort();
    return x;
}
inline EVP_PKEY* key(const char* name)
{
    std::FILE* f = open_pki(name);
    EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (k == nullptr) std::abort();
    return k;
}
}  // namespace detail

/// Loaded once, kept for the life of the process (the harness, not the code under test).
inline const FuzzPki& fuzz_pki()
{
    static const FuzzPki pki{detail::cert("ca.pem"),   detail::key("ca.key"),
                             detail::cert("leaf.pem"), detail::cert("leaf_nodp.pem"),
                             detail::cert("responder.pem"), detail::key("responder.key")};
    return pki;
}

}  // namespace mynacard::fuzz
