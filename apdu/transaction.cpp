// RAII transactions and transceive(): the single place above every Transport where the
// process-control status words are handled (ISO/IEC 7816-4 §5.3.4 GET RESPONSE for 61xx, and the
// re-issue with the exact Le for 6Cxx, §5.6.1 table 6), APDUs are counted and traced.
#include "mynacard/apdu/transaction.hpp"

#include <atomic>
#include <chrono>

#include "mynacard/apdu/trace.hpp"

namespace mynacard::apdu {
namespace {

std::atomic<std::uint64_t> g_total_apdus{0};
std::atomic<std::uint64_t> g_max_apdus{TransactionLimits{}.max_apdus};
std::atomic<std::int64_t> g_max_duration_ms{TransactionLimits{}.max_duration.count()};

// A card that keeps answering 61xx must not keep us looping: 64 rounds or 64 KiB of chained data
// (the largest extended Le) are far beyond any JPKI object (certificates are ~2 KiB).
constexpr int kMaxGetResponseRounds = 64;
constexpr std::size_t kMaxChainedBytes = 65536;

// SW2 of 61xx / 6Cxx is a length where 00 means 256 (§5.6.1).
std::size_t sw2_length(StatusWord sw) noexcept
{
    return sw.sw2() == 0 ? 256 : sw.sw2();
}

}  // namespace

void set_transaction_limits(TransactionLimits limits) noexcept
{
    g_max_apdus.store(limits.max_apdus);
    g_max_duration_ms.store(limits.max_duration.count());
}

TransactionLimits transaction_limits() noexcept
{
    return TransactionLimits{g_max_apdus.load(), std::chrono::milliseconds(g_max_duration_ms.load())};
}

Transaction::Transaction(Transport& t)
    : m_transport(&t), m_limits(transaction_limits()), m_started(std::chrono::steady_clock::now())
{
}

Result<Transaction> Transaction::begin(Transport& transport)
{
    MYNACARD_TRY_VOID(transport.begin_transaction());
    return Transaction(transport);
}

Transaction::Transaction(Transaction&& other) noexcept
    : m_transport(other.m_transport), m_open(other.m_open), m_apdus(other.m_apdus),
      m_limits(other.m_limits), m_started(other.m_started)
{
    other.m_open = false;
}

Transaction::~Transaction()
{
    end(Disposition::Leave);
}

void Transaction::end(Disposition how) noexcept
{
    if (!m_open) return;
    m_open = false;
    m_transport->end_transaction(how);
}

std::uint64_t total_apdus() noexcept
{
    return g_total_apdus.load(std::memory_order_relaxed);
}

namespace {

// One command/response exchange: encode, transmit, trace, parse. Counts the APDU as soon as it
// is handed to the transport (it may have reached the card even if the answer is lost).
struct Budget {
    const TransactionLimits& limits;
    std::chrono::steady_clock::time_point started;
};

Result<Response> exchange(Transport& transport, std::uint64_t& counter, const Command& cmd, const Budget& budget)
{
    // The bounds of one operation (TransactionLimits): checked before sending, so the command
    // that would exceed them never reaches the card. A VERIFY stopped here was not sent.
    if (counter >= budget.limits.max_apdus) {
        Error e(Errc::CardUnresponsive, "operation stopped after " + std::to_string(counter) +
                                            " APDUs: the card answers too little per command");
        e.not_sent = true;
        return e;
    }
    if (std::chrono::steady_clock::now() - budget.started > budget.limits.max_duration) {
        Error e(Errc::Timeout, "operation stopped after " + std::to_string(budget.limits.max_duration.count()) +
                                   " ms (" + std::to_string(counter) + " APDUs)");
        e.not_sent = true;
        return e;
    }
    Result<SecureBytes> encoded = cmd.encode(transport.extended_length());
    if (!encoded) {
        if (trace::enabled())
            trace::log_exchange(transport.name(), cmd, nullptr, &encoded.error(),
                                std::chrono::microseconds(0));
        return std::move(encoded).error();
    }
    const SecureBytes raw = std::move(encoded).value();
    ++counter;
    g_total_apdus.fetch_add(1, std::memory_order_relaxed);

    const auto start = std::chrono::steady_clock::now();
    Result<Bytes> reply = transport.transmit(view(raw));
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);

    if (!reply) {
        if (trace::enabled()) trace::log_exchange(transport.name(), cmd, nullptr, &reply.error(), elapsed);
        return std::move(reply).error();
    }
    Result<Response> rsp = Response::parse(*reply);
    if (trace::enabled()) {
        if (rsp) trace::log_exchange(transport.name(), cmd, &*rsp, nullptr, elapsed);
        else trace::log_exchange(transport.name(), cmd, nullptr, &rsp.error(), elapsed);
    }
    return rsp;
}

// Sends `cmd`; on 6Cxx sends it once more with Le = xx.
Result<Response> exchange_fixing_le(Transport& transport, std::uint64_t& counter, const Command& cmd,
                                    const Budget& budget)
{
    MYNACARD_TRY(Response rsp, exchange(transport, counter, cmd, budget));
    if (rsp.sw.sw1() != 0x6C) return rsp;
    return exchange(transport, counter, cmd.with_le(sw2_length(rsp.sw)), budget);
}

}  // namespace

Result<Response> transceive(Transaction& tx, const Command& cmd)
{
    if (!tx.m_open) return Error(Errc::Internal, "transceive on an ended transaction");
    Transport& transport = *tx.m_transport;
    const Budget budget{tx.m_limits, tx.m_started};

    MYNACARD_TRY(Response rsp, exchange_fixing_le(transport, tx.m_apdus, cmd, budget));

    // 61xx: the card has more; fetch it with GET RESPONSE and append (§5.3.4). A 6Cxx answer to
    // a GET RESPONSE (common over T=0) is fixed by the same one-time re-issue.
    int rounds = 0;
    while (rsp.sw.sw1() == 0x61) {
        if (++rounds > kMaxGetResponseRounds)
            return Error(Errc::MalformedResponse, rsp.sw.value,
                         "card kept answering 61xx after " + std::to_string(kMaxGetResponseRounds) +
                             " GET RESPONSE rounds");
        MYNACARD_TRY(Response more, exchange_fixing_le(transport, tx.m_apdus,
                                                       Command::get_response(sw2_length(rsp.sw)), budget));
        if (rsp.data.size() + more.data.size() > kMaxChainedBytes)
            return Error(Errc::MalformedResponse, more.sw.value,
                         "GET RESPONSE chain longer than 65536 bytes");
        rsp.data.insert(rsp.data.end(), more.data.begin(), more.data.end());
        rsp.sw = more.sw;
    }
    return rsp;
}

}  // namespace mynacard::apdu
