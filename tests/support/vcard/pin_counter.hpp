// One PIN IEF of the virtual card: reference value, retry counter, verified flag.
// Rules (jpki-card.md §1.6): VERIFY with data compares bytes exactly (the card does no case
// folding; upper-casing the sign password is the client's job); a wrong value decrements the
// counter and answers 63Cx, the exhausting attempt 63C0, and every later VERIFY 6984 (or 6983, or 63C0);
// a correct value resets the counter to its maximum. An empty VERIFY (case 1) spends nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "mynacard/bytes.hpp"
#include "virtual_card.hpp"

namespace mynacard::vcard::detail {

struct PinBehaviour {
    bool answer_9000_when_verified = false;
    bool locked_sw_6983 = false;
    bool locked_sw_63c0 = false;  ///< 63C0 (no tries left) instead of 6984 once blocked
};

class PinCounter {
public:
    PinCounter(PinSetup setup, std::size_t min_length, std::size_t max_length);

    /// VERIFY with data. Returns the status word; `changed` tells whether the stored state moved.
    std::uint16_t verify(ByteView candidate, const PinBehaviour& how, bool& changed);
    /// Empty VERIFY: the counter, never a try spent.
    std::uint16_t status(const PinBehaviour& how) const;
    /// CHANGE REFERENCE DATA with only the new value (P1=01): needs this PIN verified.
    std::uint16_t change(ByteView new_value, const PinBehaviour& how);

    void clear_verified() noexcept { m_verified = false; }
    bool verified() const noexcept { return m_verified; }
    bool locked() const noexcept { return m_setup.tries_left <= 0; }
    const PinSetup& setup() const noexcept { return m_setup; }
    /// Replaces value and counters (loaded from a state directory).
    void restore(const PinSetup& setup);

private:
    std::uint16_t locked_sw(const PinBehaviour& how) const noexcept;
    PinSetup m_setup;
    std::size_t m_min_length, m_max_length;
    bool m_verified = false;
};

}  // namespace mynacard::vcard::detail
