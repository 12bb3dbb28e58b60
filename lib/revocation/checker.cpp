#include "checker.hpp"

#include <algorithm>
#include <cstdio>

#include "mynacard/revocation/suspended_list.hpp"
#include "sources.hpp"

namespace mynacard::revocation {
namespace {

std::string fingerprint(X509* cert)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert, EVP_sha256(), md, &len);
    return to_hex(ByteView(md, len));
}

StatusResult make(CertStatus status, std::string source, std::time_t now, std::string detail)
{
    StatusResult r;
    r.status = status;
    r.source = std::move(source);
    r.checked_at = now;
    r.detail = std::move(detail);
    return r;
}

/// Step 1. notBefore and notAfter are inclusive (RFC 5280 §4.1.2.5), hence ASN1_TIME_cmp_time_t
/// (-1/0/1) rather than X509_cmp_time, which counts "equal" as "before".
std::optional<StatusResult> check_validity(X509* leaf, std::time_t now)
{
    const ASN1_TIME* not_before = X509_get0_notBefore(leaf);
    const ASN1_TIME* not_after = X509_get0_notAfter(leaf);
    int before = ASN1_TIME_cmp_time_t(not_before, now);
    int after = ASN1_TIME_cmp_time_t(not_after, now);
    if (before == -2 || after == -2)
        return make(CertStatus::Unknown, "validity", now, "the certificate's validity times cannot be read");
    auto nb = ossl::to_time_t(not_before);
    auto na = ossl::to_time_t(not_after);
    if (before > 0)
        return make(CertStatus::NotYetValid, "validity", now, "valid from " + ossl::iso_utc(nb.value_or(0)));
    if (after < 0)
        return make(CertStatus::Expired, "validity", now, "expired at " + ossl::iso_utc(na.value_or(0)));
    return std::nullopt;
}

std::string time_or_dash(std::time_t t)
{
    return t != 0 ? ossl::iso_utc(t) : std::string("-");
}

/// KeyDecision::log_line: key=value fields, the detail last (it is free text).
std::string decision_log_line(jpki::KeyKind key, const KeyDecision& d, X509* leaf)
{
    const StatusResult& s = d.status;
    char code[16];
    std::snprintf(code, sizeof code, "0x%08lX", d.device_error);
    std::string line = std::string("revocation decision: key=") + (key == jpki::KeyKind::Sign ? "sign" : "auth") +
                       " decision=" + (d.allowed ? (d.warning ? "allowed-with-warning" : "allowed") : "refused") +
                       " status=" + to_string(s.status);
    if (s.crl_reason >= 0) line += " reason=" + crl_reason_name(s.crl_reason) + "(" + std::to_string(s.crl_reason) + ")";
    line += " source=" + s.source;
    if (leaf != nullptr) {
        const std::string aki = ossl::authority_key_id_hex(leaf);
        line += " serial=" + ossl::integer_hex(X509_get0_serialNumber(leaf)) +
                " issuer_key_id=" + (aki.empty() ? std::string("-") : aki);
    }
    line += " checked_at=" + time_or_dash(s.checked_at) + " this_update=" + time_or_dash(s.this_update) +
            " next_update=" + time_or_dash(s.next_update) + " device_error=" + code;
    if (!s.detail.empty()) line += " detail=\"" + s.detail + "\"";
    // One line: a control character from a server's error text must not start a fake entry.
    for (char& c : line)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    return line;
}

std::time_t cache_expiry(const StatusResult& r, const Config::Revocation& rev)
{
    // Unknown only briefly (unknown_cache.seconds): long enough that a responder that is down
    // costs one timeout rather than one per signature, short enough to pick up a recovery.
    const auto max_age = r.status == CertStatus::Unknown ? std::min(rev.unknown_cache, rev.max_age) : rev.max_age;
    std::time_t cap = r.checked_at + static_cast<std::time_t>(max_age.count());
    return r.next_update > 0 ? std::min(cap, r.next_update) : cap;
}

}  // namespace

