// Software check of the card's signatures (signature_check.hpp).
#include "signature_check.hpp"

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace mynacard::jpki::detail {

PublicKey public_key_of_certificate(ByteView der)
{
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (cert == nullptr) {
        ERR_clear_error();
        return nullptr;
    }
    EVP_PKEY* key = X509_get_pubkey(cert);  // a new reference
    X509_free(cert);
    if (key == nullptr) {
        ERR_clear_error();
        return nullptr;
    }
    return PublicKey(key, EVP_PKEY_free);
}

Result<void> check_pkcs1_signature(EVP_PKEY* key, ByteView input, ByteView signature)
{
    if (key == nullptr) return Unexpected{Errc::Internal, "no public key to check the signature with"};
    const auto modulus = static_cast<std::size_t>(EVP_PKEY_get_size(key));
    if (signature.size() != modulus)
        return Unexpected{Errc::MalformedResponse, "the card's signature is " + std::to_string(signature.size()) +
                                                       " bytes; the key's modulus is " + std::to_string(modulus)};
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
    // No signature digest set: OpenSSL recovers the padded block's content and compares it
    // with `input` as is, which is exactly what the card signed (a DigestInfo, RFC 8017 §9.2).
    int ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
                     EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1
                 ? EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), input.data(), input.size())
                 : -1;
    ERR_clear_error();
    if (ok != 1)
        return Unexpected{Errc::MalformedResponse,
                          "the card's signature does not verify with the certificate's public key"};
    return {};
}

Result<void> check_pss_signature(EVP_PKEY* key, ByteView hash, ByteView signature)
{
    if (key == nullptr) return Unexpected{Errc::Internal, "no public key to check the signature with"};
    const auto modulus = static_cast<std::size_t>(EVP_PKEY_get_size(key));
    if (signature.size() != modulus)
        return Unexpected{Errc::MalformedResponse, "the card's signature is " + std::to_string(signature.size()) +
                                                       " bytes; the key's modulus is " + std::to_string(modulus)};
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
    // A fixed salt length, not RSA_PSS_SALTLEN_AUTO: the mechanism promises sLen = 32.
    const int ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
                           EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
                           EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
                           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) == 1 &&
                           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) == 1
                       ? EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), hash.data(), hash.size())
                       : -1;
    ERR_clear_error();
    if (ok != 1)
        return Unexpected{Errc::MalformedResponse,
                          "the card's RSA-PSS signature does not verify with the certificate's public key"};
    return {};
}

}  // namespace mynacard::jpki::detail
