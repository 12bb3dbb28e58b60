// Hex normalisation shared by the suspended list and the checks (key ids and serials).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mynacard::revocation {

/// Upper-case hex without separators; colons and blanks are dropped, an odd digit count gets a
/// leading 0. With `strip_leading_zero_bytes` (serials) leading "00" bytes go, keeping one byte.
/// nullopt for any other character.
std::optional<std::string> normalise_hex(std::string_view text, bool strip_leading_zero_bytes);

}  // namespace mynacard::revocation
