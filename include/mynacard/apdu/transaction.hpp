// RAII PC/SC transaction and the one place that runs APDU exchanges (61xx, 6Cxx, tracing).
#pragma once

#include <cstdint>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/response.hpp"
#include "mynacard/apdu/transport.hpp"

namespace mynacard::apdu {

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
    explicit Transaction(Transport& t) : m_transport(&t) {}
    friend Result<Response> transceive(Transaction&, const Command&);
    Transport* m_transport;
    bool m_open = true;
    std::uint64_t m_apdus = 0;
};

/// Sends `cmd`, then: 61xx -> GET RESPONSE until done, concatenating data (ISO 7816-4 §5.3.4);
/// 6Cxx -> re-issue once with Le = xx. Traces every exchange (trace.hpp). The returned SW is the
/// final one; non-9000 is NOT an error here (callers decide what a SW means for them).
Result<Response> transceive(Transaction& tx, const Command& cmd);

/// Global APDU counter over all transactions in this process (for benchmarks).
std::uint64_t total_apdus() noexcept;

}  // namespace mynacard::apdu
