// 券面事項入力補助AP (Kenhojo, "text" AP): the 12-digit number and the four basic attributes
// (jpki-card.md §1.12). Sensitive personal data: never logged or cached by the library.
#pragma once

#include <string>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki {

struct KenhojoAttributes {
    std::string name;        ///< DF22, UTF-8
    std::string address;     ///< DF23, UTF-8
    std::string birth_date;  ///< DF24, "YYYYMMDD"
    std::string sex;         ///< DF25, JIS X 0303 digit: 1 male, 2 female, 9 n/a, 0 unknown
};

struct KenhojoData {
    std::string my_number;   ///< 12 ASCII digits from EF 0001 (FF10 wrapper)
    KenhojoAttributes attributes;
};

/// Parses EF 0001 (FF 10 0C <12 digits>, then FF filler). Lenient BER; MalformedResponse else.
Result<std::string> parse_my_number(ByteView ef0001);
/// Parses EF 0002 (FF 20 {DF21 offsets, DF22..DF25}); non-minimal lengths and filler accepted.
Result<KenhojoAttributes> parse_kenhojo_attributes(ByteView ef0002);

}  // namespace mynacard::jpki
