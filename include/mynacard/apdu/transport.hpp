// The seam between card logic and how bytes reach a card: PC/SC (pcsc.hpp), the in-process
// virtual card (tests), scripted and fuzz transports.
#pragma once

#include <cstdint>
#include <string>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::apdu {

enum class Disposition { Leave, Reset, Unpower };

class Transport {
public:
    virtual ~Transport() = default;

    /// Exclusive access for one logical operation (PC/SC SCardBeginTransaction). A reset seen
    /// here reconnects, bumps reset_epoch() and still succeeds: callers compare epochs.
    virtual Result<void> begin_transaction() = 0;
    virtual void end_transaction(Disposition how = Disposition::Leave) noexcept = 0;

    /// Sends one encoded APDU, returns the raw response (data + SW). No 61xx/6Cxx handling here:
    /// that lives once in transceive().
    virtual Result<Bytes> transmit(ByteView command) = 0;

    /// Power-cycles (Unpower) or warm-resets the card and reconnects; bumps reset_epoch().
    /// JPKI keeps VERIFY state until power is removed (jpki-card.md §1.9), so logout = Unpower.
    virtual Result<void> reset(Disposition how) = 0;

    /// Incremented whenever the transport observed or caused a card reset or reconnect.
    virtual std::uint64_t reset_epoch() const noexcept = 0;

    virtual Bytes atr() const = 0;
    /// Whether extended-length APDUs may be tried (card and reader both declare support).
    virtual bool extended_length() const noexcept { return false; }
    /// Reader name, or a description of the double.
    virtual std::string name() const = 0;
};

}  // namespace mynacard::apdu
