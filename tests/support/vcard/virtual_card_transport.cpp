// In-process apdu::Transport over a VirtualJpkiCard. Mirrors what PC/SC shows a client:
//  - a pulled card (remove(), or Faults::remove_after_apdus) answers Errc::CardRemoved until
//    reinserted (insert(), or automatically after Faults::reinsert_after);
//  - a reset by "another application" (external_reset) power-cycles the card at once; the next
//    begin_transaction() reconnects and succeeds with a new epoch, the next transmit() outside a
//    fresh transaction answers Errc::CardReset without sending (as SCardTransmit returns
//    SCARD_W_RESET_CARD), after which the transport is usable again;
//  - with switch no-extended, extended-length APDUs fail as on a short-APDU reader.
#include "card_apdu.hpp"
#include "virtual_card.hpp"

namespace mynacard::vcard {

VirtualCardTransport::VirtualCardTransport(std::shared_ptr<VirtualJpkiCard> card, std::string name)
    : m_card(std::move(card)), m_name(std::move(name))
{
    m_card->power_on();
}

void VirtualCardTransport::insert_locked()
{
    m_present = true;
    m_pending_reset = false;
    m_reinsert_at.reset();
    m_card->power_off();  // a freshly inserted card starts cold whatever happened before
    m_card->power_on();
    ++m_epoch;
}

void VirtualCardTransport::refresh_presence_locked()
{
    if (m_present && m_card->pulled()) {
        m_present = false;
        const auto delay = m_card->options().faults.reinsert_after;
        m_card->power_off();
        if (delay) m_reinsert_at = std::chrono::steady_clock::now() + *delay;
    }
    if (!m_present && m_reinsert_at && std::chrono::steady_clock::now() >= *m_reinsert_at)
        insert_locked();
}

Result<void> VirtualCardTransport::begin_transaction()
{
    std::lock_guard lock(m_mutex);
    refresh_presence_locked();
    if (!m_present) return Unexpected{Errc::CardRemoved, "virtual card removed"};
    if (m_pending_reset) {
        m_pending_reset = false;  // reconnected: the caller sees the new epoch
        ++m_epoch;
    }
    return {};
}

void VirtualCardTransport::end_transaction(apdu::Disposition how) noexcept
{
    std::lock_guard lock(m_mutex);
    if (!m_present) return;
    switch (how) {
    case apdu::Disposition::Leave:
        break;
    case apdu::Disposition::Reset:
        m_card->warm_reset();
        ++m_epoch;
        break;
    case apdu::Disposition::Unpower:
        m_card->power_off();
        m_card->power_on();
        ++m_epoch;
        break;
    }
}

Result<Bytes> VirtualCardTransport::transmit(ByteView command)
{
    std::shared_ptr<VirtualJpkiCard> card;
    {
        std::lock_guard lock(m_mutex);
        refresh_presence_locked();
        if (!m_present) return Unexpected{Errc::CardRemoved, "virtual card removed"};
        if (m_pending_reset) {
            m_pending_reset = false;
            ++m_epoch;
            // As SCardTransmit answers SCARD_W_RESET_CARD before sending (pcsc_transport.cpp).
            Error reset(Errc::CardReset, "virtual card was reset by another application");
            reset.not_sent = true;
            return reset;
        }
        card = m_card;
    }
    // Switch no-extended: a reader without extended-length support refuses the APDU itself;
    // PC/SC reports a transmission failure (ccid: IFD_COMMUNICATION_ERROR, pcscd:
    // SCARD_E_NOT_TRANSACTED, which the PC/SC transport maps to Errc::Transport) and the card
    // never sees it.
    if (!card->options().support_extended_length) {
        if (auto parsed = detail::parse_card_command(command); parsed && parsed->extended)
            return Unexpected{Errc::Transport, "reader refuses extended-length APDUs"};
    }
    // Outside the lock: the card may sleep (latency), and remove() must stay callable meanwhile.
    Bytes response = card->process(command);
    const LinkFault fault = card->take_link_fault();
    std::lock_guard lock(m_mutex);
    if (fault == LinkFault::Drop) {
        // Faults::drop_after_ins: the card ran the command, then went away with the answer.
        m_present = false;
        m_card->power_off();
        if (const auto delay = m_card->options().faults.reinsert_after)
            m_reinsert_at = std::chrono::steady_clock::now() + *delay;
        return Unexpected{Errc::CardRemoved, "virtual card removed during the exchange"};
    }
    if (fault == LinkFault::Reset) {
        // Faults::reset_after_ins: the card ran the command, then lost power; like a PC/SC
        // transmit that failed and then saw the reset, the command may have run (not not_sent).
        m_card->power_off();
        m_card->power_on();
        ++m_epoch;
        return Unexpected{Errc::CardReset, "virtual card was reset during the exchange"};
    }
    if (!m_present) return Unexpected{Errc::CardRemoved, "virtual card removed during the exchange"};
    return response;
}

Result<void> VirtualCardTransport::reset(apdu::Disposition how)
{
    std::lock_guard lock(m_mutex);
    refresh_presence_locked();
    if (!m_present) return Unexpected{Errc::CardRemoved, "virtual card removed"};
    if (how == apdu::Disposition::Unpower) {
        m_card->power_off();
        m_card->power_on();
    } else if (how == apdu::Disposition::Reset) {
        m_card->warm_reset();
    }
    m_pending_reset = false;
    ++m_epoch;
    return {};
}

std::uint64_t VirtualCardTransport::reset_epoch() const noexcept
{
    std::lock_guard lock(m_mutex);
    return m_epoch;
}

Bytes VirtualCardTransport::atr() const
{
    return m_card->atr();
}

bool VirtualCardTransport::extended_length() const noexcept
{
    try {
        return m_card->options().support_extended_length;
    } catch (...) {
        return false;
    }
}

std::string VirtualCardTransport::name() const
{
    return m_name;
}

void VirtualCardTransport::remove()
{
    std::lock_guard lock(m_mutex);
    m_present = false;
    m_reinsert_at.reset();
    m_card->power_off();
}

void VirtualCardTransport::insert()
{
    std::lock_guard lock(m_mutex);
    insert_locked();
}

void VirtualCardTransport::external_reset()
{
    std::lock_guard lock(m_mutex);
    if (!m_present) return;
    // Another application reset the card: we assume it unpowered it (SCARD_UNPOWER_CARD), which
    // is what loses the verified state (jpki-card.md §1.9).
    m_card->power_off();
    m_card->power_on();
    m_pending_reset = true;
}

}  // namespace mynacard::vcard
