// CRL look-up by hand (pin-and-suspension.md §3.2 step 5, §3.4). X509_verify_cert with
// X509_V_FLAG_CRL_CHECK reports a stale CRL that lists the certificate as "CRL has expired"
// instead of "revoked" (§3.9), so each CRL is verified and searched here.
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <glob.h>

#include "file_util.hpp"
#include "hex_util.hpp"
#include "http.hpp"
#include "sources.hpp"

namespace mynacard::revocation {
namespace {

namespace fs = std::filesystem;

struct Candidate {
    ossl::X509CrlPtr crl;
    std::string origin;  ///< path or URL
};

struct Accepted {
    X509_CRL* crl = nullptr;
    std::string origin;
    std::string number;   ///< normalised hex, "" when the CRL has none
    std::time_t this_update = 0;
    std::optional<std::time_t> next_update;
    bool full_scope = true;  ///< "not listed" means something for this certificate
    X509_REVOKED* entry = nullptr;
    int reason = -1;
};

void parse_crls(const Bytes& data, const std::string& origin, std::vector<Candidate>& out,
                std::vector<std::string>& notes)
{
    std::size_t before = out.size();
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    if (text.find("-----BEGIN") != std::string_view::npos) {
        ossl::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr))
            out.push_back({ossl::X509CrlPtr(crl), origin});
    } else {
        const unsigned char* p = data.data();
        ossl::X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size())));
        if (crl && p == data.data() + data.size()) out.push_back({std::move(crl), origin});
    }
    ossl::drain_errors();
    if (out.size() == before) notes.push_back(origin + ": not a CRL (bad DER/PEM)");
}

std::vector<fs::path> expand(const fs::path& entry)
{
    std::vector<fs::path> out;
    if (entry.string().find_first_of("*?[") != std::string::npos) {
        glob_t g{};
        if (::glob(entry.c_str(), 0, nullptr, &g) == 0)
            for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
        ::globfree(&g);
    } else {
        out.push_back(entry);
    }
    return out;
}

/// RFC 5280 §5.2.5: a CRL with an Issuing Distribution Point covers only its partition. JPKI
/// partitions CRLs per municipality with DirName distribution points (§2.6).
bool idp_covers(const ISSUING_DIST_POINT* idp, X509* leaf)
{
    if (idp->onlyCA > 0 || idp->onlyattr > 0 || idp->onlysomereasons != nullptr) return false;
    if (idp->distpoint == nullptr) return true;
    if (idp->distpoint->type != 0) return false;  // nameRelativeToCRLIssuer: not used by JPKI
    ossl::CrlDpsPtr dps(static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(leaf, NID_crl_distribution_points, nullptr, nullptr)));
    if (!dps) return false;
    GENERAL_NAMES* crl_names = idp->distpoint->name.fullname;
    for (int i = 0; i < sk_DIST_POINT_num(dps.get()); ++i) {
        DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), i);
        if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
        GENERAL_NAMES* cert_names = dp->distpoint->name.fullname;
        for (int a = 0; a < sk_GENERAL_NAME_num(cert_names); ++a)
            for (int b = 0; b < sk_GENERAL_NAME_num(crl_names); ++b)
                if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(cert_names, a), sk_GENERAL_NAME_value(crl_names, b)) == 0)
                    return true;
    }
    return false;
}

/// The roll-back state key: issuer key id, plus a short hash of the IDP for partitioned CRLs
/// (partitions are numbered independently).
std::string state_key(X509* issuer, X509_CRL* crl)
{
    std::string key = ossl::subject_key_id_hex(issuer);
    if (key.empty()) {
        unsigned char md[SHA256_DIGEST_LENGTH];
        unsigned int len = 0;
        X509_pubkey_digest(issuer, EVP_sha256(), md, &len);
        key = "SPKI-" + to_hex(ByteView(md, 10));
    }
    int idx = X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1);
    if (idx >= 0) {
        const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_CRL_get_ext(crl, idx));
        unsigned char md[SHA256_DIGEST_LENGTH];
        SHA256(ASN1_STRING_get0_data(value), static_cast<std::size_t>(ASN1_STRING_length(value)), md);
        key += ":" + to_hex(ByteView(md, 8));
    }
    return key;
}

