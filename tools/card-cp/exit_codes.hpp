// card-cp exit codes, by cause. Documented in `card-cp --help`, card-cp.1 and README.md
// ("card-cp" section). Scripts depend on these numbers: never renumber, only add.
#pragma once

#include <string>

#include "messages.hpp"
#include "mynacard/error.hpp"

namespace mynacard::cli {

enum class ExitCode : int {
    Ok = 0,
    Failure = 1,             ///< anything not listed below (card protocol error, crypto, internal)
    SignatureInvalid = 2,    ///< verify: the signature does not match the data
    NotTrusted = 3,          ///< verify: no chain to a configured trust anchor
    NoReader = 10,           ///< pcscd unreachable, no reader, or --reader matches none
    NoCard = 11,             ///< the reader is empty
    CardNotSupported = 12,   ///< not a JPKI My Number card, or the key/certificate is not issued
    CardCommunication = 13,  ///< card removed, reset, mute, held by another process, timeout
    PinIncorrect = 20,       ///< the card rejected the PIN; tries remain
    PinLocked = 21,          ///< the PIN is locked (nothing sent if it was locked before)
    FinalTryRefused = 22,    ///< one try left and no confirmation / --allow-final-try
    PinFormat = 23,          ///< malformed PIN or mismatched new entries; nothing sent
    CertExpired = 30,        ///< certificate expired or not yet valid
    CertRevoked = 31,        ///< certificate revoked, on hold or locally suspended
    CertStatusUnknown = 32,  ///< revocation status unknown and the policy is fail-closed
    SetupIncomplete = 40,    ///< setup: a browser database not updated; --check: not registered everywhere
    Usage = 64,              ///< bad command line, or no PIN source in non-interactive use
    DataError = 65,          ///< malformed input file (certificate, signature) or data too long
    Io = 74,                 ///< reading or writing a file failed
    Config = 78,             ///< the configuration file is invalid
};

/// The one mapping from library error codes to exit codes.
ExitCode exit_code_for(Errc code) noexcept;

/// Stable short name used in --json error objects, e.g. "pin-incorrect".
const char* exit_code_name(ExitCode code) noexcept;

/// The table printed at the end of --help, in the language of `msg`.
std::string exit_code_table(const Messages& msg);

inline int to_int(ExitCode code) noexcept { return static_cast<int>(code); }

}  // namespace mynacard::cli
