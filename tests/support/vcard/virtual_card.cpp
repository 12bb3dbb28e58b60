// VirtualJpkiCard: construction, power states, locking and latency around the command handlers
// (card_commands.cpp).
//
// Security-state lifetime (jpki-card.md §1.9, unresolved on real cards): power_off() clears every
// verified PIN; warm_reset() keeps them (MC's observation). What a SELECT by AID does is a switch
// (CardOptions::select_rule, card_switches.hpp). Verified flags belong to the PIN, not to the
// selected AP.
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "card_state.hpp"

namespace mynacard::vcard {

using detail::PinId;

namespace {

Bytes default_atr()
{
    // ATR "JPKI (02)" of jpki-card.md §1.2: T=1, historical bytes declare extended Lc/Le.
    return {0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12,
            0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B};
}

PinId pin_of_ef(int pin_ef)
{
    switch (pin_ef) {
    case 0x18: return PinId::Auth;
    case 0x1B: return PinId::Sign;
    case 0x11: return PinId::Kenhojo;
    default: throw std::invalid_argument("VirtualJpkiCard: no PIN IEF " + std::to_string(pin_ef));
    }
}

ossl::PkeyPtr load_key(const KeyPairPem& pem)
{
    ossl::PkeyPtr key = ossl::key_from_pem(pem.private_key_pem);
    if (!key) ossl::fail("card key");
    return key;
}

}  // namespace

VirtualJpkiCard::State::State(TestPki p, CardOptions o) : pki(std::move(p)), options(std::move(o))
{
    if (options.atr.empty()) options.atr = default_atr();
    apps = detail::build_applications(pki, options);
    // Lengths accepted by CHANGE REFERENCE DATA (jpki-card.md §1.6: auth and Kenhojo PINs are 4
    // digits, the sign password 6-16 characters).
    pins.emplace(PinId::Auth, detail::PinCounter(options.auth_pin, 4, 4));
    pins.emplace(PinId::Sign, detail::PinCounter(options.sign_pin, 6, 16));
    pins.emplace(PinId::Kenhojo, detail::PinCounter(options.kenhojo_pin, 4, 4));
    keys.emplace(detail::KeyId::Auth, load_key(pki.auth_key));
    keys.emplace(detail::KeyId::Sign, load_key(pki.sign_key));
}

void VirtualJpkiCard::State::clear_security()
{
    for (auto& [id, pin] : pins) pin.clear_verified();
}

VirtualJpkiCard::VirtualJpkiCard(TestPki pki, CardOptions options)
    : m_state(std::make_unique<State>(std::move(pki), std::move(options)))
{
}

VirtualJpkiCard::~VirtualJpkiCard() = default;

Bytes VirtualJpkiCard::process(ByteView command)
{
    std::chrono::milliseconds apdu_latency{0};
    detail::Reply reply;
    {
        std::lock_guard lock(m_mutex);
        if (!m_state->powered) return {};  // an unpowered card says nothing
        apdu_latency = m_state->options.apdu_latency;
        reply = m_state->handle(command);
        // Link faults fire once, after the card has run the command (Faults::drop_after_ins).
        auto& faults = m_state->options.faults;
        // Only commands with a data field (short case 3/4: more than header + Lc/Le).
        const int ins = command.size() > 5 ? command[1] : -1;
        if (faults.drop_after_ins && *faults.drop_after_ins == ins) {
            faults.drop_after_ins.reset();
            m_state->pending_link_fault = LinkFault::Drop;
        } else if (faults.reset_after_ins && *faults.reset_after_ins == ins) {
            faults.reset_after_ins.reset();
            m_state->pending_link_fault = LinkFault::Reset;
        }
    }
    // Sleep outside the lock so tests can read stats() while a "slow card" works.
    const auto delay = apdu_latency + reply.delay;
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    return reply.encode();
}

void VirtualJpkiCard::power_off()
{
    std::lock_guard lock(m_mutex);
    m_state->powered = false;
    m_state->current_app.reset();
    m_state->current_ef.reset();
    m_state->clear_security();
    m_state->apdus_since_power_on = 0;
}

void VirtualJpkiCard::power_on()
{
    std::lock_guard lock(m_mutex);
    if (m_state->powered) return;  // already running: power-on changes nothing
    m_state->powered = true;
    m_state->apdus_since_power_on = 0;
}

void VirtualJpkiCard::warm_reset()
{
    std::lock_guard lock(m_mutex);
    m_state->powered = true;
    m_state->current_app.reset();
    m_state->current_ef.reset();
    // Verified PINs survive a warm reset (jpki-card.md §1.9 assumption, see top of file).
}

Bytes VirtualJpkiCard::atr() const
{
    std::lock_guard lock(m_mutex);
    return m_state->options.atr;
}

CardStats VirtualJpkiCard::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_state->stats;
}

const TestPki& VirtualJpkiCard::pki() const noexcept
{
    return m_state->pki;  // immutable after construction
}

CardOptions VirtualJpkiCard::options() const
{
    std::lock_guard lock(m_mutex);
    CardOptions o = m_state->options;
    // Report the PINs as they are now (they change with VERIFY / CHANGE REFERENCE DATA).
    o.auth_pin = m_state->pins.at(PinId::Auth).setup();
    o.sign_pin = m_state->pins.at(PinId::Sign).setup();
    o.kenhojo_pin = m_state->pins.at(PinId::Kenhojo).setup();
    return o;
}

int VirtualJpkiCard::tries_left(int pin_ef) const
{
    std::lock_guard lock(m_mutex);
    return m_state->pins.at(pin_of_ef(pin_ef)).setup().tries_left;
}

bool VirtualJpkiCard::verified(int pin_ef) const
{
    std::lock_guard lock(m_mutex);
    return m_state->pins.at(pin_of_ef(pin_ef)).verified();
}

void VirtualJpkiCard::set_faults(Faults faults)
{
    std::lock_guard lock(m_mutex);
    m_state->options.faults = std::move(faults);
}

bool VirtualJpkiCard::powered() const
{
    std::lock_guard lock(m_mutex);
    return m_state->powered;
}

std::uint64_t VirtualJpkiCard::apdus_since_power_on() const
{
    std::lock_guard lock(m_mutex);
    return m_state->apdus_since_power_on;
}

bool VirtualJpkiCard::pulled() const
{
    std::lock_guard lock(m_mutex);
    const auto& limit = m_state->options.faults.remove_after_apdus;
    return limit && m_state->apdus_since_power_on >= *limit;
}

LinkFault VirtualJpkiCard::take_link_fault()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_state->pending_link_fault, LinkFault::None);
}

}  // namespace mynacard::vcard
