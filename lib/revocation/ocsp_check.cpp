// OCSP client (RFC 6960) as pin-and-suspension.md §3.5 prescribes; the OpenSSL calls are the ones
// verified in the loopback lab (§3.9), with the freshness compared against the injected clock.
#include <openssl/rand.h>

#include "http.hpp"
#include "sources.hpp"

namespace mynacard::revocation {
namespace {

StatusResult unknown(const std::string& source, std::time_t now, const std::string& why)
{
    StatusResult r;
    r.status = CertStatus::Unknown;
    r.source = source;
    r.checked_at = now;
    r.detail = "OCSP: " + why;
    return r;
}

}  // namespace

std::string aia_ocsp_url(X509* leaf)
{
    std::string found;
    STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(leaf);
    for (int i = 0; i < sk_OPENSSL_STRING_num(urls); ++i) {
        std::string url = sk_OPENSSL_STRING_value(urls, i);
        if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
            found = url;
            break;
        }
    }
    X509_email_free(urls);  // X509_get1_ocsp's list is freed like the email list (OpenSSL doc)
    return found;
}

StatusResult check_ocsp(const SourceInput& in, const std::string& url)
{
    const Config::Ocsp& cfg = in.config->ocsp;
    const std::string source = "ocsp:" + url;
    ossl::drain_errors();

    // SHA-1 CertID: what responders index by (RFC 6960 §4.1.1; RFC 5019 §2.1.1).
    ossl::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), in.leaf, in.issuer));
    ossl::OcspRequestPtr req(OCSP_REQUEST_new());
    if (!id || !req) return unknown(source, in.now, "cannot build the request: " + ossl::drain_errors());
    OCSP_CERTID* req_id = OCSP_CERTID_dup(id.get());
    if (req_id == nullptr || OCSP_request_add0_id(req.get(), req_id) == nullptr) {
        OCSP_CERTID_free(req_id);
        return unknown(source, in.now, "cannot build the request: " + ossl::drain_errors());
    }
    // 16 random bytes: enough against replay, and what RFC 8954 asks responders to accept.
    if (OCSP_request_add1_nonce(req.get(), nullptr, 16) != 1)
        return unknown(source, in.now, "cannot add a nonce: " + ossl::drain_errors());

    unsigned char* der = nullptr;
    int der_len = i2d_OCSP_REQUEST(req.get(), &der);
    if (der_len <= 0) return unknown(source, in.now, "cannot encode the request");
    Bytes body(der, der + der_len);
    OPENSSL_free(der);

    auto reply = http_post(url, "application/ocsp-request", body, "application/ocsp-response",
                           http_options_for(*in.config, HttpPurpose::Ocsp, in.cancel));
    if (!reply) return unknown(source, in.now, "responder unreachable: " + reply.error().context);

    const unsigned char* p = reply->data();
    ossl::OcspResponsePtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(reply->size())));
    if (!resp || p != reply->data() + reply->size()) {
        ossl::drain_errors();
        return unknown(source, in.now, "malformed response (" + std::to_string(reply->size()) + " bytes)");
    }
    int rstatus = OCSP_response_status(resp.get());
    if (rstatus != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        return unknown(source, in.now, std::string("responder said ") + OCSP_response_status_str(rstatus));
    ossl::OcspBasicPtr basic(OCSP_response_get1_basic(resp.get()));
    if (!basic) return unknown(source, in.now, "no basic response: " + ossl::drain_errors());

    // The store holds only the issuer chosen in step 2: the responder must be that CA, or a
    // delegated responder it issued with the OCSPSigning EKU (OpenSSL's ocsp_check_issuer).
    // Chain times use the injected clock.
    ossl::X509StorePtr store(X509_STORE_new());
    STACK_OF(X509)* extra = sk_X509_new_null();
    if (!store || extra == nullptr || X509_STORE_add_cert(store.get(), in.issuer) != 1 ||
        sk_X509_push(extra, in.issuer) <= 0) {
        sk_X509_free(extra);
        return unknown(source, in.now, "cannot build the trust store: " + ossl::drain_errors());
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), in.now);
    // `extra` lets a response signed by the CA itself omit its certificate; it is not trusted
    // by this (OCSP_TRUSTOTHER is not set), only the store is.
    int verified = OCSP_basic_verify(basic.get(), extra, store.get(), 0);
    sk_X509_free(extra);
    if (verified != 1)
        return unknown(source, in.now, "response signature not trusted (not the issuer, nor a responder with "
                                       "the OCSPSigning EKU issued by it): " + ossl::drain_errors());

    switch (OCSP_check_nonce(req.get(), basic.get())) {
    case 1:
        break;
    case -1:
        if (cfg.require_nonce) return unknown(source, in.now, "the response carries no nonce (ocsp.require_nonce = true)");
        break;
    default:  // 0: mismatch - a replayed or foreign response
        return unknown(source, in.now, "nonce mismatch (replayed response?)");
    }

    int status = -1;
    int reason = -1;
    ASN1_GENERALIZEDTIME* revtime = nullptr;
    ASN1_GENERALIZEDTIME* thisupd = nullptr;
    ASN1_GENERALIZEDTIME* nextupd = nullptr;
    if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revtime, &thisupd, &nextupd) != 1)
        return unknown(source, in.now, "the response does not cover this certificate");

    StatusResult r;
    r.source = source;
    r.checked_at = in.now;
    auto this_t = ossl::to_time_t(thisupd);
    auto next_t = ossl::to_time_t(nextupd);
    if (!this_t) return unknown(source, in.now, "the response has no valid thisUpdate");
    r.this_update = *this_t;
    r.next_update = next_t.value_or(0);
    const long long leeway = cfg.leeway.count();
    if (*this_t > in.now + leeway)
        return unknown(source, in.now, "thisUpdate " + ossl::iso_utc(*this_t) + " is in the future");

    if (status == V_OCSP_CERTSTATUS_REVOKED) {
        // Bad news counts even from a stale response (§3.2 step 5 applies to OCSP alike).
        r.crl_reason = reason;
        r.status = reason == OCSP_REVOKED_STATUS_CERTIFICATEHOLD ? CertStatus::OnHold : CertStatus::Revoked;
        auto rev = ossl::to_time_t(revtime);
        r.detail = std::string("OCSP: ") + (r.status == CertStatus::OnHold ? "on hold" : "revoked") +
                   (rev ? " since " + ossl::iso_utc(*rev) : std::string()) + ", reason " + crl_reason_name(reason);
        return r;
    }
    if (status == V_OCSP_CERTSTATUS_UNKNOWN) return unknown(source, in.now, "the responder does not know this certificate");
    if (status != V_OCSP_CERTSTATUS_GOOD) return unknown(source, in.now, "unexpected certificate status");

    // Staleness: nextUpdate may be overrun by revocation.grace (README "Order of checks"; the
    // same allowance CRLs get), thisUpdate's age by max_age plus the clock-skew leeway. Without
    // a nonce (RFC 5019 pre-produced responses) these times are what keeps a replay short.
    const long long max_age = in.config->revocation.max_age.count();
    const long long grace = in.config->revocation.grace.count();
    if (next_t && in.now > *next_t + grace)
        return unknown(source, in.now, "stale response (nextUpdate " + ossl::iso_utc(*next_t) + ")");
    if (in.now - *this_t > max_age + leeway)
        return unknown(source, in.now, "response older than revocation.max_age (thisUpdate " + ossl::iso_utc(*this_t) + ")");
    r.status = CertStatus::Good;
    r.detail = "OCSP: good (thisUpdate " + ossl::iso_utc(*this_t) +
               (next_t ? ", nextUpdate " + ossl::iso_utc(*next_t) : std::string()) + ")";
    return r;
}

}  // namespace mynacard::revocation
