// The one Errc -> CK_RV table (OpenSC misc.c sc_to_cryptoki_error style, one switch).
// Status words were already mapped to Errc in apdu/status_word.cpp; this file is the only place
// the module turns an Errc into a CK_RV.
#include "errors.hpp"

#include "mynacard/revocation/status.hpp"

namespace mynacard::p11 {

CK_RV to_ck_rv(Errc code) noexcept
{
    switch (code) {
    // PC/SC and transport. A vanished card or reader is CKR_DEVICE_REMOVED for the call that
    // noticed it; later calls see CKR_TOKEN_NOT_PRESENT / CKR_SESSION_HANDLE_INVALID.
    case Errc::CardRemoved:
    case Errc::NoReader: return CKR_DEVICE_REMOVED;
    case Errc::CardAbsent: return CKR_TOKEN_NOT_PRESENT;
    case Errc::NoService:
    case Errc::CardReset:
    case Errc::CardUnresponsive:
    case Errc::SharingViolation:
    case Errc::Transport:
    case Errc::Timeout: return CKR_DEVICE_ERROR;
    case Errc::Cancelled: return CKR_FUNCTION_CANCELED;
    // APDU level: the card answered something this module did not expect.
    case Errc::LengthOutOfRange: return CKR_DATA_LEN_RANGE;
    case Errc::MalformedResponse:
    case Errc::UnexpectedStatus:
    case Errc::WrongLength:
    case Errc::IncorrectParameters:
    case Errc::InstructionNotSupported:
    case Errc::ClassNotSupported:
    case Errc::FileNotFound: return CKR_DEVICE_ERROR;
    case Errc::ConditionsNotSatisfied: return CKR_FUNCTION_FAILED;
    // 6982: the key or EF needs a PIN the card no longer (or never) saw verified.
    case Errc::SecurityStatusNotSatisfied:
    case Errc::NotLoggedIn: return CKR_USER_NOT_LOGGED_IN;
    // PIN (pin-and-suspension.md §1.5.3/§1.5.5: local format errors never reach the card).
    case Errc::PinIncorrect: return CKR_PIN_INCORRECT;
    case Errc::PinLocked: return CKR_PIN_LOCKED;
    case Errc::PinLengthInvalid: return CKR_PIN_LEN_RANGE;
    case Errc::PinCharactersInvalid: return CKR_PIN_INVALID;
    // Final-try guard: CKR_FUNCTION_FAILED with ulDeviceError = kFinalTryGuard (§1.5.6).
    case Errc::FinalTryRefused: return CKR_FUNCTION_FAILED;
    // Card / application
    case Errc::NotSupported: return CKR_TOKEN_NOT_RECOGNIZED;
    case Errc::NoSuchKey: return CKR_KEY_HANDLE_INVALID;
    case Errc::DataTooLong: return CKR_DATA_LEN_RANGE;
    case Errc::SchemeNotSupported: return CKR_MECHANISM_INVALID;  // issue 9 §3: PSS refused later
    case Errc::CertificateInvalid: return CKR_DEVICE_ERROR;
    case Errc::CacheInvalid:
    case Errc::Io:
    case Errc::Crypto: return CKR_FUNCTION_FAILED;
    case Errc::ConfigInvalid: return CKR_GENERAL_ERROR;
    // Suspension checks refused the key (pin-and-suspension.md §3.8).
    case Errc::KeyRefused: return CKR_KEY_FUNCTION_NOT_PERMITTED;
    case Errc::InvalidArgument: return CKR_ARGUMENTS_BAD;
    case Errc::Internal: return CKR_GENERAL_ERROR;
    }
    return CKR_GENERAL_ERROR;
}

unsigned long device_error_for(const Error& error) noexcept
{
    if (error.code == Errc::FinalTryRefused) return revocation::device_error::kFinalTryGuard;
    return 0;
}

bool means_removal(Errc code) noexcept
{
    return code == Errc::CardRemoved || code == Errc::NoReader || code == Errc::CardAbsent;
}

const char* rv_name(CK_RV rv) noexcept
{
    switch (rv) {
#define MYNACARD_RV(x) case x: return #x;
    MYNACARD_RV(CKR_OK)
    MYNACARD_RV(CKR_CANCEL)
    MYNACARD_RV(CKR_HOST_MEMORY)
    MYNACARD_RV(CKR_SLOT_ID_INVALID)
    MYNACARD_RV(CKR_GENERAL_ERROR)
    MYNACARD_RV(CKR_FUNCTION_FAILED)
    MYNACARD_RV(CKR_ARGUMENTS_BAD)
    MYNACARD_RV(CKR_NO_EVENT)
    MYNACARD_RV(CKR_CANT_LOCK)
    MYNACARD_RV(CKR_ATTRIBUTE_SENSITIVE)
    MYNACARD_RV(CKR_ATTRIBUTE_TYPE_INVALID)
    MYNACARD_RV(CKR_DATA_LEN_RANGE)
    MYNACARD_RV(CKR_DEVICE_ERROR)
    MYNACARD_RV(CKR_DEVICE_REMOVED)
    MYNACARD_RV(CKR_FUNCTION_CANCELED)
    MYNACARD_RV(CKR_FUNCTION_NOT_SUPPORTED)
    MYNACARD_RV(CKR_KEY_HANDLE_INVALID)
    MYNACARD_RV(CKR_KEY_TYPE_INCONSISTENT)
    MYNACARD_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
    MYNACARD_RV(CKR_KEY_INDIGESTIBLE)
    MYNACARD_RV(CKR_MECHANISM_INVALID)
    MYNACARD_RV(CKR_MECHANISM_PARAM_INVALID)
    MYNACARD_RV(CKR_OBJECT_HANDLE_INVALID)
    MYNACARD_RV(CKR_OPERATION_ACTIVE)
    MYNACARD_RV(CKR_OPERATION_NOT_INITIALIZED)
    MYNACARD_RV(CKR_PIN_INCORRECT)
    MYNACARD_RV(CKR_PIN_INVALID)
    MYNACARD_RV(CKR_PIN_LEN_RANGE)
    MYNACARD_RV(CKR_PIN_LOCKED)
    MYNACARD_RV(CKR_SESSION_CLOSED)
    MYNACARD_RV(CKR_SESSION_HANDLE_INVALID)
    MYNACARD_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED)
    MYNACARD_RV(CKR_SESSION_READ_ONLY)
    MYNACARD_RV(CKR_SESSION_READ_ONLY_EXISTS)
    MYNACARD_RV(CKR_SESSION_READ_WRITE_SO_EXISTS)
    MYNACARD_RV(CKR_SIGNATURE_INVALID)
    MYNACARD_RV(CKR_SIGNATURE_LEN_RANGE)
    MYNACARD_RV(CKR_TEMPLATE_INCONSISTENT)
    MYNACARD_RV(CKR_TOKEN_NOT_PRESENT)
    MYNACARD_RV(CKR_TOKEN_NOT_RECOGNIZED)
    MYNACARD_RV(CKR_TOKEN_WRITE_PROTECTED)
    MYNACARD_RV(CKR_USER_ALREADY_LOGGED_IN)
    MYNACARD_RV(CKR_USER_NOT_LOGGED_IN)
    MYNACARD_RV(CKR_USER_TYPE_INVALID)
    MYNACARD_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
    MYNACARD_RV(CKR_RANDOM_NO_RNG)
    MYNACARD_RV(CKR_BUFFER_TOO_SMALL)
    MYNACARD_RV(CKR_STATE_UNSAVEABLE)
    MYNACARD_RV(CKR_CRYPTOKI_NOT_INITIALIZED)
    MYNACARD_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    MYNACARD_RV(CKR_FUNCTION_NOT_PARALLEL)
    MYNACARD_RV(CKR_FUNCTION_REJECTED)
#undef MYNACARD_RV
    default: return "CKR_(other)";
    }
}

}  // namespace mynacard::p11
