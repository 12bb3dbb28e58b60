// Presenting certificates: text lines, the --json object, PEM, times and days left.
#pragma once

#include <nlohmann/json.hpp>

#include <ctime>
#include <string>
#include <vector>

#include "context.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::cli {

/// "2031-02-17T14:59:59Z"
std::string iso_utc(std::time_t t);
/// Whole days from `now` until not_after (negative once expired).
long days_left(const jpki::Certificate& cert, std::time_t now);
/// "AB:CD:..." fingerprints.
std::string colon_hex(ByteView bytes);
std::string to_pem(const jpki::Certificate& cert);

/// {"subject","issuer","serial","not_before","not_after","days_left","expired",
///  "not_yet_valid","key":{"type","bits","public_exponent"},"fingerprints":{"sha256","sha1"}}
nlohmann::json certificate_json(const jpki::Certificate& cert, std::time_t now);
/// The same, as "Label: value" lines for the text report.
std::vector<std::string> certificate_lines(const Context& ctx, const jpki::Certificate& cert,
                                           std::time_t now);
/// One line for status/list: "valid until ... (N days left)" or "EXPIRED on ...".
std::string validity_summary(const Context& ctx, const jpki::Certificate& cert, std::time_t now);

/// Refuses (exit 30) a certificate outside its validity period.
void require_valid_now(Context& ctx, jpki::CertKind kind, const jpki::Certificate& cert,
                       std::time_t now);

/// Personal attributes of the signing certificate as JSON / text lines.
nlohmann::json personal_json(const jpki::PersonalAttributes& p);
std::vector<std::string> personal_lines(const Context& ctx, const jpki::PersonalAttributes& p);

/// Parses a kind name: auth, sign, auth-ca, sign-ca.
jpki::CertKind parse_cert_kind(const std::string& name);
std::string sex_text(const Messages& msg, const std::string& code);

}  // namespace mynacard::cli