/// Every check that makes a CRL usable for this issuer; "" when accepted, else why not.
std::string accept(const SourceInput& in, X509_CRL* crl, Accepted& out, CrlNumberState& state)
{
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(in.leaf)) != 0)
        return "a CRL for another issuer (" + ossl::name_text(X509_CRL_get_issuer(crl)) + ")";
    std::string issuer_ski = ossl::subject_key_id_hex(in.issuer);
    ossl::AkidPtr akid(static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, nullptr, nullptr)));
    if (akid && akid->keyid != nullptr && !issuer_ski.empty()) {
        std::string crl_keyid = to_hex(ByteView(ASN1_STRING_get0_data(akid->keyid), static_cast<std::size_t>(ASN1_STRING_length(akid->keyid))));
        if (crl_keyid != issuer_ski) return "signed by another key (AKI " + crl_keyid + ", issuer " + issuer_ski + ")";
    }
    EVP_PKEY* key = X509_get0_pubkey(in.issuer);
    if (key == nullptr || X509_CRL_verify(crl, key) != 1) {
        ossl::drain_errors();
        return "signature does not verify with the configured issuer key (forged?)";
    }
    const STACK_OF(X509_EXTENSION)* exts = X509_CRL_get0_extensions(crl);
    for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
        X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
        int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        if (X509_EXTENSION_get_critical(ext) && nid != NID_issuing_distribution_point)
            return std::string("unsupported critical extension ") + (nid != NID_undef ? OBJ_nid2sn(nid) : "(unknown)") +
                   (nid == NID_delta_crl ? " (delta CRLs are not supported)" : "");
    }
    ossl::IdpPtr idp(static_cast<ISSUING_DIST_POINT*>(X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, nullptr, nullptr)));
    if (idp && idp->indirectCRL > 0) return "indirect CRLs are not supported";
    out.full_scope = !idp || idp_covers(idp.get(), in.leaf);

    auto this_t = ossl::to_time_t(X509_CRL_get0_lastUpdate(crl));
    if (!this_t) return "no valid thisUpdate";
    out.this_update = *this_t;
    out.next_update = ossl::to_time_t(X509_CRL_get0_nextUpdate(crl));

    ossl::Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
    if (number) {
        if (ASN1_STRING_type(number.get()) == V_ASN1_NEG_INTEGER) return "negative crlNumber";
        out.number = ossl::integer_hex(number.get());
        std::string skey = state_key(in.issuer, crl);
        if (auto seen = state.highest(skey); seen && compare_hex_numbers(out.number, *seen) < 0)
            return "crlNumber " + out.number + " is lower than " + *seen + " accepted before (rolled back)";
        // Best effort: without a writable cache the check still works, only roll-back
        // protection across runs is lost.
        (void)state.raise(skey, out.number);
    }
    return {};
}

/// Is `a` newer than `b`? By crlNumber when both have one, else by thisUpdate.
bool newer(const Accepted& a, const Accepted& b)
{
    if (!a.number.empty() && !b.number.empty()) {
        int c = compare_hex_numbers(a.number, b.number);
        if (c != 0) return c > 0;
    }
    return a.this_update > b.this_update;
}

StatusResult result_from(const Accepted& a, CertStatus status, std::time_t now)
{
    StatusResult r;
    r.status = status;
    r.source = "crl:" + a.origin;
    r.checked_at = now;
    r.this_update = a.this_update;
    r.next_update = a.next_update.value_or(0);
    return r;
}

}  // namespace

