// CardSession: one My Number card behind an apdu::Transport. Every public call that talks to the
// card runs in one transaction and starts by selecting the application it needs: between our
// transactions another process sharing the reader may have selected a different AP.
//
// Certificate cache binding (issue 3 "checked against the card cheaply before it is used"):
//  - the identity read at open() (Common AP serial, §1.14) picks the cache entries, so another
//    card never even looks at this card's files;
//  - then, in the same open() transaction, right after the JPKI AP is re-selected, every cached
//    public certificate is compared with the first READ BINARY chunk of its EF (SELECT EF + one
//    READ = 2 APDUs each). The first 256 bytes of a certificate hold its serial number and
//    issuer name, which identify it uniquely, and the DER header there gives its total length,
//    so a renewed certificate (same card, new certificate: cert renewal or a new signing
//    certificate after moving house) is caught, which a signature check against the cached CA
//    would miss. Entries that differ are deleted and read in full on demand.
//  - The signing certificate (opt-in, holds personal data) cannot be read before the password
//    is verified, so a cached copy is served before login only if it verifies under the
//    card-checked signing CA; once the password is verified it is compared with the card too.
#include "mynacard/jpki/card.hpp"

#include <array>

#include <openssl/x509.h>

#include "card_io.hpp"
#include "card_probe.hpp"
#include "cert_cache.hpp"
#include "layout.hpp"
#include "mynacard/apdu/trace.hpp"
#include "mynacard/jpki/digest.hpp"
#include "mynacard/jpki/pin.hpp"

namespace mynacard::jpki {
namespace {

constexpr std::size_t index_of(KeyKind k) noexcept { return k == KeyKind::Auth ? 0 : 1; }
constexpr std::size_t index_of(CertKind k) noexcept { return static_cast<std::size_t>(k); }
constexpr std::array<CertKind, 3> kPublicCerts{CertKind::Auth, CertKind::AuthCa, CertKind::SignCa};

bool fatal_transport(Errc code)
{
    return code == Errc::NoService || code == Errc::NoReader || code == Errc::CardAbsent ||
           code == Errc::CardRemoved || code == Errc::Cancelled;
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

}  // namespace

struct CardSession::Impl {
    struct CertSlot {
        std::optional<Bytes> der;
        bool checked = false;     ///< compared with or read from this card in this session
        bool from_cache = false;
    };

    std::unique_ptr<apdu::Transport> transport;
    SessionOptions options;
    CardInfo info;
    std::optional<detail::CertCache> cache;
    std::array<std::optional<std::uint64_t>, 2> login_epoch;
    std::array<CertSlot, 4> certs;
    bool try_extended = false;
    std::uint64_t apdus = 0;

    template <typename F>
    auto transact(F&& body) -> decltype(body(std::declval<apdu::Transaction&>()))
    {
        auto tx = apdu::Transaction::begin(*transport);
        if (!tx) return Unexpected{std::move(tx).error()};
        const std::uint64_t epoch = transport->reset_epoch();
        auto result = body(*tx);
        apdus += tx->apdu_count();
        if (transport->reset_epoch() != epoch) {
            // The card was reset (or pulled and put back) inside our transaction: its selection
            // and security state are gone, so a failure after that point says nothing about the
            // card itself (e.g. 6A82 from a SELECT EF with no AP selected).
            forget_logins();
            if (!result && !fatal_transport(result.error().code))
                return Error(Errc::CardReset, "the card was reset during the operation");
        }
        if (!result && result.error().code == Errc::CardReset) forget_logins();
        return result;
    }

    bool logged_in(KeyKind k) const noexcept
    {
        const auto& epoch = login_epoch[index_of(k)];
        return epoch && *epoch == transport->reset_epoch();
    }
    void remember_login(KeyKind k, std::uint64_t epoch) { login_epoch[index_of(k)] = epoch; }
    void forget_login(KeyKind k) { login_epoch[index_of(k)].reset(); }
    void forget_logins()
    {
        login_epoch = {};
        auto& sign = certs[index_of(CertKind::Sign)];
        if (!sign.from_cache) sign = {};  // read with the password: not kept beyond the login
    }

    bool cache_allowed(CertKind kind) const
    {
        return cache && (kind != CertKind::Sign || options.cache.include_sign_certificate);
    }

