// Helpers the API files share: slot/session lookup, card binding, failure handling.
#pragma once

#include <string>

#include "cryptoki.hpp"
#include "module.hpp"
#include "pin_once.hpp"

namespace mynacard::p11 {

// --- slots.cpp --------------------------------------------------------------------------------
/// Re-reads the reader list from pcscd; with `events`, queues slot events for what changed.
/// Cards that left (or were swapped) are dropped with their sessions.
void refresh_readers(Module& m, bool events);
/// pcscd stopped or restarted: every reader and card is dropped (their sessions closed), the
/// PC/SC context released; the next refresh establishes a new one.
void lose_service(Module& m, bool events);
/// After a PC/SC failure with `code`: whether it was because pcscd went away (our context no
/// longer answers), in which case lose_service() has been done.
bool service_lost(Module& m, Errc code);
/// Applies a reader list obtained elsewhere (C_WaitForSlotEvent).
void apply_reader_list(Module& m, const std::vector<apdu::ReaderInfo>& list, bool events);
/// The reader of `slot` if it is a slot the module has listed and pcscd still lists.
Reader* reader_for_slot(Module& m, CK_SLOT_ID slot, TokenKind* token = nullptr);
/// Whether a token is (believed) present in this slot, without touching the card.
bool token_present(const Reader& r, TokenKind token);
/// The bound card of `reader`, binding (connect + CardSession::open) when needed.
/// CKR_TOKEN_NOT_PRESENT / CKR_TOKEN_NOT_RECOGNIZED / CKR_DEVICE_ERROR on failure.
CK_RV bind_card(Module& m, std::size_t reader, Card** card);
/// Forgets the card: its sessions are closed and its objects destroyed.
void drop_card(Module& m, std::size_t reader);

// --- sessions.cpp ------------------------------------------------------------------------------
/// The session for `h` and its card. CKR_SESSION_HANDLE_INVALID when unknown.
CK_RV find_session(Module& m, CK_SESSION_HANDLE h, Session** session, Card** card);
/// Closes every session of one token (or both tokens with `all_tokens`).
void close_sessions(Module& m, std::size_t reader, std::optional<TokenKind> token);

/// Handles a failed card operation for `session`: maps the error (errors.cpp), records
/// ulDeviceError, and when the card is gone drops it (sessions closed) and answers
/// CKR_DEVICE_REMOVED. NotLoggedIn after a reset clears the module's login state.
CK_RV card_failure(Module& m, std::size_t reader, Session* session, const Error& error);

/// Makes the module's login flags agree with the card session (a card reset logs out).
void sync_login(Card& card);

// --- tokens.cpp --------------------------------------------------------------------------------
/// Builds the objects of `token` that are readable now (reads certificates).
CK_RV load_objects(Module& m, std::size_t reader, Card& card, TokenKind token, Session* session);
/// The card refused RSASSA-PSS after its probe said yes: the keys of both tokens stop listing
/// the PSS mechanisms in CKA_ALLOWED_MECHANISMS (the card layer already answers No).
void withdraw_pss(Card& card);
/// Whether the card's probe showed RSASSA-PSS (and the card never refused it since).
bool card_has_pss(const Card& card);
/// Whether `object` (a handle of any card) may be seen by `session` now.
ObjectPtr visible_object(Module& m, const Session& session, Card& card, CK_OBJECT_HANDLE h);
/// An object of the session's token whatever its visibility (nullptr if none).
ObjectPtr token_object(Module& m, const Session& session, CK_OBJECT_HANDLE h);

// --- log.cpp -----------------------------------------------------------------------------------
enum class LogLevel { Off = 0, Error = 1, Info = 2, Debug = 3 };
void configure_log(const Config& config);
bool log_enabled(LogLevel level) noexcept;
void log_line(LogLevel level, const std::string& line) noexcept;

}  // namespace mynacard::p11

namespace mynacard::p11 {
/// Open sessions on one token (all, or read-write only).
std::size_t count_sessions(const Module& m, std::size_t reader, TokenKind token, bool rw_only);
}  // namespace mynacard::p11

namespace mynacard::p11 {
/// Runs a card operation again once when it failed with Errc::CardReset: another application
/// reset the card under us and the transport has reconnected. Only for operations that are
/// safe to repeat: a command answered by SCARD_W_RESET_CARD was not executed, and nothing here
/// depends on a login (signing maps CardReset to "not logged in" instead; §3.5).
template <typename Op>
auto retry_after_reset(Op&& op) -> decltype(op())
{
    auto result = op();
    if (!result && result.error().code == Errc::CardReset) {
        log_line(LogLevel::Info, "card reset by another application: trying once more");
        result = op();
    }
    return result;
}

/// For operations that send a PIN: at most once (pin_once.hpp), with a log line when PC/SC
/// guarantees the first attempt never left the host and it is sent now.
template <typename Op>
auto once_unless_not_sent(Op&& op) -> decltype(op())
{
    return once_unless_not_sent(std::forward<Op>(op), [] {
        log_line(LogLevel::Info, "card reset by another application before the PIN was sent: sending it now");
    });
}
}  // namespace mynacard::p11

namespace mynacard::p11 {
/// CardSession::logout() (power cycle: the only real logout, jpki-card.md §1.9) run while this
/// application holds the PC/SC transaction, so no other application is inside an exchange with
/// the card while its power goes away (pcsc-lite + vpcd hung when a SCardReconnect(UNPOWER)
/// overlapped another process's transaction). A reset seen meanwhile already logged out.
Result<void> power_cycle_logout(Card& card);
}  // namespace mynacard::p11