Checker::Checker(Config config, Clock clock)
    : m_config(std::move(config)),
      m_clock(clock ? std::move(clock) : Clock([] { return std::time(nullptr); })),
      m_anchors(load_anchors(m_config.trust)),
      m_crl_state([this]() -> std::optional<std::filesystem::path> {
          auto dir = revocation_cache_dir(m_config);
          if (!dir) return std::nullopt;
          return *dir / "crl-numbers";
      }())
{
}

void Checker::cancel() noexcept
{
    m_cancel.store(true);
}

std::time_t Checker::now() const
{
    return m_clock();
}

void Checker::remember(const std::string& key, const StatusResult& result)
{
    if (result.status == CertStatus::Unknown && m_config.revocation.unknown_cache.count() == 0) return;
    // A cancelled look-up (shutdown) says nothing about the certificate.
    if (result.status == CertStatus::Unknown && m_cancel.load()) return;
    m_cache[key] = Cached{result, cache_expiry(result, m_config.revocation)};
}

StatusResult Checker::sources_status(std::unique_lock<std::mutex>& lock, const std::string& fp, X509* leaf,
                                     X509* issuer, std::time_t now)
{
    if (auto it = m_cache.find(fp); it != m_cache.end() && now < it->second.expires && now >= it->second.result.checked_at) {
        StatusResult result = it->second.result;
        result.detail += " (cached)";
        return result;
    }
    m_cache.erase(fp);
    if (auto it = m_pending.find(fp); it != m_pending.end()) {
        // Another thread is asking the sources about this certificate: share its answer.
        std::shared_ptr<Pending> pending = it->second;
        m_done.wait(lock, [&] { return pending->done; });
        StatusResult result = pending->result;
        result.detail += " (shared look-up)";
        return result;
    }
    auto pending = std::make_shared<Pending>();
    m_pending[fp] = pending;
    StatusResult result;
    try {
        lock.unlock();
        result = run_sources(leaf, issuer, now);
        lock.lock();
    } catch (...) {
        if (!lock.owns_lock()) lock.lock();
        pending->done = true;
        pending->result.status = CertStatus::Unknown;
        pending->result.source = "sources";
        pending->result.checked_at = now;
        pending->result.detail = "internal error during the look-up";
        m_pending.erase(fp);
        m_done.notify_all();
        throw;
    }
    remember(fp, result);
    pending->result = result;
    pending->done = true;
    m_pending.erase(fp);
    m_done.notify_all();
    return result;
}

StatusResult Checker::run_sources(X509* leaf, X509* issuer, std::time_t now)
{
    const auto& rev = m_config.revocation;
    SourceInput in{leaf, issuer, now, &m_config, &m_cancel};
    std::vector<std::string> notes;
    bool used_any = false;
    for (const std::string& mode : rev.mode) {
        if (m_cancel.load()) {
            notes.push_back("look-up cancelled (shutting down)");
            break;
        }
        StatusResult r;
        if (mode == "ocsp") {
            if (m_config.ocsp.url.empty()) continue;
            if (rev.offline) {
                notes.push_back("OCSP skipped (offline)");
                continue;
            }
            std::string url = m_config.ocsp.url == "aia" ? aia_ocsp_url(leaf) : m_config.ocsp.url;
            if (url.empty()) {
                notes.push_back("OCSP: the certificate has no http OCSP URL in its AIA");
                continue;
            }
            used_any = true;
            r = check_ocsp(in, url);
        } else if (mode == "crl") {
            bool has_files = !m_config.crl.files.empty();
            if (!has_files && m_config.crl.urls.empty()) continue;
            if (!has_files && rev.offline) {
                notes.push_back("CRL URLs skipped (offline)");
                continue;
            }
            used_any = true;
            r = check_crls(in, rev.offline, m_crl_state);
        } else {
            continue;  // "none" (or anything the loader let through): no source
        }
        if (r.status != CertStatus::Unknown) return r;
        notes.push_back(r.detail);
    }
    StatusResult r = make(CertStatus::Unknown, used_any ? "sources" : "none", now,
                          used_any ? std::string() : "no revocation source");
    for (const auto& n : notes) r.detail += (r.detail.empty() ? "" : "; ") + n;
    return r;
}

