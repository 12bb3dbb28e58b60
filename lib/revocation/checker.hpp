// The suspension checks on an OpenSSL certificate: the engine behind KeyGate (which adds only
// the jpki::Certificate adapter). Order of checks, first definitive answer wins
// (pin-and-suspension.md §3.2, issue 6): validity -> chain to configured anchors -> local
// suspended list -> sources in revocation.mode order (OCSP, CRL) -> Unknown.
//
// Threads: status() may be called from several threads at once. The internal mutex guards only
// the cache; no lock is held while a source is asked over the network, so known_bad() (C_Login)
// and checks of other certificates never wait for a slow responder. Concurrent checks of one
// certificate share one look-up (the later callers wait for the first one's result).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
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

    /// Aborts network transfers in progress, now and from now on (they end as Unknown). For
    /// shutdown (C_Finalize): nothing is fetched any more after it.
    void cancel() noexcept;

private:
    struct Cached {
        StatusResult result;
        std::time_t expires = 0;
    };

    /// A look-up in progress, shared by the callers that want the same certificate.
    struct Pending {
        bool done = false;
        StatusResult result;
    };

    StatusResult run_sources(X509* leaf, X509* issuer, std::time_t now);
    /// The sources' answer for `fp`: the cache, a look-up already running, or a new one (run
    /// without m_mutex held). Called and returns with `lock` held.
    StatusResult sources_status(std::unique_lock<std::mutex>& lock, const std::string& fp, X509* leaf,
                                X509* issuer, std::time_t now);
    void remember(const std::string& key, const StatusResult& result);

    Config m_config;
    Clock m_clock;
    AnchorSet m_anchors;
    CrlNumberState m_crl_state;
    std::atomic<bool> m_cancel{false};
    mutable std::mutex m_mutex;
    std::condition_variable m_done;
    /// Keyed by the SHA-256 fingerprint of the certificate (+ card serial for local results).
    std::map<std::string, Cached> m_cache;
    std::map<std::string, std::shared_ptr<Pending>> m_pending;  ///< by fingerprint
};

}  // namespace mynacard::revocation
