// ScriptedTransport: a Transport double that plays a fixed script of (expected command bytes,
// canned response) steps, in order. Anything off-script fails loudly: the step's error is
// returned to the caller (Errc::Internal, "ScriptedTransport: ..."), the mismatch is printed to
// stderr and recorded, and the destructor prints unconsumed steps. Tests assert finished():
//
//     ScriptedTransport card;
//     card.expect("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "90 00")
//         .expect("00 B0 00 00 00", "61 10")
//         .expect("00 C0 00 00 10", "01 02 ... 90 00");
//     ... run code under test ...
//     CHECK(card.finished());   // every step consumed, no mismatch; else see card.report()
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mynacard/apdu/transport.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/error.hpp"

namespace mynacard::test {

class ScriptedTransport final : public apdu::Transport {
public:
    struct Step {
        enum class Kind { Transmit, Reset } kind = Kind::Transmit;
        Bytes command;                    ///< Transmit: the exact bytes expected
        Bytes response;                   ///< Transmit: canned answer (data + SW)
        std::optional<Error> error;       ///< returned instead of the response / reset result
        apdu::Disposition reset_how = apdu::Disposition::Leave;  ///< Reset: expected disposition
    };

    explicit ScriptedTransport(std::string name = "scripted");
    ~ScriptedTransport() override;

    /// Next transmit must be exactly `command_hex`; answers `response_hex` (hex, spaces allowed).
    /// A malformed hex string is a test bug: it is recorded as a failure at once.
    ScriptedTransport& expect(std::string_view command_hex, std::string_view response_hex);
    ScriptedTransport& expect(Bytes command, Bytes response);
    /// Next transmit must be `command_hex`; the transport then fails with `error`.
    ScriptedTransport& expect_error(std::string_view command_hex, Error error);
    /// Next reset() must have this disposition; it bumps reset_epoch().
    ScriptedTransport& expect_reset(apdu::Disposition how);

    /// Every step consumed and nothing went off-script.
    bool finished() const noexcept { return m_next == m_steps.size() && m_failures.empty(); }
    std::size_t remaining() const noexcept { return m_steps.size() - m_next; }
    const std::vector<std::string>& failures() const noexcept { return m_failures; }
    /// Human-readable summary of failures and unconsumed steps (for test messages).
    std::string report() const;

    /// Every command transmitted, in order (also the off-script ones).
    const std::vector<Bytes>& sent() const noexcept { return m_sent; }

    // Knobs
    void set_extended_length(bool on) noexcept { m_extended = on; }
    void set_atr(Bytes atr) { m_atr = std::move(atr); }
    /// Makes the next begin_transaction() fail with `error` (once).
    void fail_next_begin(Error error) { m_begin_error = std::move(error); }
    /// Simulates "another party reset the card" as seen by begin_transaction().
    void bump_epoch() noexcept { ++m_epoch; }

    // Observations
    int transactions_begun() const noexcept { return m_begun; }
    int transactions_ended() const noexcept { return m_ended; }
    bool in_transaction() const noexcept { return m_begun > m_ended; }
    std::optional<apdu::Disposition> last_end_disposition() const noexcept { return m_last_end; }

    // apdu::Transport
    Result<void> begin_transaction() override;
    void end_transaction(apdu::Disposition how) noexcept override;
    Result<Bytes> transmit(ByteView command) override;
    Result<void> reset(apdu::Disposition how) override;
    std::uint64_t reset_epoch() const noexcept override { return m_epoch; }
    Bytes atr() const override { return m_atr; }
    bool extended_length() const noexcept override { return m_extended; }
    std::string name() const override { return m_name; }

private:
    Error fail(std::string what);
    static Bytes hex_or_fail(std::string_view hex, ScriptedTransport& self);

    std::string m_name;
    std::vector<Step> m_steps;
    std::size_t m_next = 0;
    std::vector<std::string> m_failures;
    std::vector<Bytes> m_sent;
    Bytes m_atr;
    bool m_extended = false;
    std::optional<Error> m_begin_error;
    std::uint64_t m_epoch = 0;
    int m_begun = 0;
    int m_ended = 0;
    std::optional<apdu::Disposition> m_last_end;
};

}  // namespace mynacard::test
