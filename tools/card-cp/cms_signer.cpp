// RSA_METHOD and EVP_PKEY_get0_RSA are deprecated in OpenSSL 3 in favour of providers; the
// method hook is by far the smallest correct way to put an external RSA key under CMS_final,
// and it stays supported throughout 3.x. Confined to this file.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "cms_signer.hpp"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstring>
#include <optional>

#include "mynacard/jpki/digest.hpp"
#include "ossl.hpp"

namespace mynacard::cli {
namespace {

struct SignCall {
    const DigestInfoSigner* sign = nullptr;
    std::optional<Error> error;
};

std::optional<jpki::HashAlg> hash_from_nid(int nid)
{
    switch (nid) {
    case NID_sha256: return jpki::HashAlg::Sha256;
    case NID_sha384: return jpki::HashAlg::Sha384;
    case NID_sha512: return jpki::HashAlg::Sha512;
    case NID_sha224: return jpki::HashAlg::Sha224;
    case NID_sha1: return jpki::HashAlg::Sha1;
    default: return std::nullopt;
    }
}

extern "C" int card_rsa_sign(int type, const unsigned char* m, unsigned int m_length,
                             unsigned char* sigret, unsigned int* siglen, const RSA* rsa)
{
    auto* call = static_cast<SignCall*>(RSA_meth_get0_app_data(RSA_get_method(rsa)));
    if (call == nullptr || call->sign == nullptr) return 0;
    try {
        const auto alg = hash_from_nid(type);
        if (!alg) {
            call->error = Error(Errc::InvalidArgument, "unsupported digest for the card key");
            return 0;
        }
        auto info = jpki::digest_info(*alg, ByteView(m, m_length));
        if (!info) {
            call->error = info.error();
            return 0;
        }
        auto signature = (*call->sign)(*info);
        if (!signature) {
            call->error = signature.error();
            return 0;
        }
        if (signature->size() != static_cast<std::size_t>(RSA_size(rsa))) {
            call->error = Error(Errc::MalformedResponse, "signature length differs from the key size");
            return 0;
        }
        std::memcpy(sigret, signature->data(), signature->size());
        *siglen = static_cast<unsigned int>(signature->size());
        return 1;
    } catch (...) {
        call->error = Error(Errc::Internal, "exception in the card signer");
        return 0;
    }
}

struct RsaMethodDeleter {
    void operator()(RSA_METHOD* m) const noexcept { RSA_meth_free(m); }
};

/// A public-only RSA EVP_PKEY matching `cert` whose private operation is `call`.
Result<EvpPkeyPtr> card_key(const jpki::Certificate& cert, RSA_METHOD* method)
{
    EVP_PKEY* cert_key = X509_get0_pubkey(cert.native());
    const RSA* cert_rsa = cert_key ? EVP_PKEY_get0_RSA(cert_key) : nullptr;
    if (cert_rsa == nullptr) return Unexpected{Errc::CertificateInvalid, "signer key is not RSA"};
    RSA* rsa = RSA_new();
    if (rsa == nullptr) return Unexpected{Errc::Crypto, openssl_errors()};
    BIGNUM* n = BN_dup(RSA_get0_n(cert_rsa));
    BIGNUM* e = BN_dup(RSA_get0_e(cert_rsa));
    if (n == nullptr || e == nullptr || RSA_set0_key(rsa, n, e, nullptr) != 1) {
        BN_free(n);
        BN_free(e);
        RSA_free(rsa);
        return Unexpected{Errc::Crypto, openssl_errors()};
    }
    RSA_set_method(rsa, method);
    EvpPkeyPtr pkey(EVP_PKEY_new());
    if (!pkey || EVP_PKEY_assign_RSA(pkey.get(), rsa) != 1) {
        RSA_free(rsa);
        return Unexpected{Errc::Crypto, openssl_errors()};
    }
    return pkey;
}

}  // namespace

Result<Bytes> cms_sign_detached(const std::filesystem::path& content, const jpki::Certificate& signer,
                                const std::vector<jpki::Certificate>& extra_certs, jpki::HashAlg hash,
                                const DigestInfoSigner& sign)
{
    SignCall call{&sign, std::nullopt};
    std::unique_ptr<RSA_METHOD, RsaMethodDeleter> method(RSA_meth_dup(RSA_PKCS1_OpenSSL()));
    if (!method || RSA_meth_set1_name(method.get(), "mynacard card key") != 1 ||
        RSA_meth_set_sign(method.get(), card_rsa_sign) != 1 ||
        RSA_meth_set0_app_data(method.get(), &call) != 1)
        return Unexpected{Errc::Crypto, openssl_errors()};
    MYNACARD_TRY(EvpPkeyPtr key, card_key(signer, method.get()));

    BioPtr in(BIO_new_file(content.c_str(), "rb"));
    if (!in) return Unexpected{Errc::Io, content.string() + ": " + openssl_errors()};

    // CMS_BINARY: sign the bytes as they are (no MIME canonicalisation); CMS_NOSMIMECAP: no
    // S/MIME capabilities attribute, which means nothing outside e-mail.
    const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
    CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
    if (!cms) return Unexpected{Errc::Crypto, openssl_errors()};
    if (CMS_add1_signer(cms.get(), signer.native(), key.get(), evp_md(hash), flags) == nullptr)
        return Unexpected{Errc::Crypto, "CMS signer: " + openssl_errors()};
    for (const auto& cert : extra_certs)
        if (CMS_add1_cert(cms.get(), cert.native()) != 1)
            return Unexpected{Errc::Crypto, openssl_errors()};
    if (CMS_final(cms.get(), in.get(), nullptr, flags) != 1) {
        const std::string detail = openssl_errors();
        if (call.error) return Unexpected{*call.error};
        return Unexpected{Errc::Crypto, "CMS: " + detail};
    }
    if (call.error) return Unexpected{*call.error};

    const int len = i2d_CMS_ContentInfo(cms.get(), nullptr);
    if (len <= 0) return Unexpected{Errc::Crypto, openssl_errors()};
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_CMS_ContentInfo(cms.get(), &p);
    return der;
}

Result<std::string> cms_der_to_pem(ByteView der)
{
    const unsigned char* p = der.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) return Unexpected{Errc::Crypto, openssl_errors()};
    BioPtr out(BIO_new(BIO_s_mem()));
    if (!out || PEM_write_bio_CMS(out.get(), cms.get()) != 1) return Unexpected{Errc::Crypto, openssl_errors()};
    char* data = nullptr;
    const long n = BIO_get_mem_data(out.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace mynacard::cli
