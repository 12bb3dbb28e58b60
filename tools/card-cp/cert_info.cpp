#include "cert_info.hpp"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace mynacard::cli {

std::string iso_utc(std::time_t t)
{
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

long days_left(const jpki::Certificate& cert, std::time_t now)
{
    const auto seconds = static_cast<long long>(cert.not_after()) - static_cast<long long>(now);
    // Floor division so an expired certificate reads -1 on the day after expiry.
    long long days = seconds / 86400;
    if (seconds < 0 && seconds % 86400 != 0) --days;
    return static_cast<long>(days);
}

std::string colon_hex(ByteView bytes) { return to_hex(bytes, ':'); }

std::string to_pem(const jpki::Certificate& cert)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || PEM_write_bio_X509(bio.get(), cert.native()) != 1) return {};
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

nlohmann::json certificate_json(const jpki::Certificate& cert, std::time_t now)
{
    const Bytes exponent = cert.public_exponent();
    return {
        {"subject", cert.subject_text()},
        {"issuer", cert.issuer_text()},
        {"serial", cert.serial_hex()},
        {"not_before", iso_utc(cert.not_before())},
        {"not_after", iso_utc(cert.not_after())},
        {"days_left", days_left(cert, now)},
        {"expired", now > cert.not_after()},
        {"not_yet_valid", now < cert.not_before()},
        {"key", {{"type", "RSA"}, {"bits", cert.key_bits()}, {"public_exponent", to_hex(exponent)}}},
        {"fingerprints",
         {{"sha256", colon_hex(cert.fingerprint_sha256())}, {"sha1", colon_hex(cert.fingerprint_sha1())}}},
    };
}

std::string validity_summary(const Context& ctx, const jpki::Certificate& cert, std::time_t now)
{
    if (now > cert.not_after()) return ctx.msg(Msg::LblExpiredOn, {iso_utc(cert.not_after())});
    return ctx.msg(Msg::LblValidUntil, {iso_utc(cert.not_after()), std::to_string(days_left(cert, now))});
}

std::vector<std::string> certificate_lines(const Context& ctx, const jpki::Certificate& cert,
                                           std::time_t now)
{
    const auto& m = ctx.msg;
    return {
        m(Msg::LblSubject) + ": " + cert.subject_text(),
        m(Msg::LblIssuer) + ": " + cert.issuer_text(),
        m(Msg::LblSerial) + ": " + cert.serial_hex(),
        m(Msg::LblValidFrom) + ": " + iso_utc(cert.not_before()),
        validity_summary(ctx, cert, now),
        m(Msg::LblKey) + ": RSA " + std::to_string(cert.key_bits()) + " bit, e=0x" +
            to_hex(cert.public_exponent()),
        "SHA-256: " + colon_hex(cert.fingerprint_sha256()),
        "SHA-1: " + colon_hex(cert.fingerprint_sha1()),
    };
}

void require_valid_now(Context& ctx, jpki::CertKind kind, const jpki::Certificate& cert,
                       std::time_t now)
{
    const char* name = jpki::to_string(kind);
    if (now > cert.not_after())
        ctx.fail(ExitCode::CertExpired, ctx.msg(Msg::ErrCertExpired, {name, iso_utc(cert.not_after())}),
                 {ctx.msg(Msg::HintRenewCertificate)});
    if (now < cert.not_before())
        ctx.fail(ExitCode::CertExpired,
                 ctx.msg(Msg::ErrCertNotYetValid, {name, iso_utc(cert.not_before())}));
}

std::string sex_text(const Messages& msg, const std::string& code)
{
    // JIS X 0303: 1 male, 2 female, 9 not applicable, 0 not known.
    if (code == "1") return msg(Msg::SexMale);
    if (code == "2") return msg(Msg::SexFemale);
    if (code == "9") return msg(Msg::SexNotApplicable);
    return msg(Msg::SexUnknown);
}

nlohmann::json personal_json(const jpki::PersonalAttributes& p)
{
    return {{"name", p.name},
            {"name_substitute", p.name_substitute},
            {"sex", p.sex},
            {"birth_date", p.birth_date},
            {"address", p.address},
            {"address_substitute", p.address_substitute}};
}

std::vector<std::string> personal_lines(const Context& ctx, const jpki::PersonalAttributes& p)
{
    const auto& m = ctx.msg;
    std::vector<std::string> lines{
        m(Msg::LblName) + ": " + p.name,
    };
    if (!p.name_substitute.empty()) lines.push_back(m(Msg::LblNameSubstitute) + ": " + p.name_substitute);
    lines.push_back(m(Msg::LblBirthDate) + ": " + p.birth_date);
    lines.push_back(m(Msg::LblSex) + ": " + sex_text(m, p.sex));
    lines.push_back(m(Msg::LblAddress) + ": " + p.address);
    if (!p.address_substitute.empty())
        lines.push_back(m(Msg::LblAddressSubstitute) + ": " + p.address_substitute);
    return lines;
}

jpki::CertKind parse_cert_kind(const std::string& name)
{
    if (name == "sign") return jpki::CertKind::Sign;
    if (name == "auth-ca") return jpki::CertKind::AuthCa;
    if (name == "sign-ca") return jpki::CertKind::SignCa;
    return jpki::CertKind::Auth;
}

}  // namespace mynacard::cli
