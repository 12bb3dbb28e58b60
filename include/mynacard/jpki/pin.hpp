// Local PIN checks: nothing malformed ever reaches the card (pin-and-suspension.md §1.5.5).
#pragma once

#include <string_view>

#include "mynacard/bytes.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki {

/// Validates and normalises a PIN as typed:
/// - Auth, Kenhojo: exactly 4 ASCII digits.
/// - Sign: 6-16 characters from A-Z and 0-9; a-z is folded to upper case first, as J-LIS
///   software does (www2.jpki.go.jp procedure/password.html). When setting a new sign password
///   (`for_new_value`), letters and digits must both be present.
/// Errors: PinLengthInvalid, PinCharactersInvalid. The result is what goes into VERIFY.
Result<SecureBytes> normalize_pin(PinKind kind, ByteView typed, bool for_new_value = false);

}  // namespace mynacard::jpki
