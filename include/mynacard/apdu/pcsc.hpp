// PC/SC access over pcsc-lite. The only code that includes <winscard.h> is apdu/pcsc_*.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mynacard/apdu/transport.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::apdu {

struct ReaderInfo {
    std::string name;
    bool card_present = false;
    bool exclusive_in_use = false;  ///< another process holds it exclusively
    bool mute = false;              ///< a card is present but does not answer
    Bytes atr;
    std::uint32_t event_count = 0;  ///< pcsc-lite's per-reader event counter (high word of state)
};

class PcscTransport;

/// An SCARDCONTEXT. Movable, not copyable; released in the destructor. It must outlive the
/// transports connect() made from it (pcsc-lite drops their handles with the context).
class PcscContext {
public:
    /// Errc::NoService when pcscd is not running.
    static Result<PcscContext> establish();
    PcscContext(PcscContext&&) noexcept;
    PcscContext& operator=(PcscContext&&) noexcept;
    ~PcscContext();

    /// All readers with their current state. An empty list is a value, not an error.
    Result<std::vector<ReaderInfo>> list_readers() const;

    /// Connects SCARD_SHARE_SHARED with T=0|T=1. Errc::CardAbsent / NoReader / ... on failure.
    Result<std::unique_ptr<PcscTransport>> connect(const std::string& reader) const;

    /// Blocks until a reader is added/removed or a card is inserted/removed compared with
    /// `known` (as returned by list_readers), or until `timeout` (Errc::Timeout) or cancel()
    /// (Errc::Cancelled). Returns the new reader list.
    Result<std::vector<ReaderInfo>> wait_for_change(const std::vector<ReaderInfo>& known,
                                                    std::chrono::milliseconds timeout) const;
    /// Wakes a wait_for_change() blocked or in progress in another thread (SCardCancel).
    /// Thread-safe.
    void cancel() const noexcept;

    /// Abandons the handle without releasing it (after fork, the child must not release the
    /// parent's context: OpenSC/OpenSC#510).
    void abandon() noexcept;

private:
    PcscContext() = default;
    std::intptr_t m_handle = 0;
    bool m_valid = false;
    /// Set by cancel() so that a wait_for_change() between two pcscd calls still sees it.
    std::unique_ptr<std::atomic<bool>> m_cancel_requested;
};

/// A connected card. Card reset (SCARD_W_RESET_CARD) is handled by reconnecting; removal gives
/// Errc::CardRemoved and the transport stays unusable.
class PcscTransport final : public Transport {
public:
    ~PcscTransport() override;
    Result<void> begin_transaction() override;
    void end_transaction(Disposition how) noexcept override;
    Result<Bytes> transmit(ByteView command) override;
    Result<void> reset(Disposition how) override;
    std::uint64_t reset_epoch() const noexcept override { return m_epoch; }
    Bytes atr() const override { return m_atr; }
    bool extended_length() const noexcept override;
    std::string name() const override { return m_reader; }

    /// After fork: forget the handle without disconnecting.
    void abandon() noexcept;

private:
    friend class PcscContext;
    PcscTransport(std::intptr_t context, std::string reader);
    Result<void> connect();
    Result<void> reconnect(unsigned long initialization);
    std::intptr_t m_context;
    std::intptr_t m_card = 0;
    unsigned long m_protocol = 0;
    std::string m_reader;
    Bytes m_atr;
    std::uint64_t m_epoch = 0;
    bool m_connected = false;
};

}  // namespace mynacard::apdu
