// CardSession: one My Number card behind an apdu::Transport, driven by one model of what the
// card has selected and verified (card_model.hpp; issue 9 §1).
//
// Selection. Every call runs in one PC/SC transaction. Between two of them another application
// may have selected another AP, so the AP we left selected is a belief until content only the
// JPKI AP holds confirms it. A SELECT by AID is sent only when the belief is wrong or unknown:
// on a card that drops a PIN's verified state on (re-)SELECT it would end our login and every
// other process's. Confirmation, cheapest first:
//  - a cached certificate compared with the first chunk of its EF (the chunk holds the serial
//    number and issuer, so it names one certificate; a match proves both the AP and the cache);
//  - a signature that verifies with the certificate's key;
//  - the token label in EF 0006 (one short-EF-identifier READ BINARY, or SELECT EF + READ).
// Operations that spend or reveal something (VERIFY, CHANGE REFERENCE DATA, the PIN counter, a
// certificate read with nothing to compare it with) confirm first; signing and cache checks go
// ahead on the belief and check the answer.
//
// Signing across transactions. C_Login and C_Sign are separate transactions with anything in
// between. A signature is SELECT EF key (skipped when current) + 80 2A, never a SELECT by AID:
//  - a card that keeps and a card that drops verification on re-SELECT both sign, since we send
//    no SELECT by AID between the VERIFY and the 80 2A;
//  - another application that selected another AP in between: SELECT EF key answers 6A82 (or
//    80 2A answers 6982, or the signature does not verify) -> the login is forgotten and the
//    answer is NotLoggedIn (or MalformedResponse for a signature that fails the check): never a
//    wrong signature;
//  - another application that re-selected the JPKI AP: a card that drops verification answers
//    6982 -> NotLoggedIn; one that keeps it signs;
//  - a card whose signature uses up the verification (§7): the next signature answers 6982 ->
//    NotLoggedIn, never a silent re-VERIFY; the model learns it from that answer and from then
//    on ends the login with each signature, so the tokens show it gone at once.
//
// Certificates. The identity read at open() (Common AP serial, §1.14) picks the cache entries.
// A cached certificate is compared with the card's first chunk before its first use in a
// session (one READ BINARY with a short EF identifier): a renewed certificate (same card, new
// certificate after renewal or a house move) differs there and is read again. Within one
// insertion (ReaderInsertion) the comparisons are remembered in the insertion record
// (card_record.hpp), so a second process trusts what the first one compared. The signing
// certificate (opt-in cache) cannot be read before the password; a cached copy is served before
// login only when it was compared with the card after a password in this same insertion.
#include "mynacard/jpki/card.hpp"

#include <array>

#include <openssl/x509.h>

#include "card_io.hpp"
#include "card_model.hpp"
#include "card_probe.hpp"
#include "card_record.hpp"
#include "cert_cache.hpp"
#include "layout.hpp"
#include "scheme_probe.hpp"
#include "mynacard/apdu/trace.hpp"
#include "mynacard/jpki/digest.hpp"
#include "mynacard/jpki/pin.hpp"
#include "mynacard/jpki/supported.hpp"
#include "signature_check.hpp"

namespace mynacard::jpki {
namespace {

using detail::Ap;

constexpr std::size_t index_of(KeyKind k) noexcept { return k == KeyKind::Auth ? 0 : 1; }
constexpr std::size_t index_of(CertKind k) noexcept { return static_cast<std::size_t>(k); }
constexpr std::uint16_t kSwFileNotFound = 0x6A82;

bool fatal_transport(Errc code)
{
    return code == Errc::NoService || code == Errc::NoReader || code == Errc::CardAbsent ||
           code == Errc::CardRemoved || code == Errc::Cancelled || code == Errc::CardReset;
}

/// Same certificate as the card's EF: the card's first chunk equals the cached prefix and its
/// DER header announces the cached size.
bool matches_card(ByteView first_chunk, const Bytes& cached)
{
    auto total = der_object_length(first_chunk);
    if (!total || *total != cached.size()) return false;
    const std::size_t n = std::min(first_chunk.size(), cached.size());
    return std::equal(first_chunk.begin(), first_chunk.begin() + static_cast<std::ptrdiff_t>(n),
                      cached.begin());
}

bool not_found(const Error& e) { return e.code == Errc::FileNotFound || e.sw == kSwFileNotFound; }

/// Whether `cert` is signed by the key of `issuer` (both DER).
bool issued_by(const Bytes& cert, const Bytes& issuer)
{
    auto c = Certificate::from_der(cert);
    auto key = detail::public_key_of_certificate(issuer);
    return c && key && X509_verify(c->native(), key.get()) == 1;
}

}  // namespace

struct CardSession::Impl {
    struct CertSlot {
        std::optional<Bytes> der;
        bool checked = false;     ///< compared with or read from this card (this session or insertion)
        bool from_cache = false;
    };

    std::unique_ptr<apdu::Transport> transport;
    SessionOptions options;
    CardInfo info;
    std::optional<detail::CertCache> cache;
    detail::CardModel model;
    std::array<CertSlot, 4> certs;
    std::array<detail::PublicKey, 2> keys;  ///< for the software check of each signature
    std::optional<detail::CardRecord> record;  ///< the insertion record we keep up to date
    std::optional<std::string> auth_index;     ///< the known-auth-certificate record as on disk
    bool try_extended = false;
    bool sfi = true;  ///< short-EF-identifier READ BINARY works on this card (until shown not to)
    std::uint64_t apdus = 0;

    template <typename F>
    auto transact(F&& body) -> decltype(body(std::declval<apdu::Transaction&>()))
    {
        auto tx = apdu::Transaction::begin(*transport);
        if (!tx) return Unexpected{std::move(tx).error()};
        const std::uint64_t epoch = transport->reset_epoch();
        model.begin(epoch);
        auto result = body(*tx);
        apdus += tx->apdu_count();
        if (transport->reset_epoch() != epoch) {
            // The card was reset (or pulled and put back) inside our transaction: its selection
            // and security state are gone, so a failure after that point says nothing about the
            // card itself (e.g. 6A82 from a SELECT EF with no AP selected).
            model.reset(transport->reset_epoch());
            drop_sign_certificate();
            if (!result && !fatal_transport(result.error().code))
                return Error(Errc::CardReset, "the card was reset during the operation");
        }
        if (!result && result.error().code == Errc::CardReset) {
            model.reset(transport->reset_epoch());
            drop_sign_certificate();
        }
        return result;
    }

