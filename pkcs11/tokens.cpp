// Tokens and their objects (PKCS#11 v2.40 §5.5 C_GetTokenInfo, C_GetMechanismList/Info).
// Auth token: auth certificate, its public and private key, the auth CA certificate.
// Sign token: sign CA certificate; after the password (or from the opt-in cache) the sign
// certificate and public key; the sign private key (CKA_PRIVATE, as every private key).
#include <array>

#include "api.hpp"
#include "copy_out.hpp"
#include "errors.hpp"
#include "internal.hpp"
#include "mechanisms.hpp"
#include "token_label.hpp"

namespace mynacard::p11 {
namespace {

// CKA_ID links certificate, public key and private key of one card key (§4.6.3, §4.8).
constexpr std::array<std::uint8_t, 1> kAuthId{0x01};
constexpr std::array<std::uint8_t, 1> kSignId{0x02};
constexpr std::array<std::uint8_t, 1> kAuthCaId{0x11};
constexpr std::array<std::uint8_t, 1> kSignCaId{0x12};

CK_RV certificate(Module& m, std::size_t reader, Card& card, jpki::CertKind kind, Session* session,
                  const jpki::Certificate** out)
{
    auto it = card.certificates.find(kind);
    if (it == card.certificates.end()) {
        auto cert = retry_after_reset([&] { return card.session.certificate(kind); });
        if (!cert) return card_failure(m, reader, session, cert.error());
        it = card.certificates.emplace(kind, std::move(*cert)).first;
    }
    *out = &it->second;
    return CKR_OK;
}

void add(Module& m, const Card& card, TokenState& ts, ObjectPtr object)
{
    object->handle = m.new_handle();
    if (object->object_class == CKO_PRIVATE_KEY || object->object_class == CKO_PUBLIC_KEY)
        set_allowed_mechanisms(*object, card_has_pss(card));
    ts.objects.push_back(std::move(object));
}

/// The mechanisms of a slot: RSA-PSS only when its card is bound and its probe said yes.
bool slot_has_pss(Module& m, CK_SLOT_ID slot)
{
    TokenKind token{};
    Reader* r = reader_for_slot(m, slot, &token);
    if (r == nullptr || !token_present(*r, token)) return false;
    Card* card = nullptr;
    // Binding reads the card once (and the probe ran then); failures just leave PSS out here,
    // the token functions report them.
    if (bind_card(m, static_cast<std::size_t>(slot / 2), &card) != CKR_OK) return false;
    return card_has_pss(*card);
}

}  // namespace

bool card_has_pss(const Card& card) { return card.session.info().pss == jpki::SchemeSupport::Yes; }

void withdraw_pss(Card& card)
{
    for (TokenState& ts : card.tokens)
        for (const ObjectPtr& o : ts.objects)
            if (o->object_class == CKO_PRIVATE_KEY || o->object_class == CKO_PUBLIC_KEY)
                set_allowed_mechanisms(*o, false);
}

CK_RV load_objects(Module& m, std::size_t reader, Card& card, TokenKind token, Session* session)
{
    TokenState& ts = card.token(token);
    const ObjectOptions options{m.config.pkcs11.sign_always_authenticate};
    const bool expose_ca = m.config.pkcs11.expose_ca_certificates;
    if (!ts.public_loaded) {
        if (token == TokenKind::Auth) {
            const jpki::Certificate* leaf = nullptr;
            if (CK_RV rv = certificate(m, reader, card, jpki::CertKind::Auth, session, &leaf); rv != CKR_OK)
                return rv;
            std::vector<ObjectPtr> built{
                make_certificate(*leaf, kAuthId, "JPKI Auth", false, false),
                make_public_key(*leaf, kAuthId, "JPKI Auth", false),
                make_private_key(*leaf, jpki::KeyKind::Auth, kAuthId, "JPKI Auth", options)};
            if (expose_ca) {
                const jpki::Certificate* ca = nullptr;
                if (CK_RV rv = certificate(m, reader, card, jpki::CertKind::AuthCa, session, &ca); rv != CKR_OK)
                    return rv;
                built.push_back(make_certificate(*ca, kAuthCaId, "JPKI Auth CA", true, false));
            }
            for (auto& o : built) add(m, card, ts, std::move(o));
        } else if (expose_ca) {
            const jpki::Certificate* ca = nullptr;
            if (CK_RV rv = certificate(m, reader, card, jpki::CertKind::SignCa, session, &ca); rv != CKR_OK)
                return rv;
            add(m, card, ts, make_certificate(*ca, kSignCaId, "JPKI Sign CA", true, false));
        }
        ts.public_loaded = true;
    }
    if (token == TokenKind::Sign && !ts.leaf_loaded && card.session.info().has_sign_certificate) {
        // EF 0001 needs the password (jpki-card.md §1.4). Before login it can only come from the
        // opt-in cache; the card layer answers NotLoggedIn without any APDU otherwise.
        const bool from_cache = !ts.logged_in;
        if (from_cache && !(m.config.cache.enabled && m.config.cache.include_sign_certificate))
            return CKR_OK;
        auto cert = retry_after_reset([&] { return card.session.certificate(jpki::CertKind::Sign); });
        if (!cert) {
            if (from_cache && cert.error().code == Errc::NotLoggedIn) return CKR_OK;
            return card_failure(m, reader, session, cert.error());
        }
        const jpki::Certificate& leaf = card.certificates.insert_or_assign(jpki::CertKind::Sign, std::move(*cert)).first->second;
        // Read from the cache before any login, the certificate and public key are not secret
        // on this machine: they are public objects then (private objects stay hidden until
        // login, §4.4); read after the password, they are CKA_PRIVATE.
        const bool is_private = !from_cache;
        add(m, card, ts, make_certificate(leaf, kSignId, "JPKI Sign", false, is_private));
        add(m, card, ts, make_public_key(leaf, kSignId, "JPKI Sign", is_private));
        add(m, card, ts, make_private_key(leaf, jpki::KeyKind::Sign, kSignId, "JPKI Sign", options));
        ts.leaf_loaded = true;
    }
    return CKR_OK;
}

ObjectPtr token_object(Module& m, const Session& session, CK_OBJECT_HANDLE h)
{
    Card* card = m.readers[session.reader].card.get();
    if (card == nullptr || h == 0) return nullptr;
    for (const ObjectPtr& o : card->token(session.token).objects)
        if (o->handle == h) return o;
    return nullptr;
}

ObjectPtr visible_object(Module& m, const Session& session, Card& card, CK_OBJECT_HANDLE h)
{
    ObjectPtr o = token_object(m, session, h);
    if (!o) return nullptr;
    // §4.4: private objects are visible only while the token is logged in.
    if (o->is_private && !card.token(session.token).logged_in) return nullptr;
    return o;
}

/// C_GetTokenInfo (§5.5). The PIN flags come from the card's real counter, read with an empty
/// VERIFY that spends no try (jpki-card.md §1.6; pin-and-suspension.md §1.5.2). Clients call
/// this between C_Login and C_Sign, and often: a counter the card layer learned a moment ago or
/// set by our own accepted VERIFY is reused (SessionOptions::pin_status_reuse), and a query
/// never selects an AP by AID, so it cannot end a login.
CK_RV get_token_info(Module& m, CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    refresh_readers(m, true);
    TokenKind token{};
    Reader* r = reader_for_slot(m, slot, &token);
    if (r == nullptr) return CKR_SLOT_ID_INVALID;
    const std::size_t index = static_cast<std::size_t>(slot / 2);
    if (!token_present(*r, token)) return r->info.card_present && r->unrecognized_event_count
                                              ? CKR_TOKEN_NOT_RECOGNIZED : CKR_TOKEN_NOT_PRESENT;
    Card* card = nullptr;
    if (CK_RV rv = bind_card(m, index, &card); rv != CKR_OK) return rv;
    if (!token_present(*r, token)) return CKR_TOKEN_NOT_PRESENT;
    auto status = retry_after_reset([&] { return card->session.pin_status(pin_of(token), true); });
    if (!status) {
        // A card that is gone is reported as such. Otherwise the token stays visible with the
        // flags known without the counter (issue 10 §3: browsers drop a token whose
        // C_GetTokenInfo fails); nothing was spent either way (empty VERIFY).
        const Errc code = status.error().code;
        if (means_removal(code)) return card_failure(m, index, nullptr, status.error());
        if (service_lost(m, code)) return CKR_DEVICE_REMOVED;
        log_line(LogLevel::Info, "C_GetTokenInfo: PIN counter not readable, flags without it: " +
                                     status.error().message());
        if (m.readers[index].card.get() != card) return CKR_TOKEN_NOT_PRESENT;
    }
    sync_login(*card);

    *info = CK_TOKEN_INFO{};
    // Distinct per card (issue 11 §3; token_label.hpp): the fixed prefix, then the end of the
    // serial, which itself stays whole in serialNumber.
    const std::string& serial = card->session.info().identity.serial;
    fill_padded(info->label, token_label(token == TokenKind::Auth ? kAuthLabelPrefix : kSignLabelPrefix, serial));
    fill_padded(info->manufacturerID, "mynacard");
    fill_padded(info->model, "JPKI");
    fill_padded(info->serialNumber, serial);
    CK_FLAGS flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_WRITE_PROTECTED |
                     CKF_TOKEN_INITIALIZED;
    // §1.4 of pin-and-suspension.md: the flags are not exclusive; LOCKED keeps COUNT_LOW.
    if (status && status->count_low()) flags |= CKF_USER_PIN_COUNT_LOW;
    if (status && status->final_try()) flags |= CKF_USER_PIN_FINAL_TRY;
    if (status && status->locked()) flags |= CKF_USER_PIN_LOCKED;
    info->flags = flags;
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulSessionCount = count_sessions(m, index, token, false);
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulRwSessionCount = count_sessions(m, index, token, true);
    // Auth PIN: exactly 4 digits; sign password: 6-16 of A-Z0-9 (jpki-card.md §1.6).
    info->ulMinPinLen = token == TokenKind::Auth ? 4 : 6;
    info->ulMaxPinLen = token == TokenKind::Auth ? 4 : 16;
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = CK_VERSION{0, 0};
    info->firmwareVersion = CK_VERSION{0, 0};
    fill_padded(info->utcTime, "");  // no CKF_CLOCK_ON_TOKEN
    return CKR_OK;
}

/// C_GetMechanismList (§5.5): the same list for both tokens of a card; RSA-PSS only on a card
/// whose PIN-less probe showed it (issue 9 §3).
CK_RV get_mechanism_list(Module& m, CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
    if (count == nullptr) return CKR_ARGUMENTS_BAD;
    if (reader_for_slot(m, slot) == nullptr) return CKR_SLOT_ID_INVALID;
    const bool pss = slot_has_pss(m, slot);
    std::vector<CK_MECHANISM_TYPE> types;
    for (const MechanismSpec& spec : mechanisms())
        if (offered(spec, pss)) types.push_back(spec.type);
    return copy_out(std::span<const CK_MECHANISM_TYPE>(types), list, count);
}

/// C_GetMechanismInfo (§5.5).
CK_RV get_mechanism_info(Module& m, CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    if (reader_for_slot(m, slot) == nullptr) return CKR_SLOT_ID_INVALID;
    const MechanismSpec* spec = find_mechanism(type);
    if (spec == nullptr || (spec->pss && !slot_has_pss(m, slot))) return CKR_MECHANISM_INVALID;
    *info = spec->info;
    return CKR_OK;
}

/// C_InitToken (§5.5): the card's content is issued by the municipality; the token is
/// write-protected.
CK_RV init_token(Module& m, CK_SLOT_ID slot, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR label)
{
    if (label == nullptr) return CKR_ARGUMENTS_BAD;
    TokenKind token{};
    Reader* r = reader_for_slot(m, slot, &token);
    if (r == nullptr) return CKR_SLOT_ID_INVALID;
    if (!token_present(*r, token)) return CKR_TOKEN_NOT_PRESENT;
    return CKR_TOKEN_WRITE_PROTECTED;
}

}  // namespace mynacard::p11
