// Certificate: one DER X.509 certificate held by OpenSSL (jpki-card.md §2), and the DER header
// arithmetic that tells how much of an EF is the certificate (§1.4 "Certificate length").
#include "mynacard/jpki/certificate.hpp"

#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mynacard/apdu/tlv.hpp"

namespace mynacard::jpki {

struct Certificate::Impl {
    Bytes der;
    X509* x509 = nullptr;
    ~Impl() { X509_free(x509); }
};

namespace {

struct BioFree {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct BnFree {
    void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};

template <typename T, typename Encoder>
Bytes encode(const T* object, Encoder encoder)
{
    if (!object) return {};
    unsigned char* der = nullptr;
    const int len = encoder(object, &der);
    if (len <= 0 || !der) return {};
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

std::string name_text(const X509_NAME* name)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || !name) return {};
    // RFC 2253 order and escaping, but keep UTF-8 as UTF-8 (no \XX escapes of high bytes).
    const unsigned long flags = XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
    if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string{};
}

std::time_t to_time_t(const ASN1_TIME* t)
{
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return timegm(&tm);
}

Bytes bignum_bytes(const BIGNUM* bn)
{
    if (!bn) return {};
    Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, out.data());
    return out;
}

Bytes rsa_param(X509* x, const char* name)
{
    EVP_PKEY* key = X509_get0_pubkey(x);
    if (!key) return {};
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return {};
    std::unique_ptr<BIGNUM, BnFree> bn(raw);
    return bignum_bytes(bn.get());
}

Bytes fingerprint(X509* x, const EVP_MD* md)
{
    Bytes out(static_cast<std::size_t>(EVP_MAX_MD_SIZE));
    unsigned int len = 0;
    if (X509_digest(x, md, out.data(), &len) != 1) return {};
    out.resize(len);
    return out;
}

}  // namespace

Result<Certificate> Certificate::from_der(ByteView der)
{
    if (der.empty()) return Unexpected{Errc::CertificateInvalid, "empty certificate"};
    auto impl = std::make_shared<Impl>();
    impl->der.assign(der.begin(), der.end());
    const unsigned char* p = impl->der.data();
    impl->x509 = d2i_X509(nullptr, &p, static_cast<long>(impl->der.size()));
    if (!impl->x509) return Unexpected{Errc::CertificateInvalid, "not a DER X.509 certificate"};
    if (p != impl->der.data() + impl->der.size())
        return Unexpected{Errc::CertificateInvalid, "trailing bytes after the certificate"};
    Certificate cert;
    cert.m_impl = std::move(impl);
    return cert;
}

const Bytes& Certificate::der() const noexcept { return m_impl->der; }
x509_st* Certificate::native() const noexcept { return m_impl->x509; }

Bytes Certificate::subject_der() const
{
    return encode(X509_get_subject_name(m_impl->x509),
                  [](const X509_NAME* n, unsigned char** out) { return i2d_X509_NAME(n, out); });
}

Bytes Certificate::issuer_der() const
{
    return encode(X509_get_issuer_name(m_impl->x509),
                  [](const X509_NAME* n, unsigned char** out) { return i2d_X509_NAME(n, out); });
}

Bytes Certificate::serial_der() const
{
    return encode(X509_get0_serialNumber(m_impl->x509), [](const ASN1_INTEGER* i, unsigned char** out) {
        return i2d_ASN1_INTEGER(i, out);
    });
}

std::string Certificate::serial_hex() const
{
    std::unique_ptr<BIGNUM, BnFree> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(m_impl->x509), nullptr));
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    if (!hex) return {};
    std::string out(hex);
    OPENSSL_free(hex);
    return out;
}

std::string Certificate::subject_text() const { return name_text(X509_get_subject_name(m_impl->x509)); }
std::string Certificate::issuer_text() const { return name_text(X509_get_issuer_name(m_impl->x509)); }
std::time_t Certificate::not_before() const { return to_time_t(X509_get0_notBefore(m_impl->x509)); }
std::time_t Certificate::not_after() const { return to_time_t(X509_get0_notAfter(m_impl->x509)); }
Bytes Certificate::modulus() const { return rsa_param(m_impl->x509, OSSL_PKEY_PARAM_RSA_N); }
Bytes Certificate::public_exponent() const { return rsa_param(m_impl->x509, OSSL_PKEY_PARAM_RSA_E); }

int Certificate::key_bits() const
{
    EVP_PKEY* key = X509_get0_pubkey(m_impl->x509);
    return key ? EVP_PKEY_get_bits(key) : 0;
}

Bytes Certificate::fingerprint_sha256() const { return fingerprint(m_impl->x509, EVP_sha256()); }
Bytes Certificate::fingerprint_sha1() const { return fingerprint(m_impl->x509, EVP_sha1()); }

std::optional<Bytes> Certificate::subject_key_id() const
{
    const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(m_impl->x509);
    if (!id) return std::nullopt;
    return Bytes(id->data, id->data + id->length);
}

std::optional<Bytes> Certificate::authority_key_id() const
{
    const ASN1_OCTET_STRING* id = X509_get0_authority_key_id(m_impl->x509);
    if (!id) return std::nullopt;
    return Bytes(id->data, id->data + id->length);
}

bool Certificate::is_ca() const
{
    return (X509_get_extension_flags(m_impl->x509) & EXFLAG_CA) != 0;
}

Result<std::size_t> der_object_length(ByteView prefix)
{
    if (prefix.empty() || prefix[0] != 0x30)
        return Unexpected{Errc::MalformedResponse, "certificate EF does not start with a SEQUENCE"};
    auto header = apdu::tlv::parse_header(prefix);
    if (!header) return Unexpected{Errc::MalformedResponse, "certificate DER header: " +
                                                                header.error().context};
    if (header->value_length == 0)
        return Unexpected{Errc::MalformedResponse, "certificate SEQUENCE is empty"};
    return header->total();
}

}  // namespace mynacard::jpki
