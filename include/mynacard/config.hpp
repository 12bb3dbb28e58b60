// The one configuration file shared by the PKCS#11 module and card-cp (INI, parsed with inih).
// Path: $MYNACARD_CONFIG, else $XDG_CONFIG_HOME/mynacard/mynacard.conf (~/.config/...), else
// /etc/mynacard/mynacard.conf. A missing file means defaults; a malformed one is ConfigInvalid
// (with file:line), never silently ignored. Keys are documented in README.md "Configuration".
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynacard/jpki/card.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard {

/// What to do with a certificate whose revocation status is Unknown (pin-and-suspension.md §3.7).
enum class UnknownStatusPolicy { FailClosed, FailOpenWarn, FailOpen };

struct Config {
    struct Pin {
        /// [pin] final_try. Confirm: the last try is never spent by a program (a PKCS#11 caller
        /// cannot be asked, so the module refuses it); card-cp asks (issue 10 §1).
        jpki::FinalTryPolicy final_try = jpki::FinalTryPolicy::Confirm;
        bool skip_login_if_revoked = true;     ///< [pin] skip_login_if_revoked
    } pin;
    struct Pkcs11 {
        bool sign_always_authenticate = true;  ///< [pkcs11] sign_always_authenticate
        bool expose_ca_certificates = true;    ///< [pkcs11] expose_ca_certificates
        /// [pkcs11] signature_hold.seconds: how long the card stays held for one signature of
        /// the signing key (context-specific VERIFY to signature) when C_Sign does not come.
        std::chrono::seconds signature_hold{10};
    } pkcs11;
    jpki::CacheOptions cache;                  ///< [cache] enabled, directory, sign_certificate
    struct Log {
        std::string level = "off";             ///< [log] level: off|error|info|debug
        std::optional<std::filesystem::path> file;  ///< [log] file (default stderr)
    } log;
    struct Revocation {
        std::vector<std::string> mode{"ocsp", "crl"};  ///< [revocation] mode (order), or "none"
        /// policy.sign. A holder's machine has no revocation source (J-LIS serves verifiers only),
        /// so Unknown signs with a warning; definite bad news is refused under every policy.
        UnknownStatusPolicy policy_sign = UnknownStatusPolicy::FailOpenWarn;
        UnknownStatusPolicy policy_auth = UnknownStatusPolicy::FailOpenWarn; ///< policy.auth
        std::chrono::seconds grace{3600};      ///< grace.seconds
        std::chrono::seconds max_age{86400};   ///< max_age.seconds
        int expiry_warn_days = 90;             ///< expiry.warn_days
        bool offline = false;                  ///< offline: no network use at all
        /// unknown_cache.seconds: an Unknown from the sources is remembered this long, so a
        /// responder that is down costs one timeout, not one per signature (0 = never).
        std::chrono::seconds unknown_cache{60};
        /// ca_file: PEM CA certificates for https:// endpoints; unset = the system store.
        std::optional<std::filesystem::path> ca_file;
    } revocation;
    struct Trust {
        std::vector<std::filesystem::path> anchors;  ///< [trust] anchors (files or globs); default: shipped J-LIS gen-3 roots
        bool accept_test_hierarchy = false;    ///< [trust] accept_test_hierarchy (O=JPKI-TEST)
    } trust;
    struct Ocsp {
        std::string url;                       ///< [ocsp] url, or "aia"; empty = off
        std::chrono::seconds timeout{5};       ///< timeout.seconds
        bool require_nonce = false;            ///< require_nonce (RFC 5019 responses carry none)
        std::chrono::seconds leeway{300};      ///< leeway.seconds: clock skew on OCSP and CRL thisUpdate
        std::size_t max_response_bytes = 65536;///< max_response_bytes
    } ocsp;
    struct Crl {
        std::vector<std::filesystem::path> files;  ///< [crl] files (globs allowed)
        std::vector<std::string> urls;         ///< [crl] urls
        std::chrono::seconds timeout{10};      ///< timeout.seconds
        std::size_t max_bytes = 16 * 1024 * 1024;  ///< max_bytes
    } crl;
    struct Local {
        std::optional<std::filesystem::path> suspended_list;  ///< [local] suspended_list
    } local;

    /// Where the file was read from (empty when defaults were used).
    std::filesystem::path source;
};

/// The path the rules above select (whether or not the file exists).
std::filesystem::path default_config_path();
/// Loads `path` (or default_config_path()). Missing file -> defaults.
Result<Config> load_config(const std::optional<std::filesystem::path>& path = std::nullopt);
/// Parses INI text (for tests); `origin` names it in error messages.
Result<Config> parse_config(std::string_view text, const std::string& origin);

}  // namespace mynacard
