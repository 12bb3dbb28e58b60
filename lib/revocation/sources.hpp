// The two revocation sources of the suspension checks (steps 4 and 5, pin-and-suspension.md
// §3.2, §3.4, §3.5). Each returns a StatusResult: Good / Revoked / OnHold when the source gave a
// verified, usable answer, Unknown (with the reason in `detail`) otherwise.
#pragma once

#include <atomic>
#include <ctime>
#include <string>

#include "crl_state.hpp"
#include "mynacard/config.hpp"
#include "mynacard/revocation/status.hpp"
#include "ossl.hpp"

namespace mynacard::revocation {

struct SourceInput {
    X509* leaf = nullptr;
    X509* issuer = nullptr;  ///< the configured anchor chosen in step 2
    std::time_t now = 0;
    const Config* config = nullptr;
    const std::atomic<bool>* cancel = nullptr;  ///< aborts network transfers when set
};

/// OCSP at `url` (http or https): SHA-1 CertID, 16-byte nonce, POST with timeout and size
/// limit, signature by the issuer or a delegated OCSPSigning responder it issued (store holds
/// only the issuer), nonce per ocsp.require_nonce (a wrong nonce is always refused), our CertID,
/// thisUpdate not later than now + ocsp.leeway (clock skew), good only while now <= nextUpdate +
/// revocation.grace and thisUpdate within revocation.max_age (+ leeway). A revoked answer counts
/// even when stale.
StatusResult check_ocsp(const SourceInput& in, const std::string& url);

/// The first http:// or https:// URL of the certificate's AIA OCSP entries, or "".
std::string aia_ocsp_url(X509* leaf);

/// Every CRL from crl.files (and crl.urls unless `offline`), checked by hand: issuer DN, key
/// identifier, signature with the issuer key, no unknown critical extension, scope (IDP vs the
/// certificate's CRLDP), crlNumber not lower than `state` remembers. Listed -> Revoked / OnHold
/// (reason 6) even when stale, unless a newer full-scope CRL no longer lists a hold; not listed
/// -> Good only when thisUpdate <= now + ocsp.leeway (clock skew, as for OCSP) and
/// now < nextUpdate + grace.
StatusResult check_crls(const SourceInput& in, bool offline, CrlNumberState& state);

}  // namespace mynacard::revocation
