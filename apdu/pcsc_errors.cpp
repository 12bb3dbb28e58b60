// The one table from pcsc-lite return codes (pcsclite.h) to Errc. Everything PC/SC reports
// comes back as one of these, so callers can tell "start pcscd" from "insert the card" from
// "the card was pulled" without knowing PC/SC.
#include "pcsc_errors.hpp"

#include <winscard.h>

#include <array>
#include <cstdio>

namespace mynacard::apdu::pcsc {
namespace {

struct Entry {
    LONG rv;
    Errc errc;
    const char* name;  // our own text: pcsc_stringify_error uses a shared static buffer in some
                       // pcsc-lite versions, which is not safe from several threads
};

constexpr std::array kTable{
    Entry{SCARD_E_NO_SERVICE, Errc::NoService, "SCARD_E_NO_SERVICE"},
    Entry{SCARD_E_SERVICE_STOPPED, Errc::NoService, "SCARD_E_SERVICE_STOPPED"},
    Entry{SCARD_E_NO_READERS_AVAILABLE, Errc::NoReader, "SCARD_E_NO_READERS_AVAILABLE"},
    Entry{SCARD_E_UNKNOWN_READER, Errc::NoReader, "SCARD_E_UNKNOWN_READER"},
    Entry{SCARD_E_READER_UNAVAILABLE, Errc::NoReader, "SCARD_E_READER_UNAVAILABLE"},
    Entry{SCARD_E_NO_SMARTCARD, Errc::CardAbsent, "SCARD_E_NO_SMARTCARD"},
    Entry{SCARD_W_REMOVED_CARD, Errc::CardRemoved, "SCARD_W_REMOVED_CARD"},
    Entry{SCARD_W_RESET_CARD, Errc::CardReset, "SCARD_W_RESET_CARD"},
    Entry{SCARD_W_UNRESPONSIVE_CARD, Errc::CardUnresponsive, "SCARD_W_UNRESPONSIVE_CARD"},
    Entry{SCARD_W_UNPOWERED_CARD, Errc::CardUnresponsive, "SCARD_W_UNPOWERED_CARD"},
    Entry{SCARD_W_UNSUPPORTED_CARD, Errc::CardUnresponsive, "SCARD_W_UNSUPPORTED_CARD"},
    Entry{SCARD_E_CARD_UNSUPPORTED, Errc::CardUnresponsive, "SCARD_E_CARD_UNSUPPORTED"},
    Entry{SCARD_E_PROTO_MISMATCH, Errc::CardUnresponsive, "SCARD_E_PROTO_MISMATCH"},
    Entry{SCARD_E_TIMEOUT, Errc::Timeout, "SCARD_E_TIMEOUT"},
    Entry{SCARD_E_CANCELLED, Errc::Cancelled, "SCARD_E_CANCELLED"},
    Entry{SCARD_E_SYSTEM_CANCELLED, Errc::Cancelled, "SCARD_E_SYSTEM_CANCELLED"},
    Entry{SCARD_E_SHARING_VIOLATION, Errc::SharingViolation, "SCARD_E_SHARING_VIOLATION"},
    Entry{SCARD_E_UNSUPPORTED_FEATURE, Errc::NotSupported, "SCARD_E_UNSUPPORTED_FEATURE"},
    Entry{SCARD_E_NO_MEMORY, Errc::Internal, "SCARD_E_NO_MEMORY"},
    Entry{SCARD_E_INVALID_PARAMETER, Errc::Internal, "SCARD_E_INVALID_PARAMETER"},
    Entry{SCARD_E_INVALID_VALUE, Errc::Internal, "SCARD_E_INVALID_VALUE"},
    Entry{SCARD_E_INSUFFICIENT_BUFFER, Errc::Internal, "SCARD_E_INSUFFICIENT_BUFFER"},
    // Listed for their names; Errc::Transport is also the default for anything unlisted.
    Entry{SCARD_E_INVALID_HANDLE, Errc::Transport, "SCARD_E_INVALID_HANDLE"},
    Entry{SCARD_E_NOT_TRANSACTED, Errc::Transport, "SCARD_E_NOT_TRANSACTED"},
    Entry{SCARD_F_COMM_ERROR, Errc::Transport, "SCARD_F_COMM_ERROR"},
    Entry{SCARD_E_COMM_DATA_LOST, Errc::Transport, "SCARD_E_COMM_DATA_LOST"},
    Entry{SCARD_F_INTERNAL_ERROR, Errc::Transport, "SCARD_F_INTERNAL_ERROR"},
    Entry{SCARD_E_NOT_READY, Errc::Transport, "SCARD_E_NOT_READY"},
};

const Entry* lookup(long rv) noexcept
{
    for (const Entry& e : kTable)
        if (e.rv == rv) return &e;
    return nullptr;
}

}  // namespace

Errc errc_from(long rv) noexcept
{
    const Entry* e = lookup(rv);
    return e ? e->errc : Errc::Transport;
}

Error error_from(long rv, const std::string& context)
{
    char code[32];
    std::snprintf(code, sizeof code, "0x%08lX", static_cast<unsigned long>(rv) & 0xFFFFFFFFUL);
    const Entry* e = lookup(rv);
    const std::string what = e ? std::string(e->name) + " (" + code + ")" : std::string("PC/SC error ") + code;
    return Error(errc_from(rv), context + ": " + what);
}

}  // namespace mynacard::apdu::pcsc
