// Lenient BER-TLV reader (ISO/IEC 7816-4 §5.2.2 / ITU-T X.690 §8.1.2-8.1.3).
//
// Lenient where the My Number card needs it (jpki-card.md §1.11): non-minimal long-form lengths
// such as 82 00 9F, and 00/FF filler after the last element. Strict where leniency would be
// unsafe: indefinite lengths (80) and lengths running past the buffer are errors.
#include "mynacard/apdu/tlv.hpp"

#include <string>

namespace mynacard::apdu::tlv {
namespace {

constexpr std::size_t kMaxTagBytes = 4;     // tag fits the uint32_t of Header::tag
constexpr std::size_t kMaxLengthBytes = 4;  // 84 xx xx xx xx: up to 4 GiB, plenty

Error malformed(const std::string& why)
{
    return Error(Errc::MalformedResponse, "TLV: " + why);
}

// A 00 byte, or an FF that is last or followed by another FF, at a tag position is filler
// (erased flash), not a tag. A lone FF followed by something else starts a private tag such as
// FF 40 (X.690 §8.1.2.4: FF = private class, constructed, multi-byte tag number).
bool is_filler(ByteView in, std::size_t pos)
{
    if (in[pos] == 0x00) return true;
    if (in[pos] != 0xFF) return false;
    return pos + 1 == in.size() || in[pos + 1] == 0xFF;
}

}  // namespace

Result<Header> parse_header(ByteView in)
{
    if (in.empty()) return malformed("no tag");
    Header h;
    std::size_t pos = 0;

    // Tag: X.690 §8.1.2. Low 5 bits all set -> subsequent bytes with bit 8 = "more follows".
    const std::uint8_t first = in[pos++];
    h.constructed = (first & 0x20) != 0;
    h.tag = first;
    if ((first & 0x1F) == 0x1F) {
        for (;;) {
            if (pos >= in.size()) return malformed("tag truncated");
            if (pos >= kMaxTagBytes) return malformed("tag longer than 4 bytes");
            const std::uint8_t b = in[pos++];
            h.tag = h.tag << 8 | b;
            if ((b & 0x80) == 0) break;
        }
    }

    // Length: X.690 §8.1.3. Short form < 80; long form 8n followed by n bytes (leading zeros
    // allowed: lenient BER); 80 alone is the indefinite form, which nothing here uses.
    if (pos >= in.size()) return malformed("length missing");
    const std::uint8_t l0 = in[pos++];
    if (l0 < 0x80) {
        h.value_length = l0;
    } else if (l0 == 0x80) {
        return malformed("indefinite length not accepted");
    } else {
        const std::size_t n = l0 & 0x7F;
        if (n > kMaxLengthBytes) return malformed("length field of " + std::to_string(n) + " bytes");
        if (in.size() - pos < n) return malformed("length truncated");
        std::size_t len = 0;
        for (std::size_t i = 0; i < n; ++i) len = len << 8 | in[pos++];
        h.value_length = len;
    }
    h.header_length = pos;
    return h;
}

Result<Element> parse_element(ByteView in)
{
    MYNACARD_TRY(Header h, parse_header(in));
    if (h.value_length > in.size() - h.header_length)
        return malformed("value of " + std::to_string(h.value_length) + " bytes runs past the " +
                         std::to_string(in.size()) + "-byte buffer");
    return Element{h, in.subspan(h.header_length, h.value_length)};
}

Result<std::vector<Element>> parse_all(ByteView in)
{
    std::vector<Element> out;
    std::size_t pos = 0;
    while (pos < in.size() && !is_filler(in, pos)) {
        MYNACARD_TRY(Element e, parse_element(in.subspan(pos)));
        pos += e.header.total();
        out.push_back(e);
    }
    return out;
}

std::optional<Element> find(const std::vector<Element>& elements, std::uint32_t tag)
{
    for (const Element& e : elements)
        if (e.header.tag == tag) return e;
    return std::nullopt;
}

}  // namespace mynacard::apdu::tlv
