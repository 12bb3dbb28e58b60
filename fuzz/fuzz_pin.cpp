// Fuzz target: local PIN validation and case folding (lib/jpki/pin.cpp,
// pin-and-suspension.md §1.5.5): whatever normalize_pin accepts is what VERIFY may carry.
// Input: kind/flags (1) | typed PIN.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "mynacard/jpki/pin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    fuzz::ByteReader in(ByteView(data, size));
    const std::uint8_t flags = in.u8();
    const auto kind = static_cast<jpki::PinKind>((flags & 3) % 3);
    const bool for_new = (flags & 4) != 0;
    const ByteView typed = in.rest();

    auto pin = jpki::normalize_pin(kind, typed, for_new);
    if (!pin) {
        if (pin.error().code != Errc::PinLengthInvalid && pin.error().code != Errc::PinCharactersInvalid)
            __builtin_trap();
        return 0;
    }
    if (pin->size() != typed.size()) __builtin_trap();
    bool letter = false, digit = false;
    for (std::size_t i = 0; i < pin->size(); ++i) {
        const std::uint8_t c = (*pin)[i];
        const bool is_digit = c >= '0' && c <= '9';
        const bool is_upper = c >= 'A' && c <= 'Z';
        letter |= is_upper;
        digit |= is_digit;
        if (kind == jpki::PinKind::Sign) {
            if (!is_digit && !is_upper) __builtin_trap();
            // Folding changes a-z only.
            const std::uint8_t t = typed[i];
            if (t != c && !(t >= 'a' && t <= 'z' && t - 'a' + 'A' == c)) __builtin_trap();
        } else if (!is_digit || typed[i] != c) {
            __builtin_trap();
        }
    }
    if (kind == jpki::PinKind::Sign) {
        if (pin->size() < 6 || pin->size() > 16) __builtin_trap();
        if (for_new && !(letter && digit)) __builtin_trap();
        // Idempotent: the normalised value normalises to itself.
        auto again = jpki::normalize_pin(kind, ByteView(pin->data(), pin->size()), for_new);
        if (!again || *again != *pin) __builtin_trap();
    } else if (pin->size() != 4) {
        __builtin_trap();
    }
    return 0;
}
