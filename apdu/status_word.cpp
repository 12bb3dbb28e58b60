// The one status-word table: ISO/IEC 7816-4 §5.6 (tables 5 and 6) plus the words the My Number
// card is known to answer (jpki-card.md §1.1, §1.6, §1.10). Every other layer asks this file what
// a status word means; nothing else maps SW -> Errc.
#include "mynacard/apdu/status_word.hpp"

#include <array>
#include <string>

namespace mynacard::apdu {
namespace {

struct Entry {
    std::uint16_t value;
    std::uint16_t mask;  ///< which bits of the SW must equal `value`
    Errc errc;
    const char* meaning;
};

constexpr std::uint16_t kExact = 0xFFFF;
constexpr std::uint16_t kSw1 = 0xFF00;

// First match wins: exact words, then families (63Cx, 61xx, 6Cxx), then SW1 classes.
constexpr std::array kTable{
    Entry{0x9000, kExact, Errc::UnexpectedStatus, "Success"},  // to_errc(9000) is a caller bug
    // §5.6.1 table 6, warnings (6200-63FF)
    Entry{0x6281, kExact, Errc::UnexpectedStatus, "Part of returned data may be corrupted"},
    Entry{0x6282, kExact, Errc::UnexpectedStatus, "End of file reached before reading Le bytes"},
    Entry{0x6283, kExact, Errc::UnexpectedStatus, "Selected file deactivated"},
    Entry{0x6300, kExact, Errc::PinIncorrect, "Verification failed (no counter given)"},
    // 63C0: the attempt that just failed blocked the PIN (jpki-card.md §1.6).
    Entry{0x63C0, kExact, Errc::PinLocked, "Verification failed, no tries left (PIN blocked)"},
    Entry{0x63C0, 0xFFF0, Errc::PinIncorrect, "Verification failed, counter gives tries left"},
    // §5.6.1 table 6, execution errors (6400-6FFF)
    Entry{0x6581, kExact, Errc::UnexpectedStatus, "Memory failure"},
    Entry{0x6700, kExact, Errc::WrongLength, "Wrong length (Lc or Le)"},
    Entry{0x6881, kExact, Errc::ClassNotSupported, "Logical channel not supported"},
    Entry{0x6882, kExact, Errc::ClassNotSupported, "Secure messaging not supported"},
    Entry{0x6981, kExact, Errc::IncorrectParameters, "Command incompatible with file structure"},
    Entry{0x6982, kExact, Errc::SecurityStatusNotSatisfied, "Security status not satisfied"},
    Entry{0x6983, kExact, Errc::PinLocked, "Authentication method blocked"},
    Entry{0x6984, kExact, Errc::PinLocked, "Reference data not usable (PIN blocked)"},
    Entry{0x6985, kExact, Errc::ConditionsNotSatisfied, "Conditions of use not satisfied"},
    Entry{0x6986, kExact, Errc::ConditionsNotSatisfied, "Command not allowed (no current EF)"},
    Entry{0x6987, kExact, Errc::ClassNotSupported, "Expected secure messaging data objects missing"},
    Entry{0x6988, kExact, Errc::ClassNotSupported, "Incorrect secure messaging data objects"},
    // JICSAP card OS: secure-messaging CLA refused on READ BINARY / VERIFY (jpki-card.md §1.1).
    Entry{0x69FC, kExact, Errc::ClassNotSupported, "Secure messaging refused (card-specific 69FC)"},
    Entry{0x6A80, kExact, Errc::IncorrectParameters, "Incorrect parameters in the data field"},
    Entry{0x6A81, kExact, Errc::NotSupported, "Function not supported"},
    Entry{0x6A82, kExact, Errc::FileNotFound, "File or application not found"},
    Entry{0x6A83, kExact, Errc::FileNotFound, "Record not found"},
    Entry{0x6A84, kExact, Errc::UnexpectedStatus, "Not enough memory space in the file"},
    Entry{0x6A86, kExact, Errc::IncorrectParameters, "Incorrect parameters P1-P2"},
    Entry{0x6A87, kExact, Errc::WrongLength, "Nc inconsistent with parameters P1-P2"},
    Entry{0x6A88, kExact, Errc::FileNotFound, "Referenced data or reference data not found"},
    Entry{0x6B00, kExact, Errc::IncorrectParameters, "Wrong parameters P1-P2 (e.g. offset beyond the EF)"},
    Entry{0x6D00, kExact, Errc::InstructionNotSupported, "Instruction code not supported or invalid"},
    Entry{0x6E00, kExact, Errc::ClassNotSupported, "Class not supported"},
    Entry{0x6F00, kExact, Errc::UnexpectedStatus, "No precise diagnosis"},
    // §5.3.4 / §5.6.1: process-control words, normally consumed by transceive().
    Entry{0x6100, kSw1, Errc::UnexpectedStatus, "More response data available (GET RESPONSE)"},
    Entry{0x6C00, kSw1, Errc::WrongLength, "Wrong Le; SW2 gives the exact length"},
    // SW1 classes for anything not listed above.
    Entry{0x6200, kSw1, Errc::UnexpectedStatus, "Warning: state of non-volatile memory unchanged"},
    Entry{0x6300, kSw1, Errc::UnexpectedStatus, "Warning: state of non-volatile memory changed"},
    Entry{0x6400, kSw1, Errc::UnexpectedStatus, "Execution error: state of non-volatile memory unchanged"},
    Entry{0x6500, kSw1, Errc::UnexpectedStatus, "Execution error: state of non-volatile memory changed"},
    Entry{0x6600, kSw1, Errc::UnexpectedStatus, "Security-related issue"},
    Entry{0x6700, kSw1, Errc::WrongLength, "Wrong length"},
    Entry{0x6800, kSw1, Errc::ClassNotSupported, "Functions in CLA not supported"},
    Entry{0x6900, kSw1, Errc::UnexpectedStatus, "Command not allowed"},
    Entry{0x6A00, kSw1, Errc::IncorrectParameters, "Wrong parameters P1-P2"},
};

const Entry* lookup(StatusWord sw) noexcept
{
    for (const Entry& e : kTable)
        if ((sw.value & e.mask) == e.value) return &e;
    return nullptr;
}

}  // namespace

const char* describe(StatusWord sw) noexcept
{
    const Entry* e = lookup(sw);
    return e ? e->meaning : "Unknown status word";
}

Errc to_errc(StatusWord sw) noexcept
{
    const Entry* e = lookup(sw);
    return e ? e->errc : Errc::UnexpectedStatus;
}

Error to_error(StatusWord sw, const char* context)
{
    std::string text = (context != nullptr && *context != '\0') ? std::string(context) + ": " : "";
    text += describe(sw);
    Error err(to_errc(sw), sw.value, std::move(text));
    if (err.code == Errc::PinLocked) {
        err.tries_left = 0;
    } else if (auto left = sw.retries_left()) {
        err.tries_left = *left;
    }
    return err;
}

}  // namespace mynacard::apdu
