// RAII owners for the OpenSSL objects the suspension checks use, and small conversions.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mynacard/bytes.hpp"

namespace mynacard::revocation::ossl {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const noexcept { Free(p); }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST_free>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE_free>>;
using OcspBasicPtr = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP_free>>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, Deleter<OCSP_CERTID_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using Asn1EnumPtr = std::unique_ptr<ASN1_ENUMERATED, Deleter<ASN1_ENUMERATED_free>>;
using Asn1OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using AkidPtr = std::unique_ptr<AUTHORITY_KEYID, Deleter<AUTHORITY_KEYID_free>>;
using IdpPtr = std::unique_ptr<ISSUING_DIST_POINT, Deleter<ISSUING_DIST_POINT_free>>;
using CrlDpsPtr = std::unique_ptr<CRL_DIST_POINTS, Deleter<CRL_DIST_POINTS_free>>;

/// Drains OpenSSL's thread-local error queue into one line ("" when empty), so a failure
/// detail can name the cause and the next operation starts with a clean queue.
std::string drain_errors();

/// Shares ownership of `cert` (X509_up_ref) in a new owner.
X509Ptr share(X509* cert);

/// ASN1_TIME -> time_t (UTC). nullopt for a missing or unparsable time.
std::optional<std::time_t> to_time_t(const ASN1_TIME* t);

/// Upper-case hex of an ASN1_INTEGER without leading zero bytes ("00" for zero).
std::string integer_hex(const ASN1_INTEGER* i);

/// Subject key identifier of `cert` (upper-case hex), or "" when absent.
std::string subject_key_id_hex(X509* cert);
/// keyIdentifier of the authority key identifier of `cert` (upper-case hex), or "".
std::string authority_key_id_hex(X509* cert);

/// One line RFC 2253 form of a name, for details and logs (issuer DNs are not personal data).
std::string name_text(const X509_NAME* name);

/// "2026-11-25T14:59:59Z"
std::string iso_utc(std::time_t t);

}  // namespace mynacard::revocation::ossl