    bool logged_in(KeyKind k) const noexcept
    {
        return model.logged_in(k) && model.epoch() == transport->reset_epoch();
    }
    void drop_sign_certificate()
    {
        auto& sign = certs[index_of(CertKind::Sign)];
        if (!sign.from_cache) {  // read with the password: not kept beyond the login
            sign = {};
            keys[index_of(KeyKind::Sign)].reset();
        }
    }

    bool cache_allowed(CertKind kind) const
    {
        return cache && (kind != CertKind::Sign || options.cache.include_sign_certificate);
    }

    enum class Need { Believed, Confirmed };
    Result<void> ensure_jpki(apdu::Transaction& tx, Need need);
    Result<void> open_card(apdu::Transaction& tx);
    Result<bool> open_known_insertion(apdu::Transaction& tx, std::optional<Bytes>* jpki_chunk);
    Result<bool> open_known_card(apdu::Transaction& tx, std::optional<Bytes> first);
    void load_cached_certificates();
    void remember_auth_index(const Bytes& auth_der);
    Result<void> probe_card(apdu::Transaction& tx);
    Result<void> read_auth_at_open(apdu::Transaction& tx);
    Result<Bytes> read_cert_in(apdu::Transaction& tx, CertKind kind);
    Result<Bytes> read_cert_attempt(apdu::Transaction& tx, CertKind kind, bool* suspicious);
    void took_certificate(CertKind kind, const Bytes& der, bool checked_against_card);
    Result<Bytes> read_from_card(CertKind kind);
    Result<Bytes> read_certificate(CertKind kind);
    Result<detail::PublicKey> key_for(apdu::Transaction& tx, KeyKind key);
    Result<Bytes> sign_in(apdu::Transaction& tx, KeyKind key, ByteView input, SignScheme scheme);
    Result<void> check_sign_input(KeyKind key, ByteView digest_info, SignScheme scheme) const;
    Result<void> learn_pss(apdu::Transaction& tx);
    /// learn_pss's deferred form: runs after our own auth-key signature while the answer is
    /// still unknown.
    void learn_pss_after_signature(apdu::Transaction& tx);
    /// Writes info.pss into the card's facts, the auth-certificate index and the insertion
    /// record, for the next sessions.
    void remember_pss();
    /// The card answered 6A86 to a scheme its probe said it takes (issue 9 §3): believe the
    /// card, here and in the records other processes read.
    void scheme_refused(SignScheme scheme);
    /// NoSuchKey for the PIN of a key the card does not have (sign password on an under-15 card).
    Result<void> check_pin_exists(PinKind kind) const;
    Result<void> enter_ap_for(apdu::Transaction& tx, PinKind kind);
    void leave_kenhojo(apdu::Transaction& tx);

    /// Takes over the insertion record of this card (same insertion key and identity): the
    /// certificates compared with the card in this insertion are served as cached.
    void adopt_record(detail::CardRecord r)
    {
        record = std::move(r);
        record->sfi = sfi;
        for (std::size_t i = 0; i < certs.size(); ++i) {
            const auto kind = static_cast<CertKind>(i);
            if (!cache_allowed(kind) || !record->checked[i] || certs[i].checked) continue;
            auto loaded = cache->load(info.identity, kind);
            if (!loaded || !*loaded) continue;
            if (kind != CertKind::Sign && detail::sha256_of(**loaded) != *record->checked[i]) continue;
            // The signing certificate stays unchecked before login: see read_certificate.
            certs[i] = {std::move(**loaded), kind != CertKind::Sign, true};
        }
    }
    /// The insertion record on disk for this insertion and card, if any and valid.
    std::optional<detail::CardRecord> stored_record() const
    {
        const auto key = insertion_key();
        if (!key || !cache) return std::nullopt;
        return detail::load_insertion_record(*cache, *key);
    }

