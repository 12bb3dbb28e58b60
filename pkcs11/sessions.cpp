// Sessions (PKCS#11 v2.40 §5.6): a handle table shared with objects (one counter), RO and RW
// sessions both allowed on the read-only tokens, login state kept per token.
#include "api.hpp"
#include "errors.hpp"
#include "internal.hpp"

namespace mynacard::p11 {
namespace {

std::size_t sessions_on(const Module& m, std::size_t reader, TokenKind token, bool rw_only)
{
    std::size_t n = 0;
    for (const auto& [h, s] : m.sessions)
        if (s.reader == reader && s.token == token && (!rw_only || s.read_write)) ++n;
    return n;
}

/// §5.6 C_CloseSession: "when the last session of a token is closed, the user is logged out".
/// The card forgets a VERIFY only when power is removed (jpki-card.md §1.9), which logs out
/// both keys; do it when neither token is still logged in for other sessions.
void after_close(Module& m, std::size_t reader, TokenKind token)
{
    Reader& r = m.readers[reader];
    if (!r.card || sessions_on(m, reader, token, false) != 0) return;
    TokenState& ts = r.card->token(token);
    if (!ts.logged_in) return;
    ts.logged_in = false;
    const TokenKind other = token == TokenKind::Auth ? TokenKind::Sign : TokenKind::Auth;
    if (!r.card->token(other).logged_in) {
        if (auto done = power_cycle_logout(*r.card); !done)
            log_line(LogLevel::Info, "logout after last session: " + done.error().message());
    }
}

}  // namespace

std::size_t count_sessions(const Module& m, std::size_t reader, TokenKind token, bool rw_only)
{
    return sessions_on(m, reader, token, rw_only);
}

Result<void> power_cycle_logout(Card& card)
{
    apdu::Transport& transport = card.session.transport();
    if (auto begun = transport.begin_transaction(); !begun) {
        if (begun.error().code == Errc::CardReset) return {};
        return begun;
    }
    auto done = card.session.logout();
    transport.end_transaction(apdu::Disposition::Leave);
    if (!done && done.error().code == Errc::CardReset) return {};
    return done;
}

CK_RV find_session(Module& m, CK_SESSION_HANDLE h, Session** session, Card** card)
{
    const auto it = m.sessions.find(h);
    if (it == m.sessions.end()) return CKR_SESSION_HANDLE_INVALID;
    Reader& r = m.readers[it->second.reader];
    if (!r.card || r.card->id != it->second.card_id) {
        m.sessions.erase(it);  // its card is gone (closed with the card; kept for safety)
        return CKR_SESSION_HANDLE_INVALID;
    }
    *session = &it->second;
    *card = r.card.get();
    return CKR_OK;
}

void close_sessions(Module& m, std::size_t reader, std::optional<TokenKind> token)
{
    std::erase_if(m.sessions, [&](const auto& entry) {
        return entry.second.reader == reader && (!token || entry.second.token == *token);
    });
    if (token) {
        after_close(m, reader, *token);
    } else if (m.readers[reader].card) {
        for (TokenState& ts : m.readers[reader].card->tokens) ts.logged_in = false;
    }
}

void sync_login(Card& card)
{
    for (TokenKind t : {TokenKind::Auth, TokenKind::Sign}) {
        TokenState& ts = card.token(t);
        // The signing token under CKA_ALWAYS_AUTHENTICATE keeps the module's login while the
        // card forgets every VERIFY after each use (sign_hold.cpp).
        if (ts.logged_in && !ts.login_outlives_card_state && !card.session.logged_in(key_of(t)))
            ts.logged_in = false;
    }
}

CK_RV card_failure(Module& m, std::size_t reader, Session* session, const Error& error)
{
    log_line(LogLevel::Info, "card: " + error.message());
    if (session != nullptr) session->device_error = device_error_for(error);
    // A pcscd restart invalidates the card handle like a pulled card (and the card is powered
    // anew): same answer, and every reader is re-read on the next slot call.
    if (service_lost(m, error.code)) return CKR_DEVICE_REMOVED;
    if (means_removal(error.code)) {
        // §5.1 / §11.1: this call answers CKR_DEVICE_REMOVED; the sessions are gone, later calls
        // see CKR_SESSION_HANDLE_INVALID and the slot CKR_TOKEN_NOT_PRESENT until reinsertion.
        drop_card(m, reader);
        return CKR_DEVICE_REMOVED;
    }
    if (Card* card = m.readers[reader].card.get(); card != nullptr) {
        // A reset (ours or another application's) cleared the card's verified state: the
        // tokens are logged out; nothing is re-sent (architecture-guide.md §3.5).
        if (error.code == Errc::CardReset) {
            for (TokenState& ts : card->tokens) ts.logged_in = false;
        } else if (error.code == Errc::NotLoggedIn || error.code == Errc::SecurityStatusNotSatisfied) {
            sync_login(*card);
            if (session != nullptr) card->token(session->token).logged_in = false;
        }
    }
    return to_ck_rv(error);
}

/// C_OpenSession (§5.6). Notify callbacks are accepted and never called (allowed by §5.16).
CK_RV open_session(Module& m, CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY,
                   CK_SESSION_HANDLE_PTR h)
{
    if (h == nullptr) return CKR_ARGUMENTS_BAD;
    if ((flags & CKF_SERIAL_SESSION) == 0) return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    refresh_readers(m, true);
    TokenKind token{};
    Reader* r = reader_for_slot(m, slot, &token);
    if (r == nullptr) return CKR_SLOT_ID_INVALID;
    if (!token_present(*r, token)) return CKR_TOKEN_NOT_PRESENT;
    const std::size_t index = static_cast<std::size_t>(slot / 2);
    Card* card = nullptr;
    if (CK_RV rv = bind_card(m, index, &card); rv != CKR_OK) return rv;
    if (!token_present(*r, token)) return CKR_TOKEN_NOT_PRESENT;
    Session s;
    s.handle = m.new_handle();
    s.reader = index;
    s.token = token;
    s.card_id = card->id;
    s.read_write = (flags & CKF_RW_SESSION) != 0;
    m.sessions.emplace(s.handle, std::move(s));
    *h = m.next_handle - 1;
    return CKR_OK;
}

/// C_CloseSession (§5.6).
CK_RV close_session(Module& m, CK_SESSION_HANDLE h)
{
    Session* s = nullptr;
    Card* card = nullptr;
    if (CK_RV rv = find_session(m, h, &s, &card); rv != CKR_OK) return rv;
    const std::size_t reader = s->reader;
    const TokenKind token = s->token;
    m.sessions.erase(h);
    after_close(m, reader, token);
    return CKR_OK;
}

/// C_CloseAllSessions (§5.6): the sessions of this slot (= this token).
CK_RV close_all_sessions(Module& m, CK_SLOT_ID slot)
{
    TokenKind token{};
    if (reader_for_slot(m, slot, &token) == nullptr) return CKR_SLOT_ID_INVALID;
    close_sessions(m, static_cast<std::size_t>(slot / 2), token);
    return CKR_OK;
}

/// C_GetSessionInfo (§5.6). ulDeviceError carries the vendor code of the session's last
/// failure (README "ulDeviceError codes").
CK_RV get_session_info(Module& m, CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    Session* s = nullptr;
    Card* card = nullptr;
    if (CK_RV rv = find_session(m, h, &s, &card); rv != CKR_OK) return rv;
    sync_login(*card);
    const bool user = card->token(s->token).logged_in;
    *info = CK_SESSION_INFO{};
    info->slotID = s->slot();
    info->state = s->read_write ? (user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION)
                                : (user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION);
    info->flags = CKF_SERIAL_SESSION | (s->read_write ? CKF_RW_SESSION : 0);
    info->ulDeviceError = s->device_error;
    return CKR_OK;
}

}  // namespace mynacard::p11
