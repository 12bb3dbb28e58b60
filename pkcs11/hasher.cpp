// Software hashing, PKCS#1 v1.5 and RSASSA-PSS verification with OpenSSL (C_Digest*, C_Verify*,
// and the hash step of CKM_SHA*_RSA_PKCS* before the card signs).
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "operations.hpp"

namespace mynacard::p11 {
namespace {

const EVP_MD* md_for(jpki::HashAlg alg) noexcept
{
    switch (alg) {
    case jpki::HashAlg::Sha1: return EVP_sha1();
    case jpki::HashAlg::Sha224: return EVP_sha224();
    case jpki::HashAlg::Sha256: return EVP_sha256();
    case jpki::HashAlg::Sha384: return EVP_sha384();
    case jpki::HashAlg::Sha512: return EVP_sha512();
    }
    return nullptr;
}

}  // namespace

void Hasher::Free::operator()(evp_md_ctx_st* p) const noexcept { EVP_MD_CTX_free(p); }

Result<Hasher> Hasher::start(jpki::HashAlg alg)
{
    Hasher h;
    h.m_alg = alg;
    h.m_ctx.reset(EVP_MD_CTX_new());
    if (!h.m_ctx || EVP_DigestInit_ex(h.m_ctx.get(), md_for(alg), nullptr) != 1)
        return Unexpected{Errc::Crypto, "EVP_DigestInit_ex"};
    return h;
}

Result<void> Hasher::update(ByteView data)
{
    if (!data.empty() && EVP_DigestUpdate(m_ctx.get(), data.data(), data.size()) != 1)
        return Unexpected{Errc::Crypto, "EVP_DigestUpdate"};
    return {};
}

Result<Bytes> Hasher::peek() const
{
    std::unique_ptr<EVP_MD_CTX, Free> copy(EVP_MD_CTX_new());
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), m_ctx.get()) != 1)
        return Unexpected{Errc::Crypto, "EVP_MD_CTX_copy_ex"};
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(copy.get(), out.data(), &n) != 1)
        return Unexpected{Errc::Crypto, "EVP_DigestFinal_ex"};
    out.resize(n);
    return out;
}

namespace {

// What a scheme sets on the verification context after EVP_PKEY_verify_init (padding, digests,
// salt); false if OpenSSL refused any of it.
using SchemeSetup = bool (*)(EVP_PKEY_CTX*);

// The steps C_Verify shares for CKM_RSA_PKCS and CKM_RSA_PKCS_PSS: a signature of another length
// than the modulus is CKR_SIGNATURE_LEN_RANGE (PKCS#11 v2.40 §5.2 C_Verify), then OpenSSL
// verifies `tbs` under the parameters `setup` sets.
CK_RV verify_rsa(evp_pkey_st* key, SchemeSetup setup, ByteView tbs, ByteView signature)
{
    const int size = EVP_PKEY_get_size(key);
    if (size <= 0) return CKR_GENERAL_ERROR;
    if (signature.size() != static_cast<std::size_t>(size)) return CKR_SIGNATURE_LEN_RANGE;
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                   &EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || !setup(ctx.get())) return CKR_GENERAL_ERROR;
    const int ok = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), tbs.data(), tbs.size());
    return ok == 1 ? CKR_OK : CKR_SIGNATURE_INVALID;
}

}  // namespace

CK_RV verify_pkcs1(evp_pkey_st* key, ByteView digest_info, ByteView signature)
{
    // No signature digest set: OpenSSL recovers the PKCS#1 type-1 block and compares its
    // payload with `digest_info` byte for byte (what CKM_RSA_PKCS verification means, §2.1.6).
    return verify_rsa(
        key, [](EVP_PKEY_CTX* ctx) { return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1; },
        digest_info, signature);
}

CK_RV verify_pss_sha256(evp_pkey_st* key, ByteView hash, ByteView signature)
{
    // The salt length is fixed, not RSA_PSS_SALTLEN_AUTO: a signature with another salt length
    // is not one of the mechanism's (CK_RSA_PKCS_PSS_PARAMS.sLen = 32).
    return verify_rsa(
        key,
        [](EVP_PKEY_CTX* ctx) {
            return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                   EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
                   EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1 &&
                   EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) == 1;
        },
        hash, signature);
}

}  // namespace mynacard::p11
