// Card-side view of a command APDU (ISO/IEC 7816-3 §12.1: cases 1, 2S/2E, 3S/3E, 4S/4E). The
// card parses independently of apdu::Command so that the test equipment does not share the
// code it is meant to check, and so malformed input becomes a status word (6700) as on a card.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "mynacard/bytes.hpp"

namespace mynacard::vcard::detail {

struct CardCommand {
    std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
    Bytes data;                     ///< empty when there is no Lc
    std::optional<std::size_t> ne;  ///< expected length (Le 00 = 256 short / 65536 extended)
    bool extended = false;
    bool has_data() const noexcept { return !data.empty(); }
};

/// nullopt when the bytes are not a well-formed APDU of any case.
std::optional<CardCommand> parse_card_command(ByteView raw);

}  // namespace mynacard::vcard::detail
