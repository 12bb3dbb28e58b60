// The one question the PKCS#11 module and card-cp ask before a key is used: may this key sign
// now? Runs the checks in order (validity, chain to configured anchors, local suspended list,
// OCSP, CRL, else Unknown) and applies the per-key policy (pin-and-suspension.md §3).
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mynacard/config.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"
#include "mynacard/revocation/status.hpp"

namespace mynacard::revocation {

/// Injected clock (tests move it; production uses std::time).
using Clock = std::function<std::time_t()>;

struct KeyDecision {
    bool allowed = false;
    bool warning = false;          ///< allowed, but the status was Unknown (fail-open-warn)
    StatusResult status;
    unsigned long device_error = 0;  ///< device_error::* (0 when Good)
    std::string message;           ///< what happened and what to do, for humans (English)
};

class KeyGate {
public:
    /// `config` supplies anchors, sources and policy; `clock` defaults to std::time.
    explicit KeyGate(Config config, Clock clock = {});
    ~KeyGate();
    KeyGate(KeyGate&&) noexcept;
    KeyGate& operator=(KeyGate&&) noexcept;

    /// Status of `cert` (cached per issuer key id + serial until nextUpdate, capped by
    /// revocation.max_age). `card_serial` enables whole-card entries of the local list.
    StatusResult status(const jpki::Certificate& cert, const std::string& card_serial);

    /// status() plus the policy for `key`.
    KeyDecision decide(jpki::KeyKind key, const jpki::Certificate& cert,
                       const std::string& card_serial);

    /// A status already known to be definitively bad (Revoked/OnHold/LocallySuspended/Expired)
    /// from the cache, without any network or file work; used to refuse C_Login before VERIFY.
    std::optional<StatusResult> known_bad(const jpki::Certificate& cert,
                                          const std::string& card_serial) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// The Unknown-status policy configured for `key` (revocation.policy.sign / policy.auth).
UnknownStatusPolicy policy_for(jpki::KeyKind key, const Config::Revocation& config) noexcept;

/// The policy table of pin-and-suspension.md §3.7 applied to a status already computed:
///   Good -> allowed; Expired/NotYetValid/Revoked/OnHold/LocallySuspended -> refused always;
///   Unknown -> refused (FailClosed, device_error::kUnknownFailClosed), allowed with
///   warning = true (FailOpenWarn, device_error::kUnknownWarned) or allowed (FailOpen, 0).
/// `message` names the key, the status, its source and what to do (municipal office; the
/// 24-hour hotline 0120-95-0178 for a lost or stolen card). KeyGate::decide() uses this.
KeyDecision apply_policy(jpki::KeyKind key, const StatusResult& status, const Config::Revocation& config);

}  // namespace mynacard::revocation