    std::optional<detail::InsertionKey> insertion_key() const
    {
        if (!options.insertion) return std::nullopt;
        return detail::InsertionKey{options.insertion->reader, options.insertion->event_count, transport->atr()};
    }
    detail::CardRecord facts() const
    {
        detail::CardRecord r;
        r.identity = info.identity;
        r.label = info.token_label;
        r.has_sign = info.has_sign_certificate;
        r.has_auth = info.has_auth_certificate;
        r.sfi = sfi;
        if (info.pss != SchemeSupport::Unknown) r.pss = info.pss == SchemeSupport::Yes;
        return r;
    }
    void save_record()
    {
        if (!cache || !record || !record->insertion) return;
        (void)cache->store_text(cache->insertion_path(record->insertion->reader), detail::encode_record(*record));
    }
};

// --- selection

Result<void> CardSession::Impl::ensure_jpki(apdu::Transaction& tx, Need need)
{
    if (model.jpki_confirmed()) return {};
    if (model.ap() == Ap::Jpki) {
        if (need == Need::Believed) return {};
        // Confirm without a SELECT by AID: the token label only the JPKI AP holds.
        auto label = detail::read_label(tx, model, &sfi);
        if (label && *label == info.token_label && !label->empty()) {
            model.confirmed(Ap::Jpki);
            return {};
        }
        if (!label && fatal_transport(label.error().code)) return Unexpected{std::move(label).error()};
    }
    // Another application selected another AP (or a reset did): our logins on a card that ends
    // verification on SELECT are gone already; the model forgets them.
    return detail::select_aid(tx, model, Ap::Jpki);
}

// --- open

Result<void> CardSession::Impl::open_card(apdu::Transaction& tx)
{
    std::optional<Bytes> jpki_chunk;  // EF 000A's first chunk, read from a JPKI AP we selected
    info.others_may_be_logged_in = false;
    MYNACARD_TRY(const bool same_insertion, open_known_insertion(tx, &jpki_chunk));
    bool known = same_insertion;
    if (!known) {
        MYNACARD_TRY(const bool known_card, open_known_card(tx, std::move(jpki_chunk)));
        known = known_card;
    }
    if (!known) {
        MYNACARD_TRY_VOID(probe_card(tx));
        MYNACARD_TRY_VOID(read_auth_at_open(tx));
    }
    // Counters the caller will ask for next (the PKCS#11 module: the auth token's, which nearly
    // every client reads first), while the JPKI AP is confirmed: 2 APDUs here, 3 in a later
    // transaction that must confirm the AP first.
    for (PinKind kind : options.prefetch_pin_status) {
        if (kind == PinKind::Kenhojo || !check_pin_exists(kind)) continue;
        if (!model.jpki_confirmed()) break;
        auto status = detail::query_pin(tx, model, kind);
        if (!status && fatal_transport(status.error().code)) return Unexpected{std::move(status).error()};
    }
    return {};
}

Result<bool> CardSession::Impl::open_known_insertion(apdu::Transaction& tx, std::optional<Bytes>* jpki_chunk)
{
    auto parsed = stored_record();
    if (!parsed) return false;
    // The same reader, insertion counter and ATR as a session of ours already identified. One
    // READ BINARY of the auth certificate EF in whatever AP is current disturbs nobody; if its
    // first chunk is the one recorded, this is that card and the JPKI AP is current.
    bool record_sfi = parsed->sfi;
    std::optional<Bytes> unmatched;  // what the last read returned when it was not the recorded chunk
    const auto read_prefix = [&]() -> Result<std::optional<Bytes>> {
        unmatched.reset();
        MYNACARD_TRY(auto first, detail::read_auth_chunk_here(tx, model, &record_sfi));
        if (first && detail::sha256_of(*first) != *parsed->auth_prefix) {
            unmatched = std::move(*first);
            return std::optional<Bytes>{};
        }
        return first;
    };
    MYNACARD_TRY(auto first, read_prefix());
    const bool found_jpki_current = first.has_value();
    if (!first) {
        // No AP selected (the card was reset or powered off: nobody holds a verification now) or
        // another one (which, on a card that ends verification on SELECT, already ended ours and
        // everyone's): selecting the JPKI AP disturbs nobody's login that still exists there.
        if (auto selected = detail::select_aid(tx, model, Ap::Jpki); !selected) {
            if (fatal_transport(selected.error().code)) return Unexpected{std::move(selected).error()};
            return false;
        }
        MYNACARD_TRY(auto again, read_prefix());
        if (!again) {
            // Another card (a pcscd restart reused the counter): perhaps one known by its auth
            // certificate, whose first chunk from the JPKI AP we just selected is at hand.
            if (jpki_chunk && unmatched && model.jpki_confirmed()) *jpki_chunk = std::move(unmatched);
            return false;
        }
        first = std::move(again);
    }
    model.confirmed(Ap::Jpki);
    sfi = record_sfi;
    info.type = detail::card_type_for_label(parsed->label);
    info.token_label = parsed->label;
    info.identity = parsed->identity;
    info.has_sign_certificate = parsed->has_sign;
    info.has_auth_certificate = parsed->has_auth;
    // The PSS probe's answer for this card (no probe here: another application may hold a
    // verification in this insertion, and the probe would sign with it).
    if (parsed->pss) info.pss = *parsed->pss ? SchemeSupport::Yes : SchemeSupport::No;
    info.others_may_be_logged_in = found_jpki_current;
    adopt_record(std::move(*parsed));
    auto& auth = certs[index_of(CertKind::Auth)];
    if (!auth.der || !matches_card(*first, *auth.der)) {
        // Not cached (or not compared yet): finish reading it now that its first chunk is here.
        MYNACARD_TRY(Bytes der, detail::read_object(tx, der_object_length, {&try_extended, std::move(*first)}));
        if (!Certificate::from_der(der))
            return Unexpected{Errc::CertificateInvalid, "auth certificate on the card does not parse"};
        took_certificate(CertKind::Auth, der, true);
    }
    return true;
}

Result<bool> CardSession::Impl::open_known_card(apdu::Transaction& tx, std::optional<Bytes> first)
{
    // A new insertion of a card a session of ours probed in full before (issue 9 §4: "a known
    // card, its identity read first, then the cache, is probed with at most 3 APDUs"). The
    // identity is the auth certificate's first chunk: it holds the serial number and issuer, so
    // it names one certificate, which names one card (the key is made in the card); the cache
    // maps it to the facts (Common AP serial, label, short EF identifiers) recorded by that
    // probe. Three APDUs, each needed:
    //  1. SELECT JPKI AP by AID: after a power-on no AP is selected, detection is by AID
    //     (jpki-card.md §1.2), and no session of ours holds a login in an insertion it has no
    //     record of (the full probe it replaces selected the Common AP and this one).
    //  2. READ BINARY EF 000A, first chunk (short EF identifier): the identity, and in the same
    //     APDU the check of the cached auth certificate (a re-issued one differs in this chunk,
    //     finds no facts and is probed and read in full; it is never served from the cache).
    //  3. READ BINARY EF 0008: which certificates are issued, which can change while the card
    //     stays the same (a signing certificate issued at 15, or revoked and taken away).
    // The other cached certificates are compared with the card before their first use, as
    // always. With no such record in the cache (a first card), this is not tried at all.
    if (!cache || !cache->has_auth_index()) return false;
    if (!first) {
        if (auto selected = detail::select_aid(tx, model, Ap::Jpki); !selected) {
            if (fatal_transport(selected.error().code)) return Unexpected{std::move(selected).error()};
            return false;
        }
        auto read = detail::read_ef_prefix(tx, model, layout::kEfAuthCert, layout::kShortReadChunk, &sfi);
        if (!read) {
            if (fatal_transport(read.error().code)) return Unexpected{std::move(read).error()};
            return false;
        }
        first = std::move(*read);
    }
    const Bytes digest = detail::sha256_of(*first);
    auto text = cache->load_text(cache->auth_index_path(digest), detail::kMaxRecordSize);
    if (!text || !*text) return false;
    auto parsed = detail::parse_record(**text);
    if (!parsed || parsed->insertion || !parsed->auth_prefix || *parsed->auth_prefix != digest || !parsed->has_auth ||
        !is_jpki_ic_card(detail::card_type_for_label(parsed->label)))
        return false;

    Bytes der;
    auto cached = cache->load(parsed->identity, CertKind::Auth);
    if (cached && *cached && matches_card(*first, **cached)) {
        der = std::move(**cached);
    } else {
        // The facts are known but the cached copy is missing or damaged: read the rest now,
        // while EF 000A is the current EF.
        MYNACARD_TRY(Bytes read, detail::read_object(tx, der_object_length, {&try_extended, std::move(*first)}));
        if (!Certificate::from_der(read))
            return Unexpected{Errc::CertificateInvalid, "auth certificate on the card does not parse"};
        der = std::move(read);
    }
    MYNACARD_TRY(auto presence, detail::read_presence(tx, model, &sfi));
    if (!presence.auth) return false;  // EF 0008 disagrees with a readable EF 000A: probed in full
    sfi = sfi && parsed->sfi;
    info.type = detail::card_type_for_label(parsed->label);
    info.token_label = parsed->label;
    info.identity = parsed->identity;
    info.has_sign_certificate = presence.sign;
    info.has_auth_certificate = presence.auth;
    // The PSS probe's answer is kept with the facts. Facts without it (a card that had no
    // signing certificate when it was first met, so the probe waited) get it from our next auth
    // signature (learn_pss_after_signature): a known card is probed with 3 APDUs (issue 9 §4).
    if (parsed->pss) info.pss = *parsed->pss ? SchemeSupport::Yes : SchemeSupport::No;
    auth_index = std::move(**text);
    load_cached_certificates();
    // Keys the insertion record for later sessions, and rewrites these facts if they changed.
    took_certificate(CertKind::Auth, der, true);
    return true;
}

Result<void> CardSession::Impl::probe_card(apdu::Transaction& tx)
{
    // Identity first (Common AP, §1.14): it names the cache entries, which may hold the rest.
    auto common = detail::read_common_identity(tx, model);
    if (!common && fatal_transport(common.error().code)) return Unexpected{std::move(common).error()};
    if (auto selected = detail::select_aid(tx, model, Ap::Jpki); !selected) {
        if (not_found(selected.error()))
            return Unexpected{Errc::NotSupported, "no JPKI application on this card"};
        return selected;
    }
    std::optional<detail::CardRecord> known;
    if (common && cache) {
        auto text = cache->load_text(cache->facts_path(*common), detail::kMaxRecordSize);
        if (text && *text) {
            auto parsed = detail::parse_record(**text);
            if (parsed && parsed->identity.serial == common->serial && parsed->identity.source == common->source &&
                is_jpki_ic_card(detail::card_type_for_label(parsed->label)))
                known = std::move(*parsed);
        }
    }
    if (known) {
        // A card's label never changes. Which certificates are issued can (a card without a
        // signing certificate may receive one later; one may be taken away), so EF 0008 is read
        // in every new insertion (below).
        info.token_label = known->label;
        info.type = detail::card_type_for_label(known->label);
        sfi = known->sfi;
        if (known->pss) info.pss = *known->pss ? SchemeSupport::Yes : SchemeSupport::No;
    } else {
        auto label = detail::read_label(tx, model, &sfi);
        if (!label) {
            if (not_found(label.error()))
                return Unexpected{Errc::NotSupported, "no token EF 0006 in the JPKI application"};
            return Unexpected{std::move(label).error()};
        }
        info.token_label = *label;
        info.type = detail::card_type_for_label(*label);
        if (!is_jpki_ic_card(info.type)) {
            if (label->empty())
                return Unexpected{Errc::NotSupported, "no JPKI application (or no token EF 0006) on this card"};
            return Unexpected{Errc::NotSupported, "token label \"" + *label + "\" (" + to_string(info.type) +
                                                      ") is not a My Number card"};
        }
    }
    {
        MYNACARD_TRY(auto presence, detail::read_presence(tx, model, &sfi));
        info.has_sign_certificate = presence.sign;
        info.has_auth_certificate = presence.auth;
    }
    if (common) {
        info.identity = std::move(*common);
    } else {
        // Fallback (§1.14): derive the identity from the auth certificate, which is read anyway.
        if (!info.has_auth_certificate)
            return Unexpected{Errc::NotSupported, "no Common AP serial and no auth certificate: no card identity"};
        bool suspicious = false;  // the JPKI AP was just selected
        MYNACARD_TRY(Bytes der, read_cert_attempt(tx, CertKind::Auth, &suspicious));
        MYNACARD_TRY(auto cert, Certificate::from_der(der));
        info.identity = detail::identity_from_auth_certificate(cert);
        took_certificate(CertKind::Auth, der, true);  // now that the identity names the cache entry
    }
    MYNACARD_TRY_VOID(learn_pss(tx));
    // The fallback identity took the auth certificate before the probe: its facts now have it.
    if (auto& auth = certs[index_of(CertKind::Auth)]; auth.checked && auth.der) remember_auth_index(*auth.der);
    // Without the Common AP the insertion record was written before the probe (when the auth
    // certificate gave the identity): the probe's answer goes into it too, or the next process
    // of this insertion would neither know nor ask.
    if (record && info.pss != SchemeSupport::Unknown && record->pss != (info.pss == SchemeSupport::Yes)) {
        record->pss = info.pss == SchemeSupport::Yes;
        save_record();
    }
    if (cache) {
        const detail::CardRecord now = facts();
        if (!known || detail::encode_record(*known) != detail::encode_record(now))
            (void)cache->store_text(cache->facts_path(info.identity), detail::encode_record(now));
    }
    return {};
}

Result<void> CardSession::Impl::learn_pss(apdu::Transaction& tx)
{
    // Once per card identity: the answer goes into the card's facts (and insertion records), so
    // a known card is not asked again. Here the JPKI AP is current in this transaction and the
    // probe selects no AP.
    //
    // The probe must never spend a login, ours or another application's: on a card that keeps
    // verification across SELECT (jpki-card.md §1.9, open) and lets a signature use it up (§7,
    // open), a probe that meets a verified key signs and ends that login. So it goes to a key
    // whose PIN the card has just shown unverified, inside this transaction (nobody can verify
    // in between): the sign key, after EF 0001 (the signing certificate) answered READ BINARY
    // with 6982, which it does without the password (§1.3 table, [3+]). The probe then meets
    // 6982 or 6A86 and signs nothing. When that cannot be shown (no signing certificate, as on
    // an under-15 card, or the password is verified now, maybe by another application) the
    // answer waits for our own next auth signature (learn_pss_after_signature).
    if (info.pss != SchemeSupport::Unknown || !model.jpki_confirmed()) return {};
    if (!info.has_sign_certificate) return {};
    apdu::trace::ResponseRedaction personal_data;  // EF 0001 holds the holder's name and address
    auto unverified = detail::read_ef_prefix(tx, model, layout::kEfSignCert, 1, &sfi);
    if (unverified) return {};  // the password is verified: not now
    if (fatal_transport(unverified.error().code)) return Unexpected{std::move(unverified).error()};
    if (unverified.error().code != Errc::SecurityStatusNotSatisfied) return {};
    MYNACARD_TRY(info.pss, detail::probe_pss(tx, model, KeyKind::Sign));
    return {};
}

void CardSession::Impl::learn_pss_after_signature(apdu::Transaction& tx)
{
    // Right after our own auth signature, in the same transaction: the auth key's verification
    // is our own login, or already used up by that signature on a card that does so. The probe
    // either signs the fixed value on our login (dropped; nothing is used up on such a card) or
    // meets 6982 / 6A86; it can spend no other application's login. A failure leaves the answer
    // unknown and never costs the caller the signature already made.
    if (info.pss != SchemeSupport::Unknown || !model.jpki_confirmed()) return;
    auto learnt = detail::probe_pss(tx, model, KeyKind::Auth);
    if (!learnt || *learnt == SchemeSupport::Unknown) return;
    info.pss = *learnt;
    remember_pss();
}

void CardSession::Impl::scheme_refused(SignScheme scheme)
{
    if (scheme != SignScheme::PssSha256) return;
    info.pss = SchemeSupport::No;
    remember_pss();
}

void CardSession::Impl::remember_pss()
{
    if (!cache) return;
    (void)cache->store_text(cache->facts_path(info.identity), detail::encode_record(facts()));
    if (auto& auth = certs[index_of(CertKind::Auth)]; auth.der) remember_auth_index(*auth.der);
    if (record) {
        record->pss = info.pss == SchemeSupport::Yes;
        save_record();
    }
}

Result<void> CardSession::Impl::read_auth_at_open(apdu::Transaction& tx)
{
    // With a cache, the auth certificate's first chunk keys the insertion record, and nearly
    // every use of the card needs the certificate: compare the cached copy (one READ) or read it
    // now, while the JPKI AP is confirmed. Without a cache it is read on first use.
    if (!cache) return {};
    load_cached_certificates();
    if (!info.has_auth_certificate) return {};
    // A full probe in an insertion already recorded (another application changed the selection
    // meanwhile): the record's comparisons still hold when it names this card and auth
    // certificate. Taken before the auth certificate is checked, which then updates it.
    auto stored = stored_record();
    if (!certs[index_of(CertKind::Auth)].checked) {
        auto der = read_cert_in(tx, CertKind::Auth);
        if (!der && fatal_transport(der.error().code)) return Unexpected{std::move(der).error()};
    }
    const auto& auth = certs[index_of(CertKind::Auth)];
    if (stored && auth.checked && auth.der && stored->identity.serial == info.identity.serial &&
        stored->identity.source == info.identity.source &&
        detail::sha256_of(ByteView(auth.der->data(), std::min(auth.der->size(), layout::kShortReadChunk))) ==
            *stored->auth_prefix) {
        stored->checked[index_of(CertKind::Auth)] = record && record->checked[index_of(CertKind::Auth)]
                                                        ? record->checked[index_of(CertKind::Auth)]
                                                        : stored->checked[index_of(CertKind::Auth)];
        stored->has_sign = info.has_sign_certificate;
        stored->has_auth = info.has_auth_certificate;
        adopt_record(std::move(*stored));
        save_record();
    }
    return {};
}

// --- certificates

void CardSession::Impl::load_cached_certificates()
{
    for (CertKind kind : {CertKind::Auth, CertKind::AuthCa, CertKind::SignCa, CertKind::Sign}) {
        if (!cache_allowed(kind) || (kind == CertKind::Sign && !info.has_sign_certificate)) continue;
        if (certs[index_of(kind)].checked) continue;  // read from the card just now
        auto loaded = cache->load(info.identity, kind);
        if (!loaded) {  // CacheInvalid: drop it; read_certificate re-reads and rewrites
            cache->remove(info.identity, kind);
        } else if (*loaded) {
            certs[index_of(kind)] = {std::move(**loaded), false, true};
        }
    }
}

void CardSession::Impl::remember_auth_index(const Bytes& auth_der)
{
    // The facts under the digest of the auth certificate's first chunk, for open_known_card in
    // a later insertion. Written when they change (a first probe, a renewal, EF 0008 changed).
    if (!cache || !is_jpki_ic_card(info.type)) return;
    detail::CardRecord r = facts();
    r.auth_prefix = detail::sha256_of(ByteView(auth_der.data(), std::min(auth_der.size(), layout::kShortReadChunk)));
    std::string text = detail::encode_record(r);
    if (auth_index && *auth_index == text) return;
    if (cache->store_text(cache->auth_index_path(*r.auth_prefix), text)) auth_index = std::move(text);
}

void CardSession::Impl::took_certificate(CertKind kind, const Bytes& der, bool checked_against_card)
{
    auto& slot = certs[index_of(kind)];
    bool cached = slot.from_cache && slot.der && *slot.der == der;
    if (cache_allowed(kind) && !cached) cached = cache->store(info.identity, kind, der).has_value();
    slot = {der, checked_against_card, cached};
    if (kind == CertKind::Auth || kind == CertKind::Sign) {
        keys[index_of(kind == CertKind::Auth ? KeyKind::Auth : KeyKind::Sign)] = detail::public_key_of_certificate(der);
    }
    if (!checked_against_card) return;
    if (kind == CertKind::Auth) remember_auth_index(der);
    // Remember the comparison for other processes meeting this insertion.
    if (const auto key = insertion_key(); key && cache) {
        if (!record || !record->insertion || !(*record->insertion == *key) ||
            record->identity.serial != info.identity.serial) {
            record = facts();
            record->insertion = *key;
        }
        record->sfi = sfi;
        if (kind == CertKind::Auth) {
            const std::size_t n = std::min(der.size(), layout::kShortReadChunk);
            record->auth_prefix = detail::sha256_of(ByteView(der.data(), n));
        }
        if (cached) record->checked[index_of(kind)] = kind == CertKind::Sign ? Bytes{} : detail::sha256_of(der);
        save_record();
    }
}

Result<Bytes> CardSession::Impl::read_cert_attempt(apdu::Transaction& tx, CertKind kind, bool* suspicious)
{
    auto& slot = certs[index_of(kind)];
    // The signing certificate carries the holder's name, address, birth date and sex
    // (jpki-card.md §2): its bytes stay out of the APDU trace.
    std::optional<apdu::trace::ResponseRedaction> personal_data;
    if (kind == CertKind::Sign) personal_data.emplace();
    auto first = detail::read_ef_prefix(tx, model, layout::cert_ef(kind), layout::kShortReadChunk, &sfi);
    if (!first) {
        if (first.error().code == Errc::SecurityStatusNotSatisfied) {
            if (kind == CertKind::Sign) model.forget_login(KeyKind::Sign);
            return Error(Errc::NotLoggedIn, 0x6982,
                         std::string(to_string(kind)) + " certificate needs the password verified");
        }
        if (not_found(first.error())) {
            *suspicious = true;
            return Unexpected{Errc::NoSuchKey, std::string(to_string(kind)) + " certificate is not on this card"};
        }
        return Unexpected{std::move(first).error()};
    }
    if (slot.der && matches_card(*first, *slot.der)) {
        model.confirmed(Ap::Jpki);
        return *slot.der;
    }
    // Different from the cache (a renewed certificate), or nothing to compare with.
    if (!model.jpki_confirmed()) *suspicious = true;
    MYNACARD_TRY(Bytes der, detail::read_object(tx, der_object_length, {&try_extended, std::move(*first)}));
    if (!Certificate::from_der(der)) {
        *suspicious = true;
        return Unexpected{Errc::CertificateInvalid, std::string(to_string(kind)) + " certificate on the card does not parse"};
    }
    // A CA certificate read on the belief alone is proven by the card's leaf it issued.
    if (kind == CertKind::AuthCa && *suspicious) {
        const auto& auth = certs[index_of(CertKind::Auth)];
        if (auth.der && auth.checked && issued_by(*auth.der, der)) {
            *suspicious = false;
            model.confirmed(Ap::Jpki);
        }
    }
    return der;
}

Result<Bytes> CardSession::Impl::read_cert_in(apdu::Transaction& tx, CertKind kind)
{
    auto& slot = certs[index_of(kind)];
    // A cached copy can be checked on the belief (a match proves the AP); so can the auth CA
    // once the auth certificate is known. Anything else is read only from a confirmed AP.
    const bool checkable = (slot.der && slot.from_cache) || kind == CertKind::AuthCa;
    MYNACARD_TRY_VOID(ensure_jpki(tx, checkable ? Need::Believed : Need::Confirmed));
    bool suspicious = false;
    auto der = read_cert_attempt(tx, kind, &suspicious);
    if (suspicious && !model.jpki_confirmed() && (der || !fatal_transport(der.error().code))) {
        // The answer does not prove the JPKI AP: confirm it (or select it) and read again.
        MYNACARD_TRY_VOID(ensure_jpki(tx, Need::Confirmed));
        suspicious = false;
        der = read_cert_attempt(tx, kind, &suspicious);
    }
    if (!der) return der;
    took_certificate(kind, *der, true);
    return der;
}

Result<Bytes> CardSession::Impl::read_from_card(CertKind kind)
{
    return transact([&](apdu::Transaction& tx) { return read_cert_in(tx, kind); });
}

Result<Bytes> CardSession::Impl::read_certificate(CertKind kind)
{
    if ((kind == CertKind::Sign && !info.has_sign_certificate) || (kind == CertKind::Auth && !info.has_auth_certificate))
        return Unexpected{Errc::NoSuchKey, std::string(to_string(kind)) + " certificate is not issued on this card"};
    auto& slot = certs[index_of(kind)];
    if (kind != CertKind::Sign) {
        if (slot.der && slot.checked) return *slot.der;
        return read_from_card(kind);
    }
    if (logged_in(KeyKind::Sign)) {
        if (slot.der && slot.checked) return *slot.der;
        return read_from_card(kind);
    }
    // Before the password the card shows nothing of EF 0001 (§1.4), so a renewed signing
    // certificate (a house move) cannot be told from the cached one: serve the cached copy only
    // when a session compared it with the card after a password in this insertion.
    if (slot.der && slot.from_cache && record && record->checked[index_of(CertKind::Sign)]) return *slot.der;
    return Unexpected{Errc::NotLoggedIn, "the signing certificate needs the sign password verified first"};
}

// --- signing

Result<detail::PublicKey> CardSession::Impl::key_for(apdu::Transaction& tx, KeyKind key)
{
    if (auto& k = keys[index_of(key)]; k) return k;
    const CertKind kind = cert_for(key);
    auto& slot = certs[index_of(kind)];
    Bytes der;
    if (slot.der && slot.checked) {
        der = *slot.der;
    } else {
        MYNACARD_TRY(Bytes read, read_cert_in(tx, kind));
        der = std::move(read);
    }
    auto pub = detail::public_key_of_certificate(der);
    if (!pub) return Unexpected{Errc::CertificateInvalid, std::string(to_string(kind)) + " certificate has no usable public key"};
    keys[index_of(key)] = pub;
    return pub;
}

Result<Bytes> CardSession::Impl::sign_in(apdu::Transaction& tx, KeyKind key, ByteView input, SignScheme scheme)
{
    // The key to check the answer with comes first: with a card whose verification is used up
    // by a signature, a signature we could not check would be a login spent for nothing.
    MYNACARD_TRY(detail::PublicKey pub, key_for(tx, key));
    // No SELECT by AID between the VERIFY and its use: if we no longer believe the JPKI AP is
    // current, the verification may have ended with whatever changed the selection.
    if (model.ap() != Ap::Jpki) model.forget_login(key);
    if (!model.logged_in(key))
        return Error(Errc::NotLoggedIn, std::string(to_string(key)) + " key: the verification may have ended");
    auto signature = detail::compute_signature(tx, model, key, input, scheme);
    if (!signature) {
        if (signature.error().code == Errc::SchemeNotSupported) scheme_refused(scheme);
        if (not_found(signature.error())) {
            if (!model.jpki_confirmed()) {
                // EF 0008 says the key is issued: the JPKI AP is not current, so another
                // application selected another AP since our VERIFY (which, on a card that ends
                // verification on SELECT, ended it). Not re-selected here: the login is gone.
                model.forget_login(key);
                model.ap_unknown();
                return Error(Errc::NotLoggedIn, kSwFileNotFound,
                             std::string(to_string(key)) + " key: another application changed the card's selection");
            }
            return Unexpected{Errc::NoSuchKey, std::string(to_string(key)) + " key is not issued on this card"};
        }
        return signature;
    }
    auto checked = scheme == SignScheme::PssSha256 ? detail::check_pss_signature(pub.get(), input, *signature)
                                                   : detail::check_pkcs1_signature(pub.get(), input, *signature);
    if (!checked) {
        // Never handed out. Without a confirmed AP the card may have used another AP's key EF.
        if (!model.jpki_confirmed()) model.ap_unknown();
        return Unexpected{std::move(checked).error()};
    }
    model.confirmed(Ap::Jpki);  // only the JPKI AP holds this key
    // On a card that has shown that a signature uses up the verification (card_model.hpp),
    // this ends the login: logged_in() says so before the next signature meets 69 82.
    model.signed_with(key);
    if (key == KeyKind::Auth) learn_pss_after_signature(tx);
    return signature;
}

Result<void> CardSession::Impl::check_sign_input(KeyKind key, ByteView digest_info, SignScheme scheme) const
{
    if (scheme == SignScheme::PssSha256) {
        if (info.pss != SchemeSupport::Yes)
            return Unexpected{Errc::SchemeNotSupported, "this card does not sign RSASSA-PSS"};
        if (digest_info.size() != 32)
            return Unexpected{Errc::InvalidArgument, "RSASSA-PSS (P1=04) signs a 32-byte SHA-256 hash"};
    }
    if (digest_info.empty()) return Unexpected{Errc::InvalidArgument, "nothing to sign"};
    if (digest_info.size() > kMaxSignInput)
        return Unexpected{Errc::DataTooLong, "signature input is " + std::to_string(digest_info.size()) +
                                                 " bytes; RSA-2048 PKCS#1 v1.5 takes at most 245"};
    if ((key == KeyKind::Sign && !info.has_sign_certificate) || (key == KeyKind::Auth && !info.has_auth_certificate))
        return Unexpected{Errc::NoSuchKey, std::string(to_string(key)) + " key is not issued on this card"};
    return {};
}

Result<void> CardSession::Impl::check_pin_exists(PinKind kind) const
{
    if ((kind == PinKind::Sign && !info.has_sign_certificate) || (kind == PinKind::Auth && !info.has_auth_certificate))
        return Unexpected{Errc::NoSuchKey, std::string(to_string(kind)) + " PIN: that key is not issued on this card"};
    return {};
}

Result<void> CardSession::Impl::enter_ap_for(apdu::Transaction& tx, PinKind kind)
{
    if (kind != PinKind::Kenhojo) return ensure_jpki(tx, Need::Confirmed);
    // Selecting the Kenhojo AP may end the JPKI logins (jpki-card.md §7); the model forgets
    // them, so the tokens show them gone instead of meeting a silent 6982 later.
    if (model.ap_confirmed() && model.ap() == Ap::Kenhojo) return {};
    return detail::select_aid(tx, model, Ap::Kenhojo);
}

void CardSession::Impl::leave_kenhojo(apdu::Transaction& tx)
{
    // Back to the JPKI AP: on a card that ends verification on SELECT this also ends the Kenhojo
    // PIN's, so no other program can read the Kenhojo AP on our VERIFY.
    (void)detail::select_aid(tx, model, Ap::Jpki);
}

// --- public API

Result<CardType> detect_card(apdu::Transport& transport, std::string* label)
{
    MYNACARD_TRY(auto tx, apdu::Transaction::begin(transport));
    detail::CardModel model;
    bool sfi = true;
    MYNACARD_TRY(auto probe, detail::probe(tx, model, &sfi));
    if (label) *label = probe.label;
    return probe.type;
}

Result<CardSession> CardSession::open(std::unique_ptr<apdu::Transport> transport, SessionOptions options)
{
    if (!transport) return Unexpected{Errc::InvalidArgument, "no transport"};
    auto impl = std::make_unique<Impl>();
    impl->try_extended = options.allow_extended_length && transport->extended_length();
    if (options.cache.enabled) {
        auto dir = options.cache.directory ? options.cache.directory : detail::CertCache::default_directory();
        if (dir) impl->cache.emplace(*dir);
    }
    impl->transport = std::move(transport);
    impl->options = std::move(options);
    Impl& self = *impl;
    MYNACARD_TRY_VOID(self.transact([&](apdu::Transaction& tx) { return self.open_card(tx); }));
    return CardSession(std::move(impl));
}

CardSession::CardSession(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
CardSession::CardSession(CardSession&&) noexcept = default;
CardSession& CardSession::operator=(CardSession&&) noexcept = default;
CardSession::~CardSession() = default;

const CardInfo& CardSession::info() const noexcept { return m_impl->info; }
apdu::Transport& CardSession::transport() noexcept { return *m_impl->transport; }
std::uint64_t CardSession::apdu_count() const noexcept { return m_impl->apdus; }
bool CardSession::logged_in(KeyKind key) const noexcept { return m_impl->logged_in(key); }

Result<Bytes> CardSession::read_certificate(CertKind kind) { return m_impl->read_certificate(kind); }

Result<Certificate> CardSession::certificate(CertKind kind)
{
    MYNACARD_TRY(Bytes der, m_impl->read_certificate(kind));
    return Certificate::from_der(der);
}

Result<PinStatus> CardSession::pin_status(PinKind kind, bool reuse_known)
{
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_pin_exists(kind));
    if (reuse_known && self.model.epoch() == self.transport->reset_epoch()) {
        if (auto known = self.model.known(kind, self.options.pin_status_reuse)) return *known;
    }
    return self.transact([&](apdu::Transaction& tx) -> Result<PinStatus> {
        MYNACARD_TRY_VOID(self.enter_ap_for(tx, kind));
        // No PIN was sent, so nothing of ours to end in the Kenhojo AP: it stays selected, and the
        // next program that opens the card sees another AP current (nobody can still be logged in
        // to the JPKI AP on a card that ends verification on SELECT; CardInfo::others_may_be_logged_in).
        return detail::query_pin(tx, self.model, kind);
    });
}

Result<void> CardSession::verify_pin(PinKind kind, SecureBytes typed, const VerifyOptions& options)
{
    MYNACARD_TRY(SecureBytes pin, normalize_pin(kind, view(typed)));
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_pin_exists(kind));
    return self.transact([&](apdu::Transaction& tx) -> Result<void> {
        MYNACARD_TRY_VOID(self.enter_ap_for(tx, kind));
        auto verified = detail::verify_pin(tx, self.model, kind, pin, options);
        if (kind == PinKind::Kenhojo) self.leave_kenhojo(tx);
        return verified;
    });
}

