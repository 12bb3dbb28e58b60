// Errors are values (see result.hpp). One Errc list serves every layer; each boundary maps it in
// exactly one place: status word -> Errc in apdu/status_word.cpp, Errc -> CK_RV in
// pkcs11/errors.cpp, Errc -> exit code in tools/card-cp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mynacard {

enum class Errc {
    // PC/SC and transport
    NoService,          ///< pcscd not reachable (SCARD_E_NO_SERVICE)
    NoReader,           ///< no reader, or the named reader is gone
    CardAbsent,         ///< the reader is empty
    CardRemoved,        ///< the card left during the operation
    CardReset,          ///< another party reset the card; security state is lost
    CardUnresponsive,   ///< mute card / protocol failure
    SharingViolation,   ///< another process holds the card exclusively
    Transport,          ///< any other PC/SC or socket failure
    Timeout,
    Cancelled,
    // APDU level
    LengthOutOfRange,   ///< Lc/Le do not fit the APDU case (never truncated silently)
    MalformedResponse,  ///< fewer than 2 bytes, bad TLV, bad DER
    UnexpectedStatus,   ///< a status word with no specific meaning here (sw kept in Error)
    WrongLength,        ///< 6700
    SecurityStatusNotSatisfied,  ///< 6982: not verified (e.g. sign key or sign cert before login)
    ConditionsNotSatisfied,      ///< 6985
    FileNotFound,       ///< 6A82
    IncorrectParameters,///< 6A86 / 6B00 in a non-EOF context
    InstructionNotSupported,  ///< 6D00
    ClassNotSupported,  ///< 6E00
    // PIN
    PinIncorrect,       ///< 63Cx with x > 0: Error::tries_left holds x
    PinLocked,          ///< 63C0, 6983, 6984, or a counter already at 0 (no VERIFY sent)
    PinLengthInvalid,   ///< rejected locally, nothing sent
    PinCharactersInvalid,  ///< rejected locally, nothing sent
    FinalTryRefused,    ///< policy deny, or confirm without confirmation: nothing sent
    NotLoggedIn,        ///< the caller must verify first (or was logged out by a reset)
    // Card / application
    NotSupported,       ///< not a JPKI My Number card (other label), or unsupported feature
    NoSuchKey,          ///< key/certificate not issued on this card (e.g. under-15 card)
    DataTooLong,        ///< signature input longer than the card accepts
    SchemeNotSupported, ///< the card refuses a signature scheme (6A86 to P1 of 80 2A, §1.7)
    // Certificates, cache, configuration, revocation
    CertificateInvalid,
    CacheInvalid,
    ConfigInvalid,
    KeyRefused,         ///< suspension/revocation/expiry policy refused the key
    Io,
    Crypto,             ///< OpenSSL failure
    InvalidArgument,
    Internal,
};

/// Stable English name of the code, e.g. "PinIncorrect".
const char* errc_name(Errc code) noexcept;

struct Error {
    Errc code = Errc::Internal;
    std::optional<std::uint16_t> sw;   ///< the card's status word, when one caused this
    std::optional<int> tries_left;     ///< for PinIncorrect/PinLocked
    std::string context;               ///< what was being done, for humans; never a secret
    /// Set only where the transport can guarantee that the command did not reach the card
    /// (PC/SC answered SCARD_W_RESET_CARD before sending it). Every other failure of an exchange
    /// may have reached the card, which then may have run it: such a command is never repeated
    /// (a VERIFY would spend a second try; issue 10 §2). Layers that wrap an error keep this
    /// false unless nothing of their own operation that matters was sent.
    bool not_sent = false;

    Error() = default;
    Error(Errc c, std::string ctx = {}) : code(c), context(std::move(ctx)) {}
    Error(Errc c, std::uint16_t status, std::string ctx) : code(c), sw(status), context(std::move(ctx)) {}

    /// "PinIncorrect (SW 63C2, 2 tries left): verify auth PIN"
    std::string message() const;
};

}  // namespace mynacard
