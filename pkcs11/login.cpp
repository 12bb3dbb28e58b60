// C_Login / C_Logout / C_SetPIN / C_InitPIN (PKCS#11 v2.40 §5.6, §5.5) through the card layer's
// PIN rules (pin-and-suspension.md §1.5): a malformed PIN never reaches the card, a locked
// counter is refused without VERIFY, the final-try guard comes from [pin] final_try, and a
// PIN is never kept: it goes to the card once, in a wiping buffer.
#include "api.hpp"
#include "errors.hpp"
#include "internal.hpp"
#include "mynacard/jpki/pin.hpp"
#include "mynacard/revocation/status.hpp"

namespace mynacard::p11 {
namespace {

ByteView pin_view(CK_UTF8CHAR_PTR pin, CK_ULONG len) { return ByteView(pin, len); }

jpki::VerifyOptions verify_options(const Module& m)
{
    // A PKCS#11 caller cannot be asked "are you sure?": Confirm without a confirmation
    // refuses the final try like Deny (the card layer applies the policy).
    return jpki::VerifyOptions{m.config.pin.final_try, false};
}

/// The last try is never spent by a program (issue 10 §1): say where a person can spend it.
/// Logged at `error` level, since the call fails; ulDeviceError carries kFinalTryGuard.
void log_final_try_refused(const Module& m, jpki::PinKind kind)
{
    const char* name = kind == jpki::PinKind::Auth ? "auth" : kind == jpki::PinKind::Sign ? "sign" : "kenhojo";
    const bool deny = m.config.pin.final_try == jpki::FinalTryPolicy::Deny;
    log_line(LogLevel::Error,
             std::string("C_Login: the ") + name + " PIN has one try left; [pin] final_try = " +
                 (deny ? "deny" : "confirm") + " refuses it here (a PKCS#11 caller cannot be asked), "
                 "nothing was sent to the card. " +
                 (deny ? std::string("The configuration forbids spending it.")
                       : std::string("To spend it after confirming, run `card-cp pin verify ") + name + "`."));
}

/// Refuses a login when the suspension checks already know the key's certificate is bad
/// ([pin] skip_login_if_revoked; pin-and-suspension.md §3.8). Only certificates already read
/// are considered: nothing is read from the card or the network here.
CK_RV login_gate(Module& m, Session& s, Card& card)
{
    if (!m.gate || !m.config.pin.skip_login_if_revoked) return CKR_OK;
    const auto it = card.certificates.find(jpki::cert_for(key_of(s.token)));
    if (it == card.certificates.end()) return CKR_OK;
    const GateVerdict verdict = m.gate->known_bad(key_of(s.token), it->second, card.session.info().identity.serial);
    if (verdict.allowed) return CKR_OK;
    log_line(LogLevel::Info, "C_Login: " + (verdict.log.empty() ? verdict.message : verdict.log));
    s.device_error = revocation::device_error::kLoginRefusedRevoked;
    return CKR_FUNCTION_FAILED;
}

/// C_Login's answer to a PIN with the wrong length or characters, checked before anything else so
/// the card is provably untouched (pin-and-suspension.md §1.5.5). CKR_PIN_INCORRECT: v2.40 §5.6
/// lists it for C_Login, while CKR_PIN_LEN_RANGE / CKR_PIN_INVALID are for functions that set a
/// PIN (§5.1.6), so a caller written to the list re-prompts instead of failing. ulDeviceError
/// says the PIN was not sent; the token flags stay as they are (no try was spent).
CK_RV refuse_malformed(Session& s, const Error& e)
{
    s.device_error = revocation::device_error::kPinMalformed;
    log_line(LogLevel::Info, "C_Login: " + e.message() + ": not sent to the card, no try spent");
    return CKR_PIN_INCORRECT;
}

/// Local checks then VERIFY (CardSession::verify_pin).
CK_RV verify(Module& m, Session& s, Card& card, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    const jpki::PinKind kind = pin_of(s.token);
    if (auto normalized = jpki::normalize_pin(kind, pin_view(pin, len)); !normalized)
        return refuse_malformed(s, normalized.error());
    if (CK_RV rv = login_gate(m, s, card); rv != CKR_OK) return rv;
    auto done = once_unless_not_sent(
        [&] { return card.session.verify_pin(kind, SecureBytes(pin, pin + len), verify_options(m)); });
    if (!done) {
        if (done.error().code == Errc::FinalTryRefused) log_final_try_refused(m, kind);
        return card_failure(m, s.reader, &s, done.error());
    }
    s.device_error = 0;
    return CKR_OK;
}

}  // namespace

/// C_Login (§5.6). CKU_USER logs the token in for all its sessions; CKU_CONTEXT_SPECIFIC
/// authorises the one signature in progress on a CKA_ALWAYS_AUTHENTICATE key (§4.9).
CK_RV login(Module& m, CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    Session* s = nullptr;
    Card* card = nullptr;
    if (CK_RV rv = find_session(m, h, &s, &card); rv != CKR_OK) return rv;
    // No CKF_PROTECTED_AUTHENTICATION_PATH: the PIN must be given.
    if (pin == nullptr) return CKR_ARGUMENTS_BAD;
    // The card has no security officer: the SO role does not exist on these tokens.
    if (user != CKU_USER && user != CKU_CONTEXT_SPECIFIC) return CKR_USER_TYPE_INVALID;
    sync_login(*card);
    TokenState& ts = card->token(s->token);
    // The signing key under CKA_ALWAYS_AUTHENTICATE: the card is held from the VERIFY through
    // its use and power-cycled before release (sign_hold.cpp, issue 10 §2).
    const bool hold = s->token == TokenKind::Sign && m.config.pkcs11.sign_always_authenticate;
    if (user == CKU_CONTEXT_SPECIFIC) {
        if (!s->sign) return CKR_OPERATION_NOT_INITIALIZED;
        if (!ts.logged_in) return CKR_USER_NOT_LOGGED_IN;
        // Before the hold: a malformed PIN never touches the card (refuse_malformed).
        if (auto ok = jpki::normalize_pin(pin_of(s->token), pin_view(pin, len)); !ok)
            return refuse_malformed(*s, ok.error());
        if (hold && s->sign->always_authenticate) {
            if (CK_RV rv = begin_signature_hold(m, *card, h); rv != CKR_OK) return rv;
        }
        // A failed VERIFY leaves context_login false: the hold ends at the end of this call.
        const CK_RV rv = verify(m, *s, *card, pin, len);
        if (rv == CKR_OK) s->sign->context_login = true;
        return rv;
    }
    if (ts.logged_in) return CKR_USER_ALREADY_LOGGED_IN;
    const std::size_t reader = s->reader;
    const TokenKind token = s->token;
    if (hold) {
        if (auto ok = jpki::normalize_pin(pin_of(token), pin_view(pin, len)); !ok) return refuse_malformed(*s, ok.error());
        if (CK_RV rv = begin_signature_hold(m, *card, h); rv != CKR_OK) return rv;
    }
    if (CK_RV rv = verify(m, *s, *card, pin, len); rv != CKR_OK) {
        if (Card* still = m.readers[reader].card.get(); hold && still == card)
            end_signature_hold(m, *card, "login failed");
        return rv;
    }
    ts.logged_in = true;
    ts.login_outlives_card_state = hold;
    // The sign certificate and keys become readable now (EF 0001 after the password). The
    // login itself succeeded: only a vanished card changes the answer.
    const CK_RV loaded = load_objects(m, reader, *card, token, s);
    if (Card* still = m.readers[reader].card.get(); hold && still == card) {
        // Read what needs the password, then end its verified state at once: every signature
        // VERIFYs again under CKA_ALWAYS_AUTHENTICATE.
        end_signature_hold(m, *card, "login: signing certificate read");
    }
    return loaded == CKR_DEVICE_REMOVED ? loaded : CKR_OK;
}

/// C_Logout (§5.6). The card keeps a VERIFY until power is removed (jpki-card.md §1.9), so the
/// card is power-cycled: that logs out both tokens of the card.
CK_RV logout(Module& m, CK_SESSION_HANDLE h)
{
    Session* s = nullptr;
    Card* card = nullptr;
    if (CK_RV rv = find_session(m, h, &s, &card); rv != CKR_OK) return rv;
    sync_login(*card);
    if (!card->token(s->token).logged_in) return CKR_USER_NOT_LOGGED_IN;
    end_signature_hold(m, *card, "C_Logout");
    for (TokenState& ts : card->tokens) ts.logged_in = false;
    // Operations that needed the login end with it.
    for (auto& [handle, other] : m.sessions)
        if (other.reader == s->reader) other.sign.reset();
    // A reset by someone else in between has logged the card out already.
    if (auto done = power_cycle_logout(*card); !done) return card_failure(m, s->reader, s, done.error());
    return CKR_OK;
}

/// C_SetPIN (§5.5): VERIFY the old value, then CHANGE REFERENCE DATA (jpki-card.md §1.8).
CK_RV set_pin(Module& m, CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
              CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len)
{
    Session* s = nullptr;
    Card* card = nullptr;
    if (CK_RV rv = find_session(m, h, &s, &card); rv != CKR_OK) return rv;
    if (old_pin == nullptr || new_pin == nullptr) return CKR_ARGUMENTS_BAD;
    if (!s->read_write) return CKR_SESSION_READ_ONLY;
    const jpki::PinKind kind = pin_of(s->token);
    if (auto ok = jpki::normalize_pin(kind, pin_view(old_pin, old_len)); !ok) return to_ck_rv(ok.error());
    if (auto ok = jpki::normalize_pin(kind, pin_view(new_pin, new_len), true); !ok) return to_ck_rv(ok.error());
    sync_login(*card);
    // The change VERIFYs the old PIN on the card. Unless this token was logged in already, its
    // key must not stay usable behind the application's back, whatever the outcome: a failed
    // change (CHANGE REFERENCE DATA refused, the card reset or gone mid-way) may have left the
    // old PIN verified too (issue 10 §2). Power removal is the only logout (jpki-card.md §1.9);
    // it logs out both tokens of the card, which the other sessions then see.
    const bool was_logged_in = card->token(s->token).logged_in;
    auto done = once_unless_not_sent([&] {
        return card->session.change_pin(kind, SecureBytes(old_pin, old_pin + old_len),
                                        SecureBytes(new_pin, new_pin + new_len), verify_options(m));
    });
    if (!done) {
        const Errc code = done.error().code;
        if (code == Errc::FinalTryRefused) log_final_try_refused(m, kind);
        // Nothing was sent for a refused final try; a vanished card has no state left.
        if (!was_logged_in && code != Errc::FinalTryRefused && !means_removal(code)) {
            if (auto off = power_cycle_logout(*card); !off)
                log_line(LogLevel::Info, "C_SetPIN: logout after the failure: " + off.error().message());
            sync_login(*card);
        }
        return card_failure(m, s->reader, s, done.error());
    }
    s->device_error = 0;
    if (!was_logged_in) {
        if (auto off = power_cycle_logout(*card); !off) return card_failure(m, s->reader, s, off.error());
        sync_login(*card);
    }
    return CKR_OK;
}

/// C_InitPIN (§5.5): only the SO may call it, and these tokens have no SO.
CK_RV init_pin(Module& m, CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR, CK_ULONG)
{
    Session* s = nullptr;
    Card* card = nullptr;
    if (CK_RV rv = find_session(m, h, &s, &card); rv != CKR_OK) return rv;
    if (!s->read_write) return CKR_SESSION_READ_ONLY;
    return CKR_USER_NOT_LOGGED_IN;
}

}  // namespace mynacard::p11