Result<void> CardSession::change_pin(PinKind kind, SecureBytes old_typed, SecureBytes new_typed,
                                     const VerifyOptions& options)
{
    MYNACARD_TRY(SecureBytes old_pin, normalize_pin(kind, view(old_typed)));
    MYNACARD_TRY(SecureBytes new_pin, normalize_pin(kind, view(new_typed), true));
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_pin_exists(kind));
    return self.transact([&](apdu::Transaction& tx) -> Result<void> {
        MYNACARD_TRY_VOID(self.enter_ap_for(tx, kind));
        auto changed = [&]() -> Result<void> {
            MYNACARD_TRY_VOID(detail::verify_pin(tx, self.model, kind, old_pin, options));
            return detail::change_reference_data(tx, self.model, kind, new_pin);
        }();
        if (kind == PinKind::Kenhojo) self.leave_kenhojo(tx);
        return changed;
    });
}

Result<Bytes> CardSession::sign(KeyKind key, ByteView digest_info, SignScheme scheme)
{
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_sign_input(key, digest_info, scheme));
    const auto not_logged_in = [key] {
        return Error(Errc::NotLoggedIn, std::string(to_string(key)) +
                                            " key: PIN not verified in this session (or the card was reset since)");
    };
    if (!self.logged_in(key)) return not_logged_in();
    auto signature = self.transact([&](apdu::Transaction& tx) -> Result<Bytes> {
        // begin_transaction reconnects after a reset it sees: the login is gone then (§1.9),
        // and the PIN is never re-sent behind the caller's back.
        if (!self.logged_in(key)) return not_logged_in();
        return self.sign_in(tx, key, digest_info, scheme);
    });
    if (!signature && signature.error().code == Errc::CardReset) return not_logged_in();
    return signature;
}

