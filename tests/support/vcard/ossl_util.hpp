// Small RAII helpers over the OpenSSL 3 C API, shared by the test PKI and the card's signer.
// Test equipment: failures throw std::runtime_error (a broken test PKI is a test setup error,
// not a condition a test should branch on).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mynacard/bytes.hpp"

namespace mynacard::vcard::ossl {

struct EvpPkeyFree { void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); } };
struct EvpPkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); } };
struct X509Free { void operator()(X509* p) const noexcept { X509_free(p); } };
struct X509NameFree { void operator()(X509_NAME* p) const noexcept { X509_NAME_free(p); } };
struct BioFree { void operator()(BIO* p) const noexcept { BIO_free(p); } };

using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

/// Drains OpenSSL's error queue into one line.
inline std::string drain_errors()
{
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

[[noreturn]] inline void fail(const std::string& what)
{
    throw std::runtime_error("vcard/openssl: " + what + ": " + drain_errors());
}

inline PkeyPtr key_from_pem(const std::string& pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) fail("BIO_new_mem_buf");
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    return key;  // null when the PEM is not a private key; callers decide
}

inline X509Ptr cert_from_der(ByteView der)
{
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (cert && p != der.data() + der.size()) return nullptr;  // trailing bytes: not one DER cert
    return cert;
}

}  // namespace mynacard::vcard::ossl