    Result<void> open_card(apdu::Transaction& tx);
    Result<void> establish_identity(apdu::Transaction& tx);
    Result<void> check_cached_certificates(apdu::Transaction& tx);
    Result<Bytes> read_from_card(CertKind kind);
    Result<Bytes> read_certificate(CertKind kind);
    bool sign_cache_usable(const Bytes& der);
    Result<void> check_sign_input(KeyKind key, ByteView digest_info) const;
    /// NoSuchKey for the PIN of a key the card does not have (sign password on an under-15 card).
    Result<void> check_pin_exists(PinKind kind) const;
};

Result<void> CardSession::Impl::open_card(apdu::Transaction& tx)
{
    MYNACARD_TRY(auto probe, detail::probe(tx));
    info.type = probe.type;
    info.token_label = probe.label;
    if (probe.type != CardType::MyNumberCard) {
        if (probe.label.empty())
            return Unexpected{Errc::NotSupported, "no JPKI application (or no token EF 0006) on this card"};
        return Unexpected{Errc::NotSupported, "token label \"" + probe.label + "\" (" +
                                                  to_string(probe.type) + ") is not a My Number card"};
    }
    MYNACARD_TRY(auto presence, detail::read_presence(tx));
    info.has_sign_certificate = presence.sign;
    info.has_auth_certificate = presence.auth;
    MYNACARD_TRY_VOID(establish_identity(tx));
    return check_cached_certificates(tx);
}

Result<void> CardSession::Impl::establish_identity(apdu::Transaction& tx)
{
    auto common = detail::read_common_identity(tx);
    if (!common && fatal_transport(common.error().code)) return Unexpected{std::move(common).error()};
    // Back to the JPKI AP: everything after open() expects it, as does other software sharing
    // the card.
    MYNACARD_TRY_VOID(detail::select_aid(tx, layout::kJpkiAid, "JPKI AP"));
    if (common) {
        info.identity = std::move(*common);
        return {};
    }
    // Fallback (§1.14): derive the identity from the auth certificate, which is read anyway.
    if (!info.has_auth_certificate)
        return Unexpected{Errc::NotSupported, "no Common AP serial and no auth certificate: no card identity"};
    MYNACARD_TRY_VOID(detail::select_ef(tx, layout::kEfAuthCert));
    MYNACARD_TRY(Bytes der, detail::read_object(tx, der_object_length, {&try_extended, {}}));
    MYNACARD_TRY(auto cert, Certificate::from_der(der));
    info.identity = detail::identity_from_auth_certificate(cert);
    certs[index_of(CertKind::Auth)] = {std::move(der), true, false};
    return {};
}

Result<void> CardSession::Impl::check_cached_certificates(apdu::Transaction& tx)
{
    if (!cache) return {};
    for (CertKind kind : kPublicCerts) {
        auto& slot = certs[index_of(kind)];
        if (slot.der) continue;
        auto loaded = cache->load(info.identity, kind);
        if (!loaded) {  // CacheInvalid: drop it; read_certificate re-reads and rewrites
            cache->remove(info.identity, kind);
            continue;
        }
        if (!*loaded) continue;
        Bytes& cached = **loaded;
        auto selected = detail::select_ef(tx, layout::cert_ef(kind));
        if (!selected && fatal_transport(selected.error().code)) return Unexpected{std::move(selected).error()};
        Result<Bytes> first = selected ? detail::read_first_chunk(tx) : Result<Bytes>(selected.error());
        if (!first && fatal_transport(first.error().code)) return Unexpected{std::move(first).error()};
        if (first && matches_card(*first, cached)) {
            slot = {std::move(cached), true, true};
        } else {
            cache->remove(info.identity, kind);
        }
    }
    if (options.cache.include_sign_certificate && info.has_sign_certificate) {
        auto loaded = cache->load(info.identity, CertKind::Sign);
        if (!loaded) {
            cache->remove(info.identity, CertKind::Sign);
        } else if (*loaded) {
            certs[index_of(CertKind::Sign)] = {std::move(**loaded), false, true};
        }
    }
    return {};
}

Result<Bytes> CardSession::Impl::read_from_card(CertKind kind)
{
    auto& slot = certs[index_of(kind)];
    // The signing certificate carries the holder's name, address, birth date and sex
    // (jpki-card.md §2): its bytes stay out of the APDU trace.
    std::optional<apdu::trace::ResponseRedaction> personal_data;
    if (kind == CertKind::Sign) personal_data.emplace();
    MYNACARD_TRY(Bytes der, transact([&](apdu::Transaction& tx) -> Result<Bytes> {
        MYNACARD_TRY_VOID(detail::select_aid(tx, layout::kJpkiAid, "JPKI AP"));
        if (auto selected = detail::select_ef(tx, layout::cert_ef(kind)); !selected) {
            if (selected.error().code == Errc::FileNotFound)
                return Unexpected{Errc::NoSuchKey, std::string(to_string(kind)) + " certificate is not on this card"};
            return Unexpected{std::move(selected).error()};
        }
        auto first = detail::read_first_chunk(tx);
        if (!first) {
            if (first.error().code == Errc::SecurityStatusNotSatisfied) {
                if (kind == CertKind::Sign) forget_login(KeyKind::Sign);
                return Error(Errc::NotLoggedIn, 0x6982,
                             std::string(to_string(kind)) + " certificate needs the password verified");
            }
            return Unexpected{std::move(first).error()};
        }
        if (slot.der && matches_card(*first, *slot.der)) return *slot.der;
        return detail::read_object(tx, der_object_length, {&try_extended, std::move(*first)});
    }));
    if (!Certificate::from_der(der))
        return Unexpected{Errc::CertificateInvalid, std::string(to_string(kind)) + " certificate on the card does not parse"};
    const bool was_cached = slot.from_cache && slot.der && *slot.der == der;
    if (cache_allowed(kind) && !was_cached) (void)cache->store(info.identity, kind, der);
    slot = {der, true, was_cached};
    return der;
}

bool CardSession::Impl::sign_cache_usable(const Bytes& der)
{
    auto ca_der = read_certificate(CertKind::SignCa);
    if (!ca_der) return false;
    auto cert = Certificate::from_der(der);
    auto ca = Certificate::from_der(*ca_der);
    if (!cert || !ca) return false;
    EVP_PKEY* ca_key = X509_get0_pubkey(ca->native());
    return ca_key && X509_verify(cert->native(), ca_key) == 1 && cert->not_after() > std::time(nullptr);
}

Result<Bytes> CardSession::Impl::read_certificate(CertKind kind)
{
    if ((kind == CertKind::Sign && !info.has_sign_certificate) || (kind == CertKind::Auth && !info.has_auth_certificate))
        return Unexpected{Errc::NoSuchKey, std::string(to_string(kind)) + " certificate is not issued on this card"};
    auto& slot = certs[index_of(kind)];
    if (kind != CertKind::Sign) {
        if (slot.der) return *slot.der;
        return read_from_card(kind);
    }
    if (logged_in(KeyKind::Sign)) {
        if (slot.der && slot.checked) return *slot.der;
        return read_from_card(kind);
    }
    if (slot.der && slot.from_cache) {
        Bytes der = *slot.der;
        if (sign_cache_usable(der)) return der;
    }
    return Unexpected{Errc::NotLoggedIn, "the signing certificate needs the sign password verified first"};
}

Result<void> CardSession::Impl::check_sign_input(KeyKind key, ByteView digest_info) const
{
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

// --- public API

Result<CardType> detect_card(apdu::Transport& transport, std::string* label)
{
    MYNACARD_TRY(auto tx, apdu::Transaction::begin(transport));
    MYNACARD_TRY(auto probe, detail::probe(tx));
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

Result<PinStatus> CardSession::pin_status(PinKind kind)
{
    const auto where = layout::pin_location(kind);
    MYNACARD_TRY_VOID(m_impl->check_pin_exists(kind));
    return m_impl->transact([&](apdu::Transaction& tx) -> Result<PinStatus> {
        MYNACARD_TRY_VOID(detail::select_aid(tx, *where.aid, kind == PinKind::Kenhojo ? "Kenhojo AP" : "JPKI AP"));
        auto status = detail::query_pin(tx, kind);
        if (kind == PinKind::Kenhojo) (void)detail::select_aid(tx, layout::kJpkiAid, "JPKI AP");
        return status;
    });
}

Result<void> CardSession::verify_pin(PinKind kind, SecureBytes typed, const VerifyOptions& options)
{
    MYNACARD_TRY(SecureBytes pin, normalize_pin(kind, view(typed)));
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_pin_exists(kind));
    return self.transact([&](apdu::Transaction& tx) -> Result<void> {
        const auto where = layout::pin_location(kind);
        MYNACARD_TRY_VOID(detail::select_aid(tx, *where.aid, kind == PinKind::Kenhojo ? "Kenhojo AP" : "JPKI AP"));
        auto verified = detail::verify_pin(tx, kind, pin, options);
        const std::uint64_t epoch = tx.transport().reset_epoch();
        if (kind == PinKind::Kenhojo) {
            (void)detail::select_aid(tx, layout::kJpkiAid, "JPKI AP");
            return verified;
        }
        const KeyKind key = kind == PinKind::Auth ? KeyKind::Auth : KeyKind::Sign;
        if (verified) {
            self.remember_login(key, epoch);
        } else {
            self.forget_login(key);
        }
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
        const auto where = layout::pin_location(kind);
        MYNACARD_TRY_VOID(detail::select_aid(tx, *where.aid, kind == PinKind::Kenhojo ? "Kenhojo AP" : "JPKI AP"));
        auto changed = [&]() -> Result<void> {
            MYNACARD_TRY_VOID(detail::verify_pin(tx, kind, old_pin, options));
            const std::uint64_t epoch = tx.transport().reset_epoch();
            if (kind != PinKind::Kenhojo) self.remember_login(kind == PinKind::Auth ? KeyKind::Auth : KeyKind::Sign, epoch);
            return detail::change_reference_data(tx, kind, new_pin);
        }();
        if (!changed && kind != PinKind::Kenhojo &&
            (changed.error().code == Errc::PinIncorrect || changed.error().code == Errc::PinLocked))
            self.forget_login(kind == PinKind::Auth ? KeyKind::Auth : KeyKind::Sign);
        if (kind == PinKind::Kenhojo) (void)detail::select_aid(tx, layout::kJpkiAid, "JPKI AP");
        return changed;
    });
}

Result<Bytes> CardSession::sign(KeyKind key, ByteView digest_info)
{
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_sign_input(key, digest_info));
    const auto not_logged_in = [key] {
        return Error(Errc::NotLoggedIn, std::string(to_string(key)) +
                                            " key: PIN not verified in this session (or the card was reset since)");
    };
    if (!self.logged_in(key)) return not_logged_in();
    auto signature = self.transact([&](apdu::Transaction& tx) -> Result<Bytes> {
        // begin_transaction reconnects after a reset it sees: the login is gone then (§1.9),
        // and the PIN is never re-sent behind the caller's back.
        if (!self.logged_in(key)) return not_logged_in();
        MYNACARD_TRY_VOID(detail::select_aid(tx, layout::kJpkiAid, "JPKI AP"));
        return detail::compute_signature(tx, key, digest_info);
    });
    if (!signature) {
        const Errc code = signature.error().code;
        if (code == Errc::NotLoggedIn) self.forget_login(key);
        if (code == Errc::CardReset) return not_logged_in();
    }
    return signature;
}

Result<Bytes> CardSession::sign_with_pin(KeyKind key, SecureBytes typed, ByteView digest_info,
                                         const VerifyOptions& options)
{
    Impl& self = *m_impl;
    MYNACARD_TRY_VOID(self.check_sign_input(key, digest_info));
    const PinKind kind = pin_for(key);
    MYNACARD_TRY(SecureBytes pin, normalize_pin(kind, view(typed)));
    return self.transact([&](apdu::Transaction& tx) -> Result<Bytes> {
        MYNACARD_TRY_VOID(detail::select_aid(tx, layout::kJpkiAid, "JPKI AP"));
        if (auto verified = detail::verify_pin(tx, kind, pin, options); !verified) {
            self.forget_login(key);
            return Unexpected{std::move(verified).error()};
        }
        self.remember_login(key, tx.transport().reset_epoch());
        auto signature = detail::compute_signature(tx, key, digest_info);
        if (!signature && signature.error().code == Errc::NotLoggedIn) self.forget_login(key);
        return signature;
    });
}

Result<void> CardSession::logout()
{
    m_impl->forget_logins();
    // The card keeps VERIFY state until power is removed (§1.9): re-SELECT is not a logout.
    return m_impl->transport->reset(apdu::Disposition::Unpower);
}

Result<KenhojoData> CardSession::read_kenhojo(SecureBytes typed, const VerifyOptions& options)
{
    MYNACARD_TRY(SecureBytes pin, normalize_pin(PinKind::Kenhojo, view(typed)));
    Impl& self = *m_impl;
    SecureBytes number_raw, attributes_raw;  // personal data: wiped when freed
    const apdu::trace::ResponseRedaction personal_data;  // and never in the APDU trace
    auto done = self.transact([&](apdu::Transaction& tx) -> Result<void> {
        MYNACARD_TRY_VOID(detail::select_aid(tx, layout::kKenhojoAid, "Kenhojo AP"));
        auto read = [&]() -> Result<void> {
            MYNACARD_TRY_VOID(detail::verify_pin(tx, PinKind::Kenhojo, pin, options));
            MYNACARD_TRY_VOID(detail::select_ef(tx, layout::kEfKenhojoMyNumber));
            MYNACARD_TRY(Bytes number, detail::read_object(tx, detail::tlv_object_length, {&self.try_extended, {}}));
            number_raw.assign(number.begin(), number.end());
            secure_wipe(number.data(), number.size());
            MYNACARD_TRY_VOID(detail::select_ef(tx, layout::kEfKenhojoAttributes));
            MYNACARD_TRY(Bytes attrs, detail::read_object(tx, detail::tlv_object_length, {&self.try_extended, {}}));
            attributes_raw.assign(attrs.begin(), attrs.end());
            secure_wipe(attrs.data(), attrs.size());
            return {};
        }();
        (void)detail::select_aid(tx, layout::kJpkiAid, "JPKI AP");
        return read;
    });
    if (!done) return Unexpected{std::move(done).error()};
    KenhojoData data;
    MYNACARD_TRY(data.my_number, parse_my_number(view(number_raw)));
    MYNACARD_TRY(data.attributes, parse_kenhojo_attributes(view(attributes_raw)));
    return data;
}

}  // namespace mynacard::jpki
