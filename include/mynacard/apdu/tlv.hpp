// Lenient BER-TLV reader (ISO/IEC 7816-4 §5.2.2, ITU-T X.690 §8.1). Accepts multi-byte tags,
// short and long length forms including non-minimal ones (the card writes FF 40 82 00 9F,
// jpki-card.md §1.11), and stops at 00/FF filler. Rejects indefinite length and lengths that
// run past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::apdu::tlv {

struct Header {
    std::uint32_t tag = 0;       ///< tag bytes big-endian, e.g. 0xFF20, 0xDF21, 0x30
    bool constructed = false;
    std::size_t header_length = 0;  ///< tag + length bytes
    std::size_t value_length = 0;
    std::size_t total() const noexcept { return header_length + value_length; }
};

/// Parses the header at the start of `in`. Needs only the header bytes to be present (used to
/// learn a certificate's size from its first bytes). Errc::MalformedResponse when incomplete.
Result<Header> parse_header(ByteView in);

struct Element {
    Header header;
    ByteView value;  ///< view into the caller's buffer
};

/// Parses one element whose value must be fully inside `in`.
Result<Element> parse_element(ByteView in);

/// Parses consecutive elements until the end, or until a 00 or FF filler byte at a tag position.
Result<std::vector<Element>> parse_all(ByteView in);

/// First element with `tag` among `elements`, if any.
std::optional<Element> find(const std::vector<Element>& elements, std::uint32_t tag);

}  // namespace mynacard::apdu::tlv
