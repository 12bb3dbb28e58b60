// Test PKI for the suspension checks, built in process with OpenSSL (pin-and-suspension.md
// §3.10): CAs (several generations may share one DN), leaves, OCSP responder certificates, CRLs
// (X509_CRL_add0_revoked, certificateHold included) and OCSP responses (OCSP_basic_sign).
// EC P-256 keys keep the suite fast; the checks are key-type agnostic (one test uses RSA-2048).
#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "mynacard/bytes.hpp"
#include "ossl.hpp"

namespace revtest {

using mynacard::Bytes;
using EvpKeyPtr = std::unique_ptr<EVP_PKEY, mynacard::revocation::ossl::Deleter<EVP_PKEY_free>>;
using mynacard::revocation::ossl::X509Ptr;

/// 2026-11-25T00:00:00Z: "now" for most tests.
constexpr std::time_t kNow = 1795564800;
constexpr std::time_t kDay = 86400;
/// 2030-02-17T14:59:59Z: end of the day JST, the leaves' notAfter (pin-and-suspension.md §2.4).
constexpr std::time_t kLeafNotAfter = 1897570799;

std::time_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0);

struct Identity {
    X509Ptr cert;
    EvpKeyPtr key;
    X509* x509() const { return cert.get(); }
};

EvpKeyPtr new_ec_key();
EvpKeyPtr new_rsa_key(int bits = 2048);

// The option structs have all-defaulted constructors so tests can write {"cn", serial} without
// naming every field (and without -Wmissing-field-initializers).
struct CaOptions {
    CaOptions(std::string dn_ = "C=JP,O=JPKI-LAB,OU=JPKI-LAB for digital signature,OU=Test CA")
        : dn(std::move(dn_)) {}
    std::string dn;
    std::time_t not_before = utc(2023, 7, 16);
    std::time_t not_after = utc(2033, 7, 15, 14, 59, 59);
    bool rsa = false;
    long serial = 1;
};
Identity make_ca(const CaOptions& options = {});

struct LeafOptions {
    LeafOptions(std::string cn_ = "lab-leaf", long serial_ = 0x1000, std::time_t not_before_ = utc(2025, 10, 27),
                std::time_t not_after_ = kLeafNotAfter, std::string aia_ocsp_ = {}, std::string crldp_dirname_ = {},
                bool ocsp_signing_ = false, bool with_aki_ = true)
        : cn(std::move(cn_)), serial(serial_), not_before(not_before_), not_after(not_after_),
          aia_ocsp(std::move(aia_ocsp_)), crldp_dirname(std::move(crldp_dirname_)), ocsp_signing(ocsp_signing_),
          with_aki(with_aki_) {}
    std::string cn;
    long serial;
    std::time_t not_before;
    std::time_t not_after;
    std::string aia_ocsp;            ///< AIA OCSP URI when set
    std::string crldp_dirname;       ///< "C=JP,O=...,CN=Test-shi CRLDP": DirName CRLDP when set
    bool ocsp_signing;               ///< EKU OCSPSigning (responder certificates)
    bool with_aki;
    bool tls_server = false;         ///< EKU serverAuth + SAN IP:127.0.0.1 (an https test server)
};
Identity make_leaf(const Identity& ca, const LeafOptions& options = {});

struct Revoked {
    Revoked(long serial_, int reason_ = -1, std::time_t when_ = kNow - kDay)
        : serial(serial_), reason(reason_), when(when_) {}
    long serial;
    int reason;  ///< CRL reason code, -1 = no reason extension; 6 = certificateHold
    std::time_t when;
};

struct CrlOptions {
    CrlOptions(std::time_t this_update_ = kNow - 3600,
               std::optional<std::time_t> next_update_ = kNow + kDay - 3600, std::optional<long> number_ = 1,
               std::vector<Revoked> revoked_ = {})
        : this_update(this_update_), next_update(next_update_), number(number_), revoked(std::move(revoked_)) {}
    std::time_t this_update;
    std::optional<std::time_t> next_update;
    std::optional<long> number;
    std::vector<Revoked> revoked;
    std::string idp_dirname;  ///< issuingDistributionPoint DirName when set
    bool critical_unknown_ext = false;
};
/// A CRL issued under `issuer`'s name, signed with `signer`'s key (pass the same identity for a
/// genuine CRL, another key with the same DN for a forgery).
Bytes make_crl(const Identity& issuer, const Identity& signer, const CrlOptions& options);
Bytes make_crl(const Identity& ca, const CrlOptions& options);
std::string to_pem_crl(const Bytes& der);

struct OcspAnswer {
    int status = V_OCSP_CERTSTATUS_GOOD;
    int reason = -1;
    std::time_t this_update = kNow - 60;
    std::optional<std::time_t> next_update = kNow + kDay;
    enum class Nonce { Echo, None, Wrong } nonce = Nonce::Echo;
    bool include_signer_cert = true;
    bool wrong_serial = false;  ///< answer for another serial than asked
};
/// Builds the DER OCSPResponse to `request_der` for certificates of `ca`, signed by `signer`
/// (the CA itself, a delegated responder, or an unrelated key).
Bytes make_ocsp_response(const Bytes& request_der, const Identity& ca, const Identity& signer,
                         const OcspAnswer& answer);

Bytes to_der(X509* cert);
std::string to_pem(X509* cert);
std::string key_pem(EVP_PKEY* key);
void write_file(const std::filesystem::path& path, const std::string& data, int mode = 0644);
void write_file(const std::filesystem::path& path, const Bytes& data, int mode = 0644);

/// mkdtemp directory (0700) removed recursively on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

}  // namespace revtest
