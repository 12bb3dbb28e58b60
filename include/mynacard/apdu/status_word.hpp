// ISO/IEC 7816-4 §5.6 status words, and the one table that maps them to meanings and Errc.
#pragma once

#include <cstdint>
#include <optional>

#include "mynacard/error.hpp"

namespace mynacard::apdu {

struct StatusWord {
    std::uint16_t value = 0;

    constexpr std::uint8_t sw1() const noexcept { return static_cast<std::uint8_t>(value >> 8); }
    constexpr std::uint8_t sw2() const noexcept { return static_cast<std::uint8_t>(value & 0xFF); }
    constexpr bool ok() const noexcept { return value == 0x9000; }
    /// 63Cx (ISO 7816-4 §5.6.1 table 6, "counter provided by X"): x, else nullopt.
    constexpr std::optional<int> retries_left() const noexcept
    {
        if ((value & 0xFFF0) == 0x63C0) return value & 0x0F;
        return std::nullopt;
    }
    friend constexpr bool operator==(StatusWord a, StatusWord b) noexcept { return a.value == b.value; }
};

/// Human-readable meaning from the table ("Security status not satisfied"). Never null.
const char* describe(StatusWord sw) noexcept;

/// The Errc the table assigns to a non-9000 status word (63Cx -> PinIncorrect, 63C0/6983/6984 ->
/// PinLocked, 6982 -> SecurityStatusNotSatisfied, ...). Callers that know more (e.g. that 6B00
/// during a read means end of file) check the word before calling this.
Errc to_errc(StatusWord sw) noexcept;

/// Error with code, sw, tries_left (for 63Cx) and the given context.
Error to_error(StatusWord sw, const char* context);

}  // namespace mynacard::apdu
