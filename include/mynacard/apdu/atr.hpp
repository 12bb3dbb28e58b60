// Answer-to-Reset parsing, as far as the APDU layer needs it (ISO/IEC 7816-3 §8.2, ISO/IEC
// 7816-4 §8.1.1 historical bytes).
#pragma once

#include <optional>

#include "mynacard/bytes.hpp"

namespace mynacard::apdu::atr {

/// The historical bytes T1..TK of an ATR, or nullopt when the ATR is malformed or truncated.
std::optional<Bytes> historical_bytes(ByteView atr);

/// True when the historical bytes carry card capabilities (compact-TLV tag 7, ISO 7816-4
/// §8.1.1.2.7) whose third software-function byte declares extended Lc and Le (bit 0x40).
/// E.g. a My Number card ATR ending "73 C6 01 C0" does, "73 C6 01 00" does not
/// (jpki-card.md §1.2).
bool declares_extended_length(ByteView atr);

}  // namespace mynacard::apdu::atr
