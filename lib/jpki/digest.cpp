// Hashes and DigestInfo (RFC 8017 §9.2 step 2) with OpenSSL: the card applies PKCS#1 v1.5
// padding to what it is given, so the host builds the DigestInfo (jpki-card.md §1.7).
#include "mynacard/jpki/digest.hpp"

#include <memory>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

namespace mynacard::jpki {
namespace {

const EVP_MD* md_for(HashAlg alg) noexcept
{
    switch (alg) {
    case HashAlg::Sha1: return EVP_sha1();
    case HashAlg::Sha224: return EVP_sha224();
    case HashAlg::Sha256: return EVP_sha256();
    case HashAlg::Sha384: return EVP_sha384();
    case HashAlg::Sha512: return EVP_sha512();
    }
    return nullptr;
}

struct SigFree {
    void operator()(X509_SIG* s) const noexcept { X509_SIG_free(s); }
};

}  // namespace

std::size_t digest_size(HashAlg alg) noexcept
{
    const EVP_MD* md = md_for(alg);
    return md ? static_cast<std::size_t>(EVP_MD_get_size(md)) : 0;
}

Result<Bytes> hash(HashAlg alg, ByteView data)
{
    const EVP_MD* md = md_for(alg);
    if (!md) return Unexpected{Errc::InvalidArgument, "unknown hash algorithm"};
    Bytes out(static_cast<std::size_t>(EVP_MAX_MD_SIZE));
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1)
        return Unexpected{Errc::Crypto, std::string("EVP_Digest ") + to_string(alg)};
    out.resize(len);
    return out;
}

Result<Bytes> digest_info(HashAlg alg, ByteView hash_value)
{
    const EVP_MD* md = md_for(alg);
    if (!md) return Unexpected{Errc::InvalidArgument, "unknown hash algorithm"};
    if (hash_value.size() != digest_size(alg))
        return Unexpected{Errc::InvalidArgument,
                          std::string("hash length does not match ") + to_string(alg)};
    std::unique_ptr<X509_SIG, SigFree> sig(X509_SIG_new());
    if (!sig) return Unexpected{Errc::Crypto, "X509_SIG_new"};
    X509_ALGOR* algor = nullptr;
    ASN1_OCTET_STRING* digest = nullptr;
    X509_SIG_getm(sig.get(), &algor, &digest);
    // RFC 8017 §9.2 note 1: the parameters are an explicit NULL for the SHA family.
    if (X509_ALGOR_set0(algor, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, nullptr) != 1 ||
        ASN1_OCTET_STRING_set(digest, hash_value.data(), static_cast<int>(hash_value.size())) != 1)
        return Unexpected{Errc::Crypto, "building DigestInfo"};
    unsigned char* der = nullptr;
    const int len = i2d_X509_SIG(sig.get(), &der);
    if (len <= 0 || !der) return Unexpected{Errc::Crypto, "encoding DigestInfo"};
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

}  // namespace mynacard::jpki