Result<Bytes> CardSession::sign_with_pin(KeyKind key, SecureBytes typed, ByteView digest_info,
                                         const VerifyOptions& options, SignScheme scheme)
{
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_sign_input(key, digest_info, scheme));
    const PinKind kind = pin_for(key);
    MYNACARD_TRY(SecureBytes pin, normalize_pin(kind, view(typed)));
    return self.transact([&](apdu::Transaction& tx) -> Result<Bytes> {
        MYNACARD_TRY_VOID(self.ensure_jpki(tx, Impl::Need::Confirmed));
        // The auth certificate is known from open(); the signing certificate needs the password.
        if (key == KeyKind::Auth) MYNACARD_TRY_VOID(self.key_for(tx, key));
        MYNACARD_TRY_VOID(detail::verify_pin(tx, self.model, kind, pin, options));
        return self.sign_in(tx, key, digest_info, scheme);
    });
}

Result<void> CardSession::logout()
{
    Impl& self = *m_impl;
    self.model.forget_logins();
    self.drop_sign_certificate();
    // The card keeps VERIFY state until power is removed (§1.9): re-SELECT is not a logout.
    auto done = self.transport->reset(apdu::Disposition::Unpower);
    self.model.reset(self.transport->reset_epoch());
    if (done) {
        // Right after a power cycle nobody holds a verification, so a SELECT now disturbs no
        // one, and the next session (this process's or another's) finds the JPKI AP selected:
        // confirmed with one READ BINARY instead of a failed read, a SELECT and a read.
        (void)self.transact([&](apdu::Transaction& tx) { return detail::select_aid(tx, self.model, Ap::Jpki); });
    }
    return done;
}

