#include "ossl.hpp"

#include <openssl/err.h>

#include <ctime>

namespace mynacard::revocation::ossl {

std::string drain_errors()
{
    std::string out;
    while (unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

X509Ptr share(X509* cert)
{
    if (cert != nullptr) X509_up_ref(cert);
    return X509Ptr(cert);
}

std::optional<std::time_t> to_time_t(const ASN1_TIME* t)
{
    if (t == nullptr) return std::nullopt;
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
    return timegm(&tm);
}

std::string integer_hex(const ASN1_INTEGER* i)
{
    if (i == nullptr) return {};
    const unsigned char* data = ASN1_STRING_get0_data(i);
    int len = ASN1_STRING_length(i);
    int start = 0;
    while (start < len - 1 && data[start] == 0) ++start;
    std::string hex = to_hex(ByteView(data + start, static_cast<std::size_t>(len - start)));
    return hex.empty() ? "00" : hex;
}

std::string subject_key_id_hex(X509* cert)
{
    const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
    if (ski == nullptr) return {};
    return to_hex(ByteView(ASN1_STRING_get0_data(ski), static_cast<std::size_t>(ASN1_STRING_length(ski))));
}

std::string authority_key_id_hex(X509* cert)
{
    const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert);
    if (aki == nullptr) return {};
    return to_hex(ByteView(ASN1_STRING_get0_data(aki), static_cast<std::size_t>(ASN1_STRING_length(aki))));
}

std::string name_text(const X509_NAME* name)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || name == nullptr) return {};
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string{};
}

std::string iso_utc(std::time_t t)
{
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return "?";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace mynacard::revocation::ossl