StatusResult Checker::status(X509* leaf, const std::string& card_serial)
{
    const std::time_t now = m_clock();
    if (leaf == nullptr) return make(CertStatus::Unknown, "validity", now, "no certificate");
    if (auto bad = check_validity(leaf, now)) return *bad;

    std::string why;
    X509* issuer = find_issuer(m_anchors, leaf, now, why);
    if (issuer == nullptr) {
        if (m_anchors.anchors.empty()) why += " (no trust anchors loaded)";
        for (const auto& p : m_anchors.problems) why += "; " + p;
        return make(CertStatus::Unknown, "chain", now, why);
    }

    const std::string fp = fingerprint(leaf);
    const std::string local_key = "local:" + fp + ":" + card_serial;

    // Step 3: the local list is re-read on every check (cheap, offline, and edited by card-cp).
    std::optional<std::string> list_refused;
    if (const auto& path = m_config.local.suspended_list) {
        auto entries = list_suspended(*path);
        if (!entries) {
            list_refused = "local suspended list unusable: " + entries.error().context;
        } else {
            std::string serial = ossl::integer_hex(X509_get0_serialNumber(leaf));
            std::string aki = ossl::authority_key_id_hex(leaf);
            std::string ski = ossl::subject_key_id_hex(issuer);
            auto hit = find_suspended(*entries, aki.empty() ? ski : aki, serial, card_serial);
            if (!hit && !ski.empty() && ski != aki) hit = find_suspended(*entries, ski, serial, card_serial);
            if (hit) {
                StatusResult r = make(CertStatus::LocallySuspended, "local-list:" + path->string(), now,
                                      std::string(hit->kind == SuspendedEntry::Kind::Card ? "the card" : "the certificate") +
                                          " is in the local suspended list since " + ossl::iso_utc(hit->since) +
                                          " (" + hit->reason + (hit->note.empty() ? "" : ": " + hit->note) + ")");
                std::lock_guard lock(m_mutex);
                remember(local_key, r);
                return r;
            }
        }
    }

    std::unique_lock lock(m_mutex);
    m_cache.erase(local_key);  // not (or no longer) in the list
    StatusResult result = sources_status(lock, fp, leaf, issuer, now);
    lock.unlock();
    // A source saying "good" cannot clear a card the unreadable list may name.
    if (list_refused && !always_refused(result.status))
        return make(CertStatus::Unknown, "local-list:" + m_config.local.suspended_list->string(), now,
                    *list_refused + " (revocation sources said: " + to_string(result.status) + ")");
    return result;
}

KeyDecision Checker::decide(jpki::KeyKind key, X509* leaf, const std::string& card_serial)
{
    StatusResult s = status(leaf, card_serial);
    KeyDecision d = apply_policy(key, s, m_config.revocation);
    if (d.allowed && leaf != nullptr && m_config.revocation.expiry_warn_days > 0) {
        // J-LIS renews from 3 months before expiry (§2.4): say so while the key still works.
        auto not_after = ossl::to_time_t(X509_get0_notAfter(leaf));
        std::time_t now = s.checked_at;
        if (not_after && *not_after - now < static_cast<std::time_t>(m_config.revocation.expiry_warn_days) * 86400)
            d.message += " The certificate expires at " + ossl::iso_utc(*not_after) +
                         "; renew it at your municipal office.";
    }
    d.log_line = decision_log_line(key, d, leaf);
    return d;
}

std::optional<StatusResult> Checker::known_bad(X509* leaf, const std::string& card_serial) const
{
    if (leaf == nullptr) return std::nullopt;
    const std::time_t now = m_clock();
    if (auto bad = check_validity(leaf, now); bad && always_refused(bad->status)) return bad;
    std::lock_guard lock(m_mutex);
    const std::string fp = fingerprint(leaf);
    for (const std::string& key : {fp, "local:" + fp + ":" + card_serial}) {
        auto it = m_cache.find(key);
        if (it != m_cache.end() && now < it->second.expires && always_refused(it->second.result.status))
            return it->second.result;
    }
    return std::nullopt;
}

}  // namespace mynacard::revocation
