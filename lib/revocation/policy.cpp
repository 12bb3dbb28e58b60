// The per-key policy table (pin-and-suspension.md §3.7) and the words the user sees (§3.8).
#include "mynacard/revocation/key_gate.hpp"

namespace mynacard::revocation {
namespace {

const char* key_name(jpki::KeyKind key)
{
    return key == jpki::KeyKind::Sign ? "signing certificate (署名用電子証明書)"
                                      : "user-authentication certificate (利用者証明用電子証明書)";
}

std::string where(const StatusResult& s)
{
    std::string text = " [" + s.source + "]";
    if (!s.detail.empty()) text += " " + s.detail + ".";
    return text;
}

const char* policy_name(UnknownStatusPolicy p)
{
    switch (p) {
    case UnknownStatusPolicy::FailClosed: return "fail-closed";
    case UnknownStatusPolicy::FailOpenWarn: return "fail-open-warn";
    case UnknownStatusPolicy::FailOpen: return "fail-open";
    }
    return "fail-closed";
}

}  // namespace

UnknownStatusPolicy policy_for(jpki::KeyKind key, const Config::Revocation& config) noexcept
{
    return key == jpki::KeyKind::Sign ? config.policy_sign : config.policy_auth;
}

KeyDecision apply_policy(jpki::KeyKind key, const StatusResult& status, const Config::Revocation& config)
{
    KeyDecision d;
    d.status = status;
    const std::string subject = std::string("The ") + key_name(key);
    switch (status.status) {
    case CertStatus::Good:
        d.allowed = true;
        d.message = subject + " is good." + where(status);
        return d;
    case CertStatus::Expired:
        d.device_error = device_error::kExpired;
        d.message = subject + " has expired." + where(status) +
                    " Renew it at your municipal office (市区町村の窓口).";
        return d;
    case CertStatus::NotYetValid:
        d.device_error = device_error::kNotYetValid;
        d.message = subject + " is not valid yet." + where(status) +
                    " Check the computer's clock; if it is right, wait until the start of validity.";
        return d;
    case CertStatus::Revoked:
        d.device_error = device_error::kRevoked;
        d.message = subject + " has been revoked (失効, reason " + crl_reason_name(status.crl_reason) + ")." +
                    where(status) +
                    " It can never be used again. Apply for a new certificate at your municipal office; "
                    "a change of name or address revokes the signing certificate.";
        return d;
    case CertStatus::OnHold:
        d.device_error = device_error::kOnHold;
        d.message = subject + " is on hold (一時保留, certificateHold)." + where(status) +
                    " This happens when the card was reported lost or stolen. If it was not you, call the "
                    "My Number hotline 0120-95-0178 (24 h) at once; if you found the card again, go to your "
                    "municipal office to have the certificates re-issued.";
        return d;
    case CertStatus::LocallySuspended:
        d.device_error = device_error::kLocallySuspended;
        d.message = subject + " is suspended in the local suspended list." + where(status) +
                    " Ask whoever manages this computer; `card-cp unsuspend` lifts a local suspension. "
                    "For a lost card also call the hotline 0120-95-0178.";
        return d;
    case CertStatus::Unknown:
        break;
    }
    const UnknownStatusPolicy policy = policy_for(key, config);
    const std::string unknown = subject + " has an unknown revocation status." + where(status);
    switch (policy) {
    case UnknownStatusPolicy::FailClosed:
        d.device_error = device_error::kUnknownFailClosed;
        d.message = unknown + " Refused by policy " + policy_name(policy) +
                    ": configure a reachable OCSP responder or a current CRL (see README \"Suspension checks\"), "
                    "or change revocation.policy." + (key == jpki::KeyKind::Sign ? "sign." : "auth.");
        return d;
    case UnknownStatusPolicy::FailOpenWarn:
        d.allowed = true;
        d.warning = true;
        d.device_error = device_error::kUnknownWarned;
        d.message = unknown + " Allowed with a warning (policy fail-open-warn).";
        return d;
    case UnknownStatusPolicy::FailOpen:
        d.allowed = true;
        d.message = unknown + " Allowed (policy fail-open).";
        return d;
    }
    return d;
}

}  // namespace mynacard::revocation
