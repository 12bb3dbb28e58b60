// RAII PC/SC transaction and the one place that runs APDU exchanges (61xx, 6Cxx, tracing).
#pragma once

#include <chrono>
#include <cstdint>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/response.hpp"
#include "mynacard/apdu/transport.hpp"

namespace mynacard::apdu {

/// Bounds on one transaction (= one card-layer operation), so a hostile or broken card, e.g.
/// one answering a single byte per READ BINARY, cannot hold the card and the caller's lock for
/// tens of thousands of APDUs (issue 10 §3). The largest real operation (open with the cache
/// checks, or a 4 KiB certificate in 256-byte reads) takes a few dozen APDUs and well under a
/// second at 12 ms per APDU. Checked before each command is sent, so the command that would
/// exceed a bound is never sent.
struct TransactionLimits {
    std::uint64_t max_apdus = 256;
    std::chrono::milliseconds max_duration{20000};
};
/// The limits every Transaction::begin uses from now on (tests lower them). Not thread-safe
/// against concurrent begin().
void set_transaction_limits(TransactionLimits limits) noexcept;
TransactionLimits transaction_limits() noexcept;

/// Proof that a transaction is open. Only Transaction::begin makes one; the destructor ends it.
class Transaction {
public:
    static Result<Transaction> begin(Transport& transport);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();

    Transport& transport() const noexcept { return *m_transport; }
    /// Ends the transaction now with this disposition (e.g. Unpower for logout).
    void end(Disposition how) noexcept;
    /// Count of APDUs sent through this transaction (incl. GET RESPONSE / re-issues).
    std::uint64_t apdu_count() const noexcept { return m_apdus; }

private:
    explicit Transaction(Transport& t);
    friend Result<Response> transceive(Transaction&, const Command&);
    Transport* m_transport;
    bool m_open = true;
    std::uint64_t m_apdus = 0;
    TransactionLimits m_limits;
    std::chrono::steady_clock::time_point m_started;
};

/// Sends `cmd`, then: 61xx -> GET RESPONSE until done, concatenating data (ISO 7816-4 §5.3.4);
/// 6Cxx -> re-issue once with Le = xx. Traces every exchange (trace.hpp). The returned SW is the
/// final one; non-9000 is NOT an error here (callers decide what a SW means for them).
Result<Response> transceive(Transaction& tx, const Command& cmd);

/// Global APDU counter over all transactions in this process (for benchmarks).
std::uint64_t total_apdus() noexcept;

}  // namespace mynacard::apdu
