// PcscTransport: one card connection over pcsc-lite, shared (SCARD_SHARE_SHARED) so other
// middleware keeps working, T=0 or T=1 as the card offers (JPKI cards use T=1, jpki-card.md §1.2).
//
// Failure model (issue 2 §3, issue 10 §2): removal -> Errc::CardRemoved and the transport is
// unusable; a reset by another party -> reconnect (SCardReconnect with LEAVE acknowledges it),
// bump reset_epoch(), and either retry (begin_transaction: nothing was sent yet) or report
// Errc::CardReset. Whether the command reached the card decides what the caller may do:
//  - SCardTransmit answering SCARD_W_RESET_CARD itself: pcsc-lite checks the handle's event state
//    before it sends anything (winscard.c SCardTransmit -> RFCheckReaderEventState), so the
//    command was not sent: CardReset with Error::not_sent;
//  - any other failed transmit (NOT_TRANSACTED, COMM_ERROR, ... then a reset seen while settling)
//    may have reached the card and the card may have run it: CardReset (or the PC/SC error)
//    without not_sent. A VERIFY or CHANGE REFERENCE DATA is then never repeated.
#include <winscard.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "mynacard/apdu/atr.hpp"
#include "mynacard/apdu/pcsc.hpp"
#include "mynacard/apdu/trace.hpp"
#include "pcsc_errors.hpp"

