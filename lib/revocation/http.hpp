// The little HTTP the suspension checks need (OCSP POST, CRL GET; pin-and-suspension.md §3.4,
// §3.5), over libcurl: http:// and https:// (the data is signed either way, RFC 6960 / RFC 5280;
// https is for endpoints that only speak it), the system proxy settings (libcurl reads
// http_proxy, https_proxy, all_proxy and no_proxy from the environment), name resolution
// bounded by the connect timeout (libcurl's threaded resolver), an overall timeout, a size
// limit, no redirects, and a cancel flag that aborts a transfer in progress (C_Finalize).
//
// Every limit comes from one place: http_options_for() below.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "mynacard/bytes.hpp"
#include "mynacard/config.hpp"
#include "mynacard/result.hpp"

namespace mynacard::revocation {

struct HttpLimits {
    std::chrono::seconds timeout{5};          ///< whole exchange: resolve, connect, TLS, transfer
    std::chrono::seconds connect_timeout{5};  ///< resolve + connect + TLS handshake (<= timeout)
    std::size_t max_bytes = 65536;            ///< larger bodies fail (checked while receiving)
};

struct HttpOptions {
    HttpLimits limits;
    /// PEM CA certificates trusted for https:// endpoints instead of the system store.
    std::optional<std::filesystem::path> ca_file;
    /// When it becomes true the transfer is aborted (Errc::Cancelled); may be null.
    const std::atomic<bool>* cancel = nullptr;
};

enum class HttpPurpose { Ocsp, Crl };

/// The one place the network limits are derived from the configuration: [ocsp] timeout.seconds
/// and max_response_bytes, or [crl] timeout.seconds and max_bytes; [revocation] ca_file.
HttpOptions http_options_for(const Config& config, HttpPurpose purpose, const std::atomic<bool>* cancel);

/// POSTs `body`; the reply must be 200, and of `expected_type` when that is not empty.
/// Errc::Timeout, Errc::Cancelled, Errc::Transport (refused, TLS, HTTP error, redirect, too
/// large), Errc::InvalidArgument (not an http/https URL).
Result<Bytes> http_post(const std::string& url, const std::string& content_type, ByteView body,
                        const std::string& expected_type, const HttpOptions& options);

/// GETs `url`; the reply must be 200.
Result<Bytes> http_get(const std::string& url, const HttpOptions& options);

}  // namespace mynacard::revocation
