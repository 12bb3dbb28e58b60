// Finding the reader and opening a JPKI session on it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "context.hpp"
#include "mynacard/apdu/pcsc.hpp"
#include "mynacard/jpki/card.hpp"

namespace mynacard::cli {

/// A PC/SC context and a session on one card. The context outlives the session (members are
/// destroyed in reverse order).
struct OpenCard {
    std::unique_ptr<apdu::PcscContext> pcsc;
    std::optional<jpki::CardSession> session;
    std::string reader;
    /// Set once a PIN went to the card (JPKI or Kenhojo AP): the session must be ended.
    bool pin_sent = false;
    /// The JPKI AP was current when card-cp met the card, in an insertion already identified:
    /// another program may be logged in there (jpki::CardInfo::others_may_be_logged_in).
    bool others_may_be_logged_in = false;

    jpki::CardSession& card() { return *session; }
};

/// Establishes PC/SC and picks the reader: --reader (exact name, else a unique substring),
/// otherwise the first reader holding a My Number card. Fails with NoReader / NoCard /
/// CardNotSupported exit codes and a translated message.
OpenCard open_card(Context& ctx);

/// Ends a session in which a PIN was sent: the card keeps VERIFY state until power is removed
/// (jpki-card.md §1.9), so leave nothing unlocked for the next program. Warns on failure.
void end_session(Context& ctx, OpenCard& card) noexcept;

/// The signing password's verified state ends with its use (issue 10 §2): the card is shared,
/// and while 署名用 is verified any local process could sign without the password. One PC/SC
/// transaction is held from before the VERIFY until end(), which powers the card down inside it
/// (end_session) and only then lets other processes at the card. end() also runs at scope exit.
class PasswordHold {
public:
    PasswordHold(Context& ctx, OpenCard& card);
    ~PasswordHold() { end(); }
    void end() noexcept;
    PasswordHold(const PasswordHold&) = delete;
    PasswordHold& operator=(const PasswordHold&) = delete;

private:
    Context& m_ctx;
    OpenCard& m_card;
    bool m_held = false;
};

/// Calls end_session() when a command leaves, normally or by a CliFailure.
class SessionEnder {
public:
    SessionEnder(Context& ctx, OpenCard& card) : m_ctx(ctx), m_card(card) {}
    ~SessionEnder() { end_session(m_ctx, m_card); }
    SessionEnder(const SessionEnder&) = delete;
    SessionEnder& operator=(const SessionEnder&) = delete;

private:
    Context& m_ctx;
    OpenCard& m_card;
};

}  // namespace mynacard::cli
