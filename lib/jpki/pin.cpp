// Local PIN checks (pin-and-suspension.md §1.5.5): a malformed value never reaches the card and
// so never costs a try. Formats: www2.jpki.go.jp procedure/password.html (jpki-card.md §1.6).
#include "mynacard/jpki/pin.hpp"

#include <algorithm>

#include "layout.hpp"

namespace mynacard::jpki {
namespace {

bool is_digit(std::uint8_t c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(std::uint8_t c) noexcept { return c >= 'A' && c <= 'Z'; }
bool is_lower(std::uint8_t c) noexcept { return c >= 'a' && c <= 'z'; }

Result<SecureBytes> normalize_digits(PinKind kind, ByteView typed)
{
    if (typed.size() != layout::kDigitPinLength)
        return Unexpected{Errc::PinLengthInvalid,
                          std::string(to_string(kind)) + " PIN must be exactly 4 digits"};
    if (!std::all_of(typed.begin(), typed.end(), is_digit))
        return Unexpected{Errc::PinCharactersInvalid,
                          std::string(to_string(kind)) + " PIN must be 4 ASCII digits"};
    return SecureBytes(typed.begin(), typed.end());
}

Result<SecureBytes> normalize_sign(ByteView typed, bool for_new_value)
{
    if (typed.size() < layout::kSignPinMin || typed.size() > layout::kSignPinMax)
        return Unexpected{Errc::PinLengthInvalid, "sign password must be 6-16 characters"};
    SecureBytes out(typed.begin(), typed.end());
    bool has_letter = false;
    bool has_digit = false;
    for (auto& c : out) {
        // J-LIS software folds lower case to upper case; the card compares bytes (§1.6).
        if (is_lower(c)) c = static_cast<std::uint8_t>(c - 'a' + 'A');
        if (is_upper(c)) {
            has_letter = true;
        } else if (is_digit(c)) {
            has_digit = true;
        } else {
            return Unexpected{Errc::PinCharactersInvalid,
                              "sign password may contain only A-Z and 0-9"};
        }
    }
    // The mix of letters and digits is a rule for setting a password; an existing password is
    // sent as typed so that a card issued under older rules still works.
    if (for_new_value && !(has_letter && has_digit))
        return Unexpected{Errc::PinCharactersInvalid,
                          "a new sign password must contain both letters and digits"};
    return out;
}

}  // namespace

Result<SecureBytes> normalize_pin(PinKind kind, ByteView typed, bool for_new_value)
{
    if (kind == PinKind::Sign) return normalize_sign(typed, for_new_value);
    return normalize_digits(kind, typed);
}

}  // namespace mynacard::jpki
