#include "mynacard/error.hpp"

#include <cstdio>

namespace mynacard {

const char* errc_name(Errc code) noexcept
{
    switch (code) {
#define MYNACARD_ERRC(name) case Errc::name: return #name;
        MYNACARD_ERRC(NoService) MYNACARD_ERRC(NoReader) MYNACARD_ERRC(CardAbsent)
        MYNACARD_ERRC(CardRemoved) MYNACARD_ERRC(CardReset) MYNACARD_ERRC(CardUnresponsive)
        MYNACARD_ERRC(SharingViolation) MYNACARD_ERRC(Transport) MYNACARD_ERRC(Timeout)
        MYNACARD_ERRC(Cancelled) MYNACARD_ERRC(LengthOutOfRange) MYNACARD_ERRC(MalformedResponse)
        MYNACARD_ERRC(UnexpectedStatus) MYNACARD_ERRC(WrongLength)
        MYNACARD_ERRC(SecurityStatusNotSatisfied) MYNACARD_ERRC(ConditionsNotSatisfied)
        MYNACARD_ERRC(FileNotFound) MYNACARD_ERRC(IncorrectParameters)
        MYNACARD_ERRC(InstructionNotSupported) MYNACARD_ERRC(ClassNotSupported)
        MYNACARD_ERRC(PinIncorrect) MYNACARD_ERRC(PinLocked) MYNACARD_ERRC(PinLengthInvalid)
        MYNACARD_ERRC(PinCharactersInvalid) MYNACARD_ERRC(FinalTryRefused)
        MYNACARD_ERRC(NotLoggedIn) MYNACARD_ERRC(NotSupported) MYNACARD_ERRC(NoSuchKey)
        MYNACARD_ERRC(DataTooLong) MYNACARD_ERRC(SchemeNotSupported) MYNACARD_ERRC(CertificateInvalid) MYNACARD_ERRC(CacheInvalid)
        MYNACARD_ERRC(ConfigInvalid) MYNACARD_ERRC(KeyRefused) MYNACARD_ERRC(Io)
        MYNACARD_ERRC(Crypto) MYNACARD_ERRC(InvalidArgument) MYNACARD_ERRC(Internal)
#undef MYNACARD_ERRC
    }
    return "Unknown";
}

std::string Error::message() const
{
    std::string out = errc_name(code);
    if (sw || tries_left) {
        out += " (";
        if (sw) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "SW %04X", static_cast<unsigned>(*sw));
            out += buf;
        }
        if (tries_left) {
            if (sw) out += ", ";
            out += std::to_string(*tries_left) + (*tries_left == 1 ? " try left" : " tries left");
        }
        out += ")";
    }
    if (!context.empty()) out += ": " + context;
    return out;
}

}  // namespace mynacard
