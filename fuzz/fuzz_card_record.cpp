// Fuzz target: the card record parser (lib/jpki/card_record.cpp), which reads the per-identity
// and per-insertion files of the user's cache directory. Another program running as the user
// can write them, so they are untrusted input (issue 9 §1).
//
// Input: the file's text. A record that parses must encode to text that parses to the same
// record (and encode stably); anything else must be CacheInvalid.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../lib/jpki/card_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = jpki::detail::parse_record(text);
    if (!parsed) {
        if (parsed.error().code != Errc::CacheInvalid) __builtin_trap();
        return 0;
    }
    const std::string encoded = jpki::detail::encode_record(*parsed);
    if (encoded.size() > jpki::detail::kMaxRecordSize) __builtin_trap();
    auto again = jpki::detail::parse_record(encoded);
    if (!again) __builtin_trap();
    if (jpki::detail::encode_record(*again) != encoded) __builtin_trap();
    if (again->identity.serial != parsed->identity.serial || again->label != parsed->label ||
        again->has_sign != parsed->has_sign || again->insertion != parsed->insertion ||
        again->auth_prefix != parsed->auth_prefix || again->checked != parsed->checked)
        __builtin_trap();
    return 0;
}