namespace mynacard::apdu {
namespace {

DWORD disposition_of(Disposition how) noexcept
{
    switch (how) {
    case Disposition::Reset: return SCARD_RESET_CARD;
    case Disposition::Unpower: return SCARD_UNPOWER_CARD;
    case Disposition::Leave: break;
    }
    return SCARD_LEAVE_CARD;
}

const char* disposition_name(Disposition how) noexcept
{
    switch (how) {
    case Disposition::Reset: return "warm reset";
    case Disposition::Unpower: return "power cycle";
    case Disposition::Leave: break;
    }
    return "reconnect";
}

bool means_card_gone(LONG rv) noexcept
{
    return rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD;
}

bool means_reader_gone(LONG rv) noexcept
{
    return rv == SCARD_E_READER_UNAVAILABLE || rv == SCARD_E_UNKNOWN_READER ||
           rv == SCARD_E_NO_READERS_AVAILABLE;
}

SCARDHANDLE card_of(std::intptr_t h) noexcept { return static_cast<SCARDHANDLE>(h); }

// The card's current ATR (after a connect or reconnect), or empty if pcscd cannot say.
Bytes current_atr(SCARDHANDLE card)
{
    char name[MAX_READERNAME + 1];
    DWORD name_len = sizeof name;
    DWORD state = 0, proto = 0;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len = sizeof atr;
    if (SCardStatus(card, name, &name_len, &state, &proto, atr, &atr_len) != SCARD_S_SUCCESS)
        return {};
    return Bytes(atr, atr + std::min<DWORD>(atr_len, sizeof atr));
}

// Failures that may really be a card that just left: with vpcd (and some readers) a transmit to a
// card that is being pulled fails with NOT_TRANSACTED or a comm error before pcscd's presence
// poll has noticed the removal.
bool may_mean_card_gone(LONG rv) noexcept
{
    return rv == SCARD_E_NOT_TRANSACTED || rv == SCARD_F_COMM_ERROR ||
           rv == SCARD_E_COMM_DATA_LOST || rv == SCARD_W_UNRESPONSIVE_CARD ||
           rv == SCARD_W_UNPOWERED_CARD;
}

// Asks pcscd about the card behind `card` for up to `patience`: SCARD_W_REMOVED_CARD (or absent)
// as soon as it is seen gone, SCARD_W_RESET_CARD if it was reset, else SCARD_S_SUCCESS.
LONG settle_card_state(SCARDHANDLE card, std::chrono::milliseconds patience)
{
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
        char name[MAX_READERNAME + 1];
        DWORD name_len = sizeof name;
        DWORD state = 0, proto = 0;
        BYTE atr[MAX_ATR_SIZE];
        DWORD atr_len = sizeof atr;
        const LONG rv = SCardStatus(card, name, &name_len, &state, &proto, atr, &atr_len);
        if (means_card_gone(rv) || means_reader_gone(rv)) return SCARD_W_REMOVED_CARD;
        if (rv == SCARD_W_RESET_CARD) return rv;
        if (rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT) != 0) return SCARD_W_REMOVED_CARD;
        if (std::chrono::steady_clock::now() >= deadline) return SCARD_S_SUCCESS;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

PcscTransport::PcscTransport(std::intptr_t context, std::string reader)
    : m_context(context), m_reader(std::move(reader))
{
}

PcscTransport::~PcscTransport()
{
    if (m_connected) SCardDisconnect(card_of(m_card), SCARD_LEAVE_CARD);
}

void PcscTransport::abandon() noexcept
{
    m_connected = false;
}

Result<void> PcscTransport::connect()
{
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    const LONG rv = SCardConnect(static_cast<SCARDCONTEXT>(m_context), m_reader.c_str(),
                                 SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card,
                                 &protocol);
    if (rv != SCARD_S_SUCCESS) return pcsc::error_from(rv, "connect to \"" + m_reader + "\"");
    m_card = static_cast<std::intptr_t>(card);
    m_protocol = protocol;
    m_connected = true;
    m_atr = current_atr(card);
    trace::note(m_reader + " connected, T=" + (protocol == SCARD_PROTOCOL_T0 ? "0" : "1") +
                ", ATR " + to_hex(m_atr, ' '));
    return {};
}

// SCardReconnect on the same handle: pcsc-lite keeps the handle (and our transaction lock).
Result<void> PcscTransport::reconnect(unsigned long initialization)
{
    DWORD protocol = 0;
    const LONG rv = SCardReconnect(card_of(m_card), SCARD_SHARE_SHARED,
                                   SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                   static_cast<DWORD>(initialization), &protocol);
    if (rv != SCARD_S_SUCCESS) {
        if (means_card_gone(rv) || means_reader_gone(rv)) {
            SCardDisconnect(card_of(m_card), SCARD_LEAVE_CARD);
            m_connected = false;
            return Error(means_card_gone(rv) ? Errc::CardRemoved : Errc::NoReader,
                         "reconnect to \"" + m_reader + "\": card or reader gone");
        }
        return pcsc::error_from(rv, "reconnect to \"" + m_reader + "\"");
    }
    m_protocol = protocol;
    ++m_epoch;
    m_atr = current_atr(card_of(m_card));  // a power cycle may change it (jpki-card.md §1.2)
    return {};
}

namespace {

Error not_connected(const std::string& reader)
{
    return Error(Errc::CardRemoved, "\"" + reader + "\": no card connection (card was removed)");
}

}  // namespace

Result<void> PcscTransport::begin_transaction()
{
    if (!m_connected) return not_connected(m_reader);
    for (int attempt = 0;; ++attempt) {
        LONG rv = SCardBeginTransaction(card_of(m_card));
        if (rv == SCARD_S_SUCCESS) return {};
        if (may_mean_card_gone(rv)) {
            const LONG settled = settle_card_state(card_of(m_card), std::chrono::milliseconds(1000));
            if (settled != SCARD_S_SUCCESS) rv = settled;
        }
        if (rv == SCARD_W_RESET_CARD && attempt == 0) {
            // Someone reset the card since we last used it. Nothing was sent in this transaction
            // yet, so acknowledge the reset and carry on; callers see the new reset_epoch().
            trace::note(m_reader + " card was reset by another party: reconnecting");
            MYNACARD_TRY_VOID(reconnect(SCARD_LEAVE_CARD));
            continue;
        }
        if (means_card_gone(rv) || means_reader_gone(rv)) {
            SCardDisconnect(card_of(m_card), SCARD_LEAVE_CARD);
            m_connected = false;
            return Error(means_reader_gone(rv) ? Errc::NoReader : Errc::CardRemoved,
                         "begin transaction on \"" + m_reader + "\": card or reader gone");
        }
        // Nothing is sent in a transaction that did not begin.
        Error e = pcsc::error_from(rv, "begin transaction on \"" + m_reader + "\"");
        e.not_sent = true;
        return e;
    }
}

void PcscTransport::end_transaction(Disposition how) noexcept
{
    if (!m_connected) return;
    const LONG rv = SCardEndTransaction(card_of(m_card), disposition_of(how));
    if (how != Disposition::Leave && rv == SCARD_S_SUCCESS) ++m_epoch;
}

Result<Bytes> PcscTransport::transmit(ByteView command)
{
    if (!m_connected) return not_connected(m_reader);
    // The exchange failed and then the card turned out reset: the command may have reached the
    // card and run before the reset. Reconnect; never report it as not sent (issue 10 §2).
    const auto reset_during_exchange = [this]() -> Result<Bytes> {
        trace::note(m_reader + " card was reset during an exchange: reconnecting");
        MYNACARD_TRY_VOID(reconnect(SCARD_LEAVE_CARD));
        return Error(Errc::CardReset, "\"" + m_reader + "\": card was reset during the exchange (the command may have run)");
    };
    const SCARD_IO_REQUEST* pci = m_protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    Bytes reply(MAX_BUFFER_SIZE_EXTENDED);
    DWORD reply_len = static_cast<DWORD>(reply.size());
    LONG rv = SCardTransmit(card_of(m_card), pci, command.data(),
                            static_cast<DWORD>(command.size()), nullptr, reply.data(), &reply_len);
    if (rv == SCARD_S_SUCCESS && reply_len >= 2) {
        reply.resize(std::min<std::size_t>(reply_len, reply.size()));
        return reply;
    }
    if (rv == SCARD_S_SUCCESS) {
        // "Success" without a status word (ISO 7816-4 §5.1 makes SW1-SW2 mandatory) is an
        // exchange that broke: vpcd reports one when its card vanishes mid-exchange, and a reader
        // losing the card can too. Ask pcscd what happened, so the caller learns "card removed"
        // rather than "malformed answer"; either way the command may have run.
        const LONG settled = settle_card_state(card_of(m_card), std::chrono::milliseconds(1000));
        if (settled == SCARD_S_SUCCESS) {
            reply.resize(std::min<std::size_t>(reply_len, reply.size()));
            return reply;  // the card is still there: the layer above reports the bad answer
        }
        if (settled == SCARD_W_RESET_CARD) return reset_during_exchange();
        rv = settled;  // removed: reported below
    }
    if (rv == SCARD_W_RESET_CARD) {
        // Refused before sending (see the top of this file): not executed. Reconnect so the next
        // transaction works, but tell the caller: every VERIFY done before is gone (§1.9).
        trace::note(m_reader + " card was reset by another party: reconnecting");
        MYNACARD_TRY_VOID(reconnect(SCARD_LEAVE_CARD));
        Error reset(Errc::CardReset, "\"" + m_reader + "\": card was reset by another party (command not sent)");
        reset.not_sent = true;
        return reset;
    }
    if (may_mean_card_gone(rv)) {
        const LONG settled = settle_card_state(card_of(m_card), std::chrono::milliseconds(1000));
        if (settled != SCARD_S_SUCCESS) rv = settled;
    }
    if (rv == SCARD_W_RESET_CARD) return reset_during_exchange();
    if (means_card_gone(rv) || means_reader_gone(rv)) {
        SCardDisconnect(card_of(m_card), SCARD_LEAVE_CARD);
        m_connected = false;
        return Error(means_reader_gone(rv) ? Errc::NoReader : Errc::CardRemoved,
                     "transmit on \"" + m_reader + "\": card or reader gone");
    }
    return pcsc::error_from(rv, "transmit on \"" + m_reader + "\"");
}

Result<void> PcscTransport::reset(Disposition how)
{
    if (!m_connected) return not_connected(m_reader);
    trace::note(m_reader + " " + disposition_name(how));
    return reconnect(disposition_of(how));
}

bool PcscTransport::extended_length() const noexcept
{
    return atr::declares_extended_length(m_atr);
}

}  // namespace mynacard::apdu
