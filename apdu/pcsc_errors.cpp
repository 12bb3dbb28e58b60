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
};

constexpr std::array kTable{
    Entry{SCARD_E_NO_SERVICE, Errc::NoService},
    Entry{SCARD_E_SERVICE_STOPPED, Errc::NoService},
    Entry{SCARD_E_NO_READERS_AVAILABLE, Errc::NoReader},
    Entry{SCARD_E_UNKNOWN_READER, Errc::NoReader},
    Entry{SCARD_E_READER_UNAVAILABLE, Errc::NoReader},
    Entry{SCARD_E_NO_SMARTCARD, Errc::CardAbsent},
    Entry{SCARD_W_REMOVED_CARD, Errc::CardRemoved},
    Entry{SCARD_W_RESET_CARD, Errc::CardReset},
    Entry{SCARD_W_UNRESPONSIVE_CARD, Errc::CardUnresponsive},
    Entry{SCARD_W_UNPOWERED_CARD, Errc::CardUnresponsive},
    Entry{SCARD_W_UNSUPPORTED_CARD, Errc::CardUnresponsive},
    Entry{SCARD_E_CARD_UNSUPPORTED, Errc::CardUnresponsive},
    Entry{SCARD_E_PROTO_MISMATCH, Errc::CardUnresponsive},
    Entry{SCARD_E_TIMEOUT, Errc::Timeout},
    Entry{SCARD_E_CANCELLED, Errc::Cancelled},
    Entry{SCARD_E_SYSTEM_CANCELLED, Errc::Cancelled},
    Entry{SCARD_E_SHARING_VIOLATION, Errc::SharingViolation},
    Entry{SCARD_E_UNSUPPORTED_FEATURE, Errc::NotSupported},
    Entry{SCARD_E_NO_MEMORY, Errc::Internal},
    Entry{SCARD_E_INVALID_PARAMETER, Errc::Internal},
    Entry{SCARD_E_INVALID_VALUE, Errc::Internal},
    Entry{SCARD_E_INSUFFICIENT_BUFFER, Errc::Internal},
    // Invalid handle, comm errors, NOT_TRANSACTED, ...: Errc::Transport (the default below).
};

}  // namespace

Errc errc_from(long rv) noexcept
{
    for (const Entry& e : kTable)
        if (e.rv == rv) return e.errc;
    return Errc::Transport;
}

Error error_from(long rv, const std::string& context)
{
    char code[32];
    std::snprintf(code, sizeof code, " (0x%08lX)", static_cast<unsigned long>(rv) & 0xFFFFFFFFUL);
    return Error(errc_from(rv), context + ": " + pcsc_stringify_error(static_cast<LONG>(rv)) + code);
}

}  // namespace mynacard::apdu::pcsc
