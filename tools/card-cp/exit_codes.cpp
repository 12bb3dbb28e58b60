#include "exit_codes.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace mynacard::cli {

ExitCode exit_code_for(Errc code) noexcept
{
    switch (code) {
    case Errc::NoService:
    case Errc::NoReader:
        return ExitCode::NoReader;
    case Errc::CardAbsent:
        return ExitCode::NoCard;
    case Errc::CardRemoved:
    case Errc::CardReset:
    case Errc::CardUnresponsive:
    case Errc::SharingViolation:
    case Errc::Transport:
    case Errc::Timeout:
        return ExitCode::CardCommunication;
    case Errc::PinIncorrect:
        return ExitCode::PinIncorrect;
    case Errc::PinLocked:
        return ExitCode::PinLocked;
    case Errc::FinalTryRefused:
        return ExitCode::FinalTryRefused;
    case Errc::PinLengthInvalid:
    case Errc::PinCharactersInvalid:
        return ExitCode::PinFormat;
    case Errc::NotSupported:
    case Errc::NoSuchKey:
        return ExitCode::CardNotSupported;
    case Errc::KeyRefused:
        return ExitCode::CertRevoked;
    case Errc::DataTooLong:
    case Errc::CertificateInvalid:
        return ExitCode::DataError;
    case Errc::Io:
        return ExitCode::Io;
    case Errc::ConfigInvalid:
        return ExitCode::Config;
    case Errc::InvalidArgument:
        return ExitCode::Usage;
    case Errc::Cancelled:
    case Errc::LengthOutOfRange:
    case Errc::MalformedResponse:
    case Errc::UnexpectedStatus:
    case Errc::WrongLength:
    case Errc::SecurityStatusNotSatisfied:
    case Errc::ConditionsNotSatisfied:
    case Errc::FileNotFound:
    case Errc::IncorrectParameters:
    case Errc::InstructionNotSupported:
    case Errc::ClassNotSupported:
    case Errc::NotLoggedIn:
    case Errc::CacheInvalid:
    case Errc::Crypto:
    case Errc::Internal:
        return ExitCode::Failure;
    }
    return ExitCode::Failure;
}

namespace {

struct ExitCodeInfo {
    ExitCode code;
    const char* name;
    const char* description;
};

constexpr std::array kExitCodes{
    ExitCodeInfo{ExitCode::Ok, "ok", "success"},
    ExitCodeInfo{ExitCode::Failure, "failure", "other error (card protocol, crypto, internal)"},
    ExitCodeInfo{ExitCode::SignatureInvalid, "signature-invalid", "verify: signature does not match"},
    ExitCodeInfo{ExitCode::NotTrusted, "not-trusted", "verify: certificate not trusted"},
    ExitCodeInfo{ExitCode::NoReader, "no-reader", "no reader / pcscd not running"},
    ExitCodeInfo{ExitCode::NoCard, "no-card", "no card in the reader"},
    ExitCodeInfo{ExitCode::CardNotSupported, "card-not-supported",
                 "not a My Number card, or key not issued"},
    ExitCodeInfo{ExitCode::CardCommunication, "card-communication",
                 "card removed, reset or not answering"},
    ExitCodeInfo{ExitCode::PinIncorrect, "pin-incorrect", "PIN incorrect (tries remain)"},
    ExitCodeInfo{ExitCode::PinLocked, "pin-locked", "PIN locked"},
    ExitCodeInfo{ExitCode::FinalTryRefused, "final-try-refused",
                 "last try not confirmed (--allow-final-try)"},
    ExitCodeInfo{ExitCode::PinFormat, "pin-format", "malformed PIN, nothing sent"},
    ExitCodeInfo{ExitCode::CertExpired, "certificate-expired", "certificate expired / not yet valid"},
    ExitCodeInfo{ExitCode::CertRevoked, "certificate-revoked",
                 "certificate revoked, on hold or suspended"},
    ExitCodeInfo{ExitCode::CertStatusUnknown, "certificate-status-unknown",
                 "revocation status unknown (fail-closed)"},
    ExitCodeInfo{ExitCode::Usage, "usage", "command-line usage error"},
    ExitCodeInfo{ExitCode::DataError, "data-error", "malformed input data"},
    ExitCodeInfo{ExitCode::Io, "io", "file I/O error"},
    ExitCodeInfo{ExitCode::Config, "config", "invalid configuration file"},
};

}  // namespace

const char* exit_code_name(ExitCode code) noexcept
{
    for (const auto& info : kExitCodes)
        if (info.code == code) return info.name;
    return "failure";
}

std::string exit_code_table()
{
    std::string table = "Exit codes:\n";
    for (const auto& info : kExitCodes) {
        char line[128];
        std::snprintf(line, sizeof line, "  %3d  %s\n", to_int(info.code), info.description);
        table += line;
    }
    return table;
}

}  // namespace mynacard::cli
