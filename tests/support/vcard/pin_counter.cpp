#include "pin_counter.hpp"

#include <algorithm>

namespace mynacard::vcard::detail {
namespace {

std::uint16_t counter_sw(int tries) noexcept
{
    return static_cast<std::uint16_t>(0x63C0 | std::clamp(tries, 0, 15));
}

}  // namespace

PinCounter::PinCounter(PinSetup setup, std::size_t min_length, std::size_t max_length)
    : m_setup(std::move(setup)), m_min_length(min_length), m_max_length(max_length)
{
    m_setup.tries_left = std::clamp(m_setup.tries_left, 0, m_setup.max_tries);
}

void PinCounter::restore(const PinSetup& setup)
{
    m_setup = setup;
    m_setup.tries_left = std::clamp(m_setup.tries_left, 0, m_setup.max_tries);
    m_verified = false;
}

std::uint16_t PinCounter::locked_sw(const PinBehaviour& how) const noexcept
{
    if (how.locked_sw_6983) return 0x6983;
    return how.locked_sw_63c0 ? 0x63C0 : 0x6984;
}

std::uint16_t PinCounter::verify(ByteView candidate, const PinBehaviour& how, bool& changed)
{
    changed = false;
    if (locked()) return locked_sw(how);  // blocked: nothing compared, nothing counted
    const ByteView reference = view(m_setup.value);
    if (std::equal(candidate.begin(), candidate.end(), reference.begin(), reference.end())) {
        changed = m_setup.tries_left != m_setup.max_tries;
        m_setup.tries_left = m_setup.max_tries;
        m_verified = true;
        return 0x9000;
    }
    // Assumption (not in jpki-card.md): a failed VERIFY also drops an earlier verified state,
    // as ISO 7816-4 cards commonly do; clients must not rely on keeping it.
    m_verified = false;
    --m_setup.tries_left;
    changed = true;
    return counter_sw(m_setup.tries_left);  // 63C0 on the attempt that blocks the PIN
}

std::uint16_t PinCounter::status(const PinBehaviour& how) const
{
    if (locked()) return locked_sw(how);
    if (m_verified && how.answer_9000_when_verified) return 0x9000;
    return counter_sw(m_setup.tries_left);
}

std::uint16_t PinCounter::change(ByteView new_value, const PinBehaviour& how)
{
    if (locked()) return locked_sw(how);
    if (!m_verified) return 0x6982;
    if (new_value.size() < m_min_length || new_value.size() > m_max_length) return 0x6700;
    m_setup.value.assign(new_value.begin(), new_value.end());
    m_setup.tries_left = m_setup.max_tries;
    return 0x9000;
}

}  // namespace mynacard::vcard::detail
