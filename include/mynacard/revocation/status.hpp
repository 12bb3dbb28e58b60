// Certificate status for the suspension checks (pin-and-suspension.md §3.2).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace mynacard::revocation {

enum class CertStatus { Good, Expired, NotYetValid, Revoked, OnHold, LocallySuspended, Unknown };

const char* to_string(CertStatus s) noexcept;  ///< "good", "expired", "on-hold", ...

/// RFC 5280 §5.3.1 CRLReason name ("keyCompromise", "certificateHold", ...); "unspecified" for
/// -1 (no reason given) and "reason-<n>" for codes outside the list.
std::string crl_reason_name(int code);

/// Expired, NotYetValid, Revoked, OnHold, LocallySuspended: refused whatever the policy.
constexpr bool always_refused(CertStatus s) noexcept
{
    return s != CertStatus::Good && s != CertStatus::Unknown;
}

struct StatusResult {
    CertStatus status = CertStatus::Unknown;
    int crl_reason = -1;          ///< RFC 5280 CRLReason code, or -1
    std::string source;           ///< "validity" | "chain" | "local-list" | "ocsp:<url>" | "crl:<path|url>" | "none"
    std::time_t this_update = 0;  ///< from the CRL/OCSP response, 0 if none
    std::time_t next_update = 0;
    std::time_t checked_at = 0;
    std::string detail;           ///< human text; never personal SAN data
};

/// Vendor codes put in CK_SESSION_INFO.ulDeviceError and documented in README.md.
namespace device_error {
inline constexpr unsigned long kRevoked = 0x4A500001;
inline constexpr unsigned long kOnHold = 0x4A500002;
inline constexpr unsigned long kExpired = 0x4A500003;
inline constexpr unsigned long kLocallySuspended = 0x4A500004;
inline constexpr unsigned long kUnknownFailClosed = 0x4A500005;
inline constexpr unsigned long kNotYetValid = 0x4A500006;
inline constexpr unsigned long kUnknownWarned = 0x4A500007;  ///< allowed with a warning
inline constexpr unsigned long kFinalTryGuard = 0x4A500010;
inline constexpr unsigned long kLoginRefusedRevoked = 0x4A500011;
/// C_Login: the PIN has the wrong length or characters; it was not sent, no try was spent.
inline constexpr unsigned long kPinMalformed = 0x4A500012;
}  // namespace device_error

}  // namespace mynacard::revocation