StatusResult check_crls(const SourceInput& in, bool offline, CrlNumberState& state)
{
    const Config::Crl& cfg = in.config->crl;
    std::vector<std::string> notes;
    std::vector<Candidate> candidates;
    ossl::drain_errors();
    for (const auto& entry : cfg.files) {
        auto files = expand(entry);
        if (files.empty()) notes.push_back(entry.string() + ": no such file");
        for (const auto& f : files) {
            auto data = read_file_limited(f, cfg.max_bytes);
            if (!data) {
                notes.push_back(data.error().context);
                continue;
            }
            parse_crls(*data, f.string(), candidates, notes);
        }
    }
    for (const auto& url : cfg.urls) {
        if (offline) {
            notes.push_back(url + ": skipped (offline)");
            continue;
        }
        auto data = http_get(url, http_options_for(*in.config, HttpPurpose::Crl, in.cancel));
        if (!data) {
            notes.push_back(data.error().context);
            continue;
        }
        parse_crls(*data, url, candidates, notes);
    }

    std::vector<Accepted> accepted;
    for (auto& c : candidates) {
        Accepted a;
        a.origin = c.origin;
        a.crl = c.crl.get();
        std::string why = accept(in, c.crl.get(), a, state);
        if (!why.empty()) {
            notes.push_back(c.origin + ": " + why);
            continue;
        }
        if (X509_CRL_get0_by_serial(a.crl, &a.entry, X509_get0_serialNumber(in.leaf)) == 1) {
            ossl::Asn1EnumPtr reason(static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(a.entry, NID_crl_reason, nullptr, nullptr)));
            a.reason = reason ? static_cast<int>(ASN1_ENUMERATED_get(reason.get())) : -1;
        } else {
            a.entry = nullptr;
        }
        accepted.push_back(std::move(a));
    }
    ossl::drain_errors();

    // A permanent revocation in any valid CRL wins, stale or not.
    for (const Accepted& a : accepted) {
        if (a.entry != nullptr && a.reason != CRL_REASON_CERTIFICATE_HOLD) {
            StatusResult r = result_from(a, CertStatus::Revoked, in.now);
            r.crl_reason = a.reason;
            auto when = ossl::to_time_t(X509_REVOKED_get0_revocationDate(a.entry));
            r.detail = "CRL " + (a.number.empty() ? std::string() : "#" + a.number + " ") + "lists the certificate as revoked" +
                       (when ? " since " + ossl::iso_utc(*when) : std::string()) + ", reason " + crl_reason_name(a.reason);
            return r;
        }
    }
    // A hold counts unless a newer full-scope CRL no longer lists it (the hold was released).
    for (const Accepted& a : accepted) {
        if (a.entry == nullptr) continue;
        bool released = std::any_of(accepted.begin(), accepted.end(), [&](const Accepted& b) {
            return b.entry == nullptr && b.full_scope && newer(b, a);
        });
        if (released) continue;
        StatusResult r = result_from(a, CertStatus::OnHold, in.now);
        r.crl_reason = CRL_REASON_CERTIFICATE_HOLD;
        r.detail = "CRL " + (a.number.empty() ? std::string() : "#" + a.number + " ") +
                   "lists the certificate as on hold (certificateHold)";
        return r;
    }
    // Not listed: only a fresh CRL that covers this certificate says "good".
    const long long grace = in.config->revocation.grace.count();
    const long long max_age = in.config->revocation.max_age.count();
    // The clock-skew allowance OCSP gives thisUpdate ([ocsp] leeway.seconds): a CRL published a
    // moment ago by a server whose clock runs ahead is not "from the future".
    const long long leeway = in.config->ocsp.leeway.count();
    const Accepted* best = nullptr;
    for (const Accepted& a : accepted) {
        if (!a.full_scope) {
            notes.push_back(a.origin + ": does not cover this certificate (issuing distribution point)");
            continue;
        }
        bool fresh = a.this_update <= in.now + leeway &&
                     (a.next_update ? in.now < *a.next_update + grace : in.now - a.this_update <= max_age);
        if (!fresh) {
            notes.push_back(a.origin + ": stale CRL (thisUpdate " + ossl::iso_utc(a.this_update) +
                            (a.next_update ? ", nextUpdate " + ossl::iso_utc(*a.next_update) : std::string()) + ")");
            continue;
        }
        if (best == nullptr || newer(a, *best)) best = &a;
    }
    if (best != nullptr) {
        StatusResult r = result_from(*best, CertStatus::Good, in.now);
        r.detail = "CRL " + (best->number.empty() ? std::string() : "#" + best->number + " ") +
                   "does not list the certificate (nextUpdate " +
                   (best->next_update ? ossl::iso_utc(*best->next_update) : std::string("none")) + ")";
        return r;
    }
    StatusResult r;
    r.status = CertStatus::Unknown;
    r.source = "crl";
    r.checked_at = in.now;
    r.detail = "CRL: no usable CRL";
    if (candidates.empty() && notes.empty()) r.detail += " (none configured)";
    for (const auto& n : notes) r.detail += "; " + n;
    return r;
}

}  // namespace mynacard::revocation
