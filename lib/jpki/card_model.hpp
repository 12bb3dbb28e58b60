// One model, per transport, of what the card has selected and which PINs it holds verified
// (issue 9 §1). The card layer updates it from every APDU it sends (card_io.cpp), from resets
// (Transport::reset_epoch) and at transaction boundaries, and decides from it when a SELECT is
// needed. Private to lib/jpki.
//
// What the public record leaves open (jpki-card.md §1.9, §7) decides the rules:
//  - a SELECT by AID of the AP that is already selected may clear every verified PIN, and a
//    SELECT of another AP is assumed to: after any SELECT by AID the model forgets the logins
//    it held (a VERIFY after the SELECT establishes a new one);
//  - between two of our transactions another application may have selected anything: at the
//    start of a transaction the AP we left selected is only a belief (`ap()`), confirmed
//    (`ap_confirmed()`) by content only the JPKI AP holds (its token label, a certificate
//    already compared with the card, a signature that verifies) or by our own SELECT;
//  - SELECT EF, READ BINARY and an empty VERIFY are assumed to leave verified PINs alone (no
//    source suggests otherwise; every implementation selects EFs between VERIFY and 80 2A);
//  - whether a signature uses up its key's verification is open too (§7): a login is assumed to
//    survive its signatures until the card shows otherwise (a 69 82 to a signature in a login
//    that already signed); from then on every signature ends its login in the model, so the
//    tokens show it gone at once instead of meeting 69 82 again.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "mynacard/jpki/types.hpp"

namespace mynacard::jpki::detail {

enum class Ap { Jpki, Kenhojo, Common };

class CardModel {
public:
    using Clock = std::chrono::steady_clock;

    // --- transaction boundaries and resets
    /// A transaction begins: what another application did since our last one is unknown, so
    /// the selection is only a belief now. A reset since then (`epoch` moved) cleared the
    /// selection and every verified PIN.
    void begin(std::uint64_t epoch) noexcept;
    /// The card was reset or reconnected (inside a transaction or by our own logout).
    void reset(std::uint64_t epoch) noexcept;
    /// The reset epoch the model's state belongs to.
    std::uint64_t epoch() const noexcept { return m_epoch; }

    // --- selection
    std::optional<Ap> ap() const noexcept { return m_ap; }
    bool ap_confirmed() const noexcept { return m_ap && m_confirmed; }
    bool jpki_confirmed() const noexcept { return m_ap == Ap::Jpki && m_confirmed; }
    /// The current EF, known only inside the transaction that selected it.
    std::optional<std::uint16_t> ef() const noexcept { return m_confirmed ? m_ef : std::nullopt; }

    /// Our SELECT by AID answered 9000. Every login the model held may be gone (see above).
    void selected_ap(Ap ap) noexcept;
    /// A SELECT by AID failed, or an answer showed the belief wrong: nothing is known.
    void ap_unknown() noexcept;
    /// Content only `ap` holds was read in this transaction.
    void confirmed(Ap ap) noexcept;
    void selected_ef(std::uint16_t fid) noexcept;
    void ef_unknown() noexcept { m_ef.reset(); }

    // --- logins (a VERIFY of ours that the card accepted, not yet known to be gone)
    bool logged_in(KeyKind key) const noexcept { return m_login[index(key)]; }
    bool any_login() const noexcept { return m_login[0] || m_login[1]; }
    void forget_login(KeyKind key) noexcept
    {
        m_login[index(key)] = false;
        m_signed[index(key)] = false;
    }
    void forget_logins() noexcept
    {
        m_login = {};
        m_signed = {};
    }

    // --- what a signature does to its login (jpki-card.md §7)
    /// Our 80 2A with `key` answered a signature that verified. Ends the login in the model
    /// once the card has shown that signatures use up the verification.
    void signed_with(KeyKind key) noexcept;
    /// The card answered 69 82 to our 80 2A with `key` while the model held the login. If a
    /// signature of ours already ran in that login (no SELECT by AID, reset or VERIFY since),
    /// the card has shown that a signature may use up the verification: learned for good. (On
    /// a card that ends verification on re-SELECT, another application's SELECT of the JPKI AP
    /// between our two signatures looks the same; the cost of learning wrongly is a login per
    /// signature, never a wrong answer.) Forgets the login either way.
    void signature_refused(KeyKind key) noexcept;
    bool signatures_use_up_login() const noexcept { return m_signature_ends_login; }

    // --- PIN counters
    /// VERIFY (with the PIN) answered 9000: logged in, and the counter is back at its maximum.
    void verified(PinKind kind) noexcept;
    /// A counter learned from the card (empty VERIFY, or a wrong VERIFY's 63Cx).
    void learned(const PinStatus& status) noexcept;
    /// The counter as last learned, if learned no longer than `max_age` ago. A counter known
    /// from our own accepted VERIFY stays known while that login holds.
    std::optional<PinStatus> known(PinKind kind, Clock::duration max_age) const noexcept;
    void forget_counter(PinKind kind) noexcept { m_counters[index(kind)].reset(); }

private:
    static constexpr std::size_t index(KeyKind k) noexcept { return k == KeyKind::Auth ? 0 : 1; }
    static constexpr std::size_t index(PinKind k) noexcept { return static_cast<std::size_t>(k); }

    struct Counter {
        PinStatus status;
        Clock::time_point when;
        bool from_login = false;  ///< set by verified(): valid while the login holds
    };

    std::optional<Ap> m_ap;
    bool m_confirmed = false;
    std::optional<std::uint16_t> m_ef;
    std::array<bool, 2> m_login{};
    std::array<bool, 2> m_signed{};  ///< a signature of ours ran in the current login
    bool m_signature_ends_login = false;
    std::array<std::optional<Counter>, 3> m_counters;
    std::uint64_t m_epoch = 0;
};

}  // namespace mynacard::jpki::detail
