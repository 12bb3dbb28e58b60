// The one question the PKCS#11 module and card-cp ask before a key is used: may this key sign
// now? Runs the checks in order (validity, chain to configured anchors, local suspended list,
// OCSP, CRL, else Unknown) and applies the per-key policy (pin-and-suspension.md §3).
//
// Use (PKCS#11 C_SignInit, card-cp sign):
//
//   revocation::KeyGate gate(config);                 // one per module/slot; keeps the cache
//   auto d = gate.decide(jpki::KeyKind::Sign, cert, card_serial);
//   if (!d.allowed) -> refuse (CKR_KEY_FUNCTION_NOT_PERMITTED, ulDeviceError = d.device_error,
//                      CKA_SIGN false; card-cp prints d.message and exits by d.status.status)
//   if (d.warning)  -> allowed, log/print d.message (device_error::kUnknownWarned)
//
// Before C_Login (pin.skip_login_if_revoked): gate.known_bad(cert, card_serial) answers from the
// cache and the validity period only - no network, no file I/O.
//
// - `card_serial` is the token serial of EF 0006 (the identity used by whole-card entries of the
//   local suspended list, `card:<serial>`); pass "" when unknown.
// - status()/decide() may do network I/O (bounded by ocsp/crl timeout.seconds each) when no
//   fresh cached result exists; they never throw and never fail: problems become Unknown with
//   the reason in StatusResult::detail.
// - Thread-safe: one KeyGate may be shared by the sessions of a module. No lock is held while a
//   source is asked over the network, so known_bad() and checks of other certificates never
//   wait for a slow responder; concurrent checks of one certificate share one look-up. Call it
//   without holding locks of your own that other threads need (the PKCS#11 module releases its
//   module lock around decide()).
// - An Unknown from the sources is remembered for revocation.unknown_cache.seconds (default 60),
//   so a responder that is down costs one timeout, not one per signature.
// - cancel() aborts look-ups in progress and every later network transfer (for shutdown).
// - The anchors are loaded when the KeyGate is constructed: build a new one after a config reload.
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
    /// One line for a log (pin-and-suspension.md §3.8 "one line per decision"): key, decision,
    /// status, CRL reason, source, certificate serial, issuer key id, checked/this/next update
    /// times, device error and detail. Never personal SAN data, never a PIN (none is known here).
    /// Filled by KeyGate::decide(); empty from apply_policy() alone (it has no certificate).
    std::string log_line;
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

    /// A status already known to be definitively bad (Revoked/OnHold/LocallySuspended from the
    /// cache of earlier checks, Expired/NotYetValid from the certificate itself), without any
    /// network or file work; used to refuse C_Login before VERIFY. nullopt = not known to be bad.
    std::optional<StatusResult> known_bad(const jpki::Certificate& cert,
                                          const std::string& card_serial) const;

    /// Aborts network look-ups in progress (they end as Unknown, which is not cached) and makes
    /// every later one fail at once. Thread-safe; for shutdown.
    void cancel() noexcept;

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
