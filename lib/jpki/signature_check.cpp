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

namespace {

// What a scheme sets on the verification context after EVP_PKEY_verify_init (padding, digests,
// salt); false if OpenSSL refused any of it.
using SchemeSetup = bool (*)(EVP_PKEY_CTX*);

// The steps PKCS#1 v1.5 and PSS share (RFC 8017 §8.1.2 / §8.2.2 step 1: the signature is
// exactly the modulus long), then OpenSSL's verification of `input` under the scheme `setup` sets.
// `what` names the scheme in the message when the signature does not verify.
Result<void> check_rsa_signature(EVP_PKEY* key, SchemeSetup setup, ByteView input, ByteView signature,
                                 const char* what)
{
    if (key == nullptr) return Unexpected{Errc::Internal, "no public key to check the signature with"};
    const auto modulus = static_cast<std::size_t>(EVP_PKEY_get_size(key));
    if (signature.size() != modulus)
        return Unexpected{Errc::MalformedResponse, "the card's signature is " + std::to_string(signature.size()) +
                                                       " bytes; the key's modulus is " + std::to_string(modulus)};
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
    const int ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 && setup(ctx.get())
                       ? EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), input.data(), input.size())
                       : -1;
    ERR_clear_error();
    if (ok != 1)
        return Unexpected{Errc::MalformedResponse,
                          std::string("the card's ") + what + " does not verify with the certificate's public key"};
    return {};
}

}  // namespace

Result<void> check_pkcs1_signature(EVP_PKEY* key, ByteView input, ByteView signature)
{
    // No signature digest set: OpenSSL recovers the padded block's content and compares it
    // with `input` as is, which is exactly what the card signed (a DigestInfo, RFC 8017 §9.2).
    return check_rsa_signature(
        key, [](EVP_PKEY_CTX* ctx) { return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1; }, input,
        signature, "signature");
}

Result<void> check_pss_signature(EVP_PKEY* key, ByteView hash, ByteView signature)
{
    // A fixed salt length, not RSA_PSS_SALTLEN_AUTO: the mechanism promises sLen = 32.
    return check_rsa_signature(
        key,
        [](EVP_PKEY_CTX* ctx) {
            return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                   EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
                   EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1 &&
                   EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) == 1;
        },
        hash, signature, "RSA-PSS signature");
}

}  // namespace mynacard::jpki::detail
