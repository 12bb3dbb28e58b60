// CardModel (card_model.hpp): the rules behind each update are stated there.
#include "card_model.hpp"

namespace mynacard::jpki::detail {

void CardModel::begin(std::uint64_t epoch) noexcept
{
    if (epoch != m_epoch) {
        reset(epoch);
        return;
    }
    // Another application may have selected another AP or EF since our last transaction.
    m_confirmed = false;
    m_ef.reset();
}

void CardModel::reset(std::uint64_t epoch) noexcept
{
    // A reset clears the selection (the card powers on in its ISD, jpki-card.md §1.3) and every
    // verified state (§1.9). Counters survive: they live in the card's memory.
    m_epoch = epoch;
    m_ap.reset();
    m_confirmed = false;
    m_ef.reset();
    forget_logins();
    for (auto& c : m_counters)
        if (c && c->from_login) c.reset();
}

void CardModel::selected_ap(Ap ap) noexcept
{
    m_ap = ap;
    m_confirmed = true;
    m_ef.reset();
    // jpki-card.md §7: any SELECT by AID may end every verification on the card.
    forget_logins();
    for (auto& c : m_counters)
        if (c && c->from_login) c.reset();
}

void CardModel::ap_unknown() noexcept
{
    m_ap.reset();
    m_confirmed = false;
    m_ef.reset();
}

void CardModel::confirmed(Ap ap) noexcept
{
    if (m_ap != ap) m_ef.reset();
    m_ap = ap;
    m_confirmed = true;
}

void CardModel::selected_ef(std::uint16_t fid) noexcept
{
    m_ef = fid;
}

void CardModel::signed_with(KeyKind key) noexcept
{
    m_signed[index(key)] = true;
    if (m_signature_ends_login) forget_login(key);
}

void CardModel::signature_refused(KeyKind key) noexcept
{
    if (m_login[index(key)] && m_signed[index(key)]) m_signature_ends_login = true;
    forget_login(key);
}

void CardModel::verified(PinKind kind) noexcept
{
    if (kind != PinKind::Kenhojo) {
        const KeyKind key = kind == PinKind::Auth ? KeyKind::Auth : KeyKind::Sign;
        m_login[index(key)] = true;
        m_signed[index(key)] = false;  // a new login: none of its signatures ran yet
    }
    PinStatus status;
    status.kind = kind;
    status.max_tries = max_tries(kind);
    status.tries_left = status.max_tries;  // ISO 7816-4: a correct VERIFY resets the counter
    m_counters[index(kind)] = Counter{status, Clock::now(), kind != PinKind::Kenhojo};
}

void CardModel::learned(const PinStatus& status) noexcept
{
    m_counters[index(status.kind)] = Counter{status, Clock::now(), false};
}

std::optional<PinStatus> CardModel::known(PinKind kind, Clock::duration max_age) const noexcept
{
    const auto& c = m_counters[index(kind)];
    if (!c) return std::nullopt;
    if (c->from_login) {
        const KeyKind key = kind == PinKind::Auth ? KeyKind::Auth : KeyKind::Sign;
        if (m_login[index(key)]) return c->status;
    }
    if (Clock::now() - c->when <= max_age) return c->status;
    return std::nullopt;
}

}  // namespace mynacard::jpki::detail
