#include "mynacard/revocation/status.hpp"

#include <array>

namespace mynacard::revocation {

const char* to_string(CertStatus s) noexcept
{
    switch (s) {
    case CertStatus::Good: return "good";
    case CertStatus::Expired: return "expired";
    case CertStatus::NotYetValid: return "not-yet-valid";
    case CertStatus::Revoked: return "revoked";
    case CertStatus::OnHold: return "on-hold";
    case CertStatus::LocallySuspended: return "locally-suspended";
    case CertStatus::Unknown: return "unknown";
    }
    return "unknown";
}

std::string crl_reason_name(int code)
{
    // RFC 5280 §5.3.1; 7 is not assigned.
    static constexpr std::array<const char*, 11> kNames{
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
        "cessationOfOperation", "certificateHold", nullptr, "removeFromCRL", "privilegeWithdrawn",
        "aACompromise"};
    if (code == -1) return "unspecified";
    if (code >= 0 && code < static_cast<int>(kNames.size()) && kNames[static_cast<std::size_t>(code)] != nullptr)
        return kNames[static_cast<std::size_t>(code)];
    return "reason-" + std::to_string(code);
}

}  // namespace mynacard::revocation
