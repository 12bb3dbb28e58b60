// The suspension checks on an OpenSSL certificate: the engine behind KeyGate (which adds only
// the jpki::Certificate adapter). Order of checks, first definitive answer wins
// (pin-and-suspension.md §3.2, issue 6): validity -> chain to configured anchors -> local
// suspended list -> sources in revocation.mode order (OCSP, CRL) -> Unknown.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "anchors.hpp"
#include "crl_state.hpp"
#include "mynacard/config.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/revocation/key_gate.hpp"
#include "mynacard/revocation/status.hpp"

namespace mynacard::revocation {

class Checker {
public:
    Checker(Config config, Clock clock);

    StatusResult status(X509* leaf, const std::string& card_serial);
    KeyDecision decide(jpki::KeyKind key, X509* leaf, const std::string& card_serial);
    std::optional<StatusResult> known_bad(X509* leaf, const std::string& card_serial) const;

    const Config& config() const noexcept { return m_config; }
    std::time_t now() const;

private:
    struct Cached {
        StatusResult result;
        std::time_t expires = 0;
    };

    StatusResult run_sources(X509* leaf, X509* issuer, std::time_t now);
    void remember(const std::string& key, const StatusResult& result);

    Config m_config;
    Clock m_clock;
    AnchorSet m_anchors;
    CrlNumberState m_crl_state;
    mutable std::mutex m_mutex;
    /// Keyed by the SHA-256 fingerprint of the certificate (+ card serial for local results).
    std::map<std::string, Cached> m_cache;
};

}  // namespace mynacard::revocation
