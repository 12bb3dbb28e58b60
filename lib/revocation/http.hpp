// The little HTTP the suspension checks need (OCSP POST, CRL GET), over OpenSSL's HTTP client
// because it enforces an overall timeout and a response size limit (pin-and-suspension.md §3.4,
// §3.5; OCSP_sendreq_bio has no timeout). Plain http:// only: OCSP and CRL data are signed, and
// RFC 6960 / RFC 5280 distribution points use http.
#pragma once

#include <chrono>
#include <string>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::revocation {

struct HttpLimits {
    std::chrono::seconds timeout{5};   ///< whole exchange, connect included; at least 1 s
    std::size_t max_bytes = 65536;     ///< larger bodies fail
};

/// POSTs `body`; the reply must be 200 with `expected_type` (if not empty) and DER-looking.
/// Errc::Timeout, Errc::Transport (refused, HTTP error, too large), Errc::InvalidArgument (URL).
Result<Bytes> http_post(const std::string& url, const std::string& content_type, ByteView body,
                        const std::string& expected_type, const HttpLimits& limits);

/// GETs `url` (no redirects: the endpoints come from configuration).
Result<Bytes> http_get(const std::string& url, const HttpLimits& limits);

}  // namespace mynacard::revocation
