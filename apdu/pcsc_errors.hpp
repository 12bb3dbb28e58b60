// Private to apdu/pcsc_*.cpp: the one SCARD_* -> Errc table. Takes the pcsc-lite LONG as `long`
// so that this header does not need <winscard.h>.
#pragma once

#include <string>

#include "mynacard/error.hpp"

namespace mynacard::apdu::pcsc {

/// The Errc for a pcsc-lite return code (Errc::Transport for anything not in the table).
Errc errc_from(long rv) noexcept;

/// Error carrying that Errc and "<context>: <pcsc-lite text> (0x8010xxxx)".
Error error_from(long rv, const std::string& context);

}  // namespace mynacard::apdu::pcsc