Result<KenhojoData> CardSession::read_kenhojo(SecureBytes typed, const VerifyOptions& options)
{
    MYNACARD_TRY(SecureBytes pin, normalize_pin(PinKind::Kenhojo, view(typed)));
    Impl& self = *m_impl;
    SecureBytes number_raw, attributes_raw;  // personal data: wiped when freed
    const apdu::trace::ResponseRedaction personal_data;  // and never in the APDU trace
    auto done = self.transact([&](apdu::Transaction& tx) -> Result<void> {
        MYNACARD_TRY_VOID(self.enter_ap_for(tx, PinKind::Kenhojo));
        auto read = [&]() -> Result<void> {
            MYNACARD_TRY_VOID(detail::verify_pin(tx, self.model, PinKind::Kenhojo, pin, options));
            MYNACARD_TRY_VOID(detail::select_ef(tx, self.model, layout::kEfKenhojoMyNumber));
            MYNACARD_TRY(Bytes number, detail::read_object(tx, detail::tlv_object_length, {&self.try_extended, {}}));
            number_raw.assign(number.begin(), number.end());
            secure_wipe(number.data(), number.size());
            MYNACARD_TRY_VOID(detail::select_ef(tx, self.model, layout::kEfKenhojoAttributes));
            MYNACARD_TRY(Bytes attrs, detail::read_object(tx, detail::tlv_object_length, {&self.try_extended, {}}));
            attributes_raw.assign(attrs.begin(), attrs.end());
            secure_wipe(attrs.data(), attrs.size());
            return {};
        }();
        self.leave_kenhojo(tx);
        return read;
    });
    if (!done) return Unexpected{std::move(done).error()};
    KenhojoData data;
    MYNACARD_TRY(data.my_number, parse_my_number(view(number_raw)));
    MYNACARD_TRY(data.attributes, parse_kenhojo_attributes(view(attributes_raw)));
    return data;
}

}  // namespace mynacard::jpki
