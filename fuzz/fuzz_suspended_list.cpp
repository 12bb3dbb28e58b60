// Fuzz target: the local suspended-list file format (lib/revocation/suspended_list.cpp,
// pin-and-suspension.md §3.6). Whatever parse_suspended_list accepts must survive a round trip
// through to_line() (what add/remove write back) and be found again by find_suspended.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "mynacard/revocation/suspended_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    using revocation::SuspendedEntry;
    const auto text = fuzz::as_text(ByteView(data, size));
    auto entries = revocation::parse_suspended_list(text, "fuzz");
    if (!entries) {
        if (entries.error().code != Errc::ConfigInvalid) __builtin_trap();
        return 0;
    }
    for (const SuspendedEntry& e : *entries) {
        const std::string line = e.to_line();
        if (line.find('\n') != std::string::npos) __builtin_trap();
        auto again = revocation::parse_suspended_list(line, "fuzz-roundtrip");
        if (!again || again->size() != 1) __builtin_trap();
        const SuspendedEntry& back = again->front();
        if (!back.same_key(e) || back.reason != e.reason || back.since != e.since || back.note != e.note)
            __builtin_trap();
        const auto found = e.kind == SuspendedEntry::Kind::Card
                               ? revocation::find_suspended(*entries, "", "", e.card_serial)
                               : revocation::find_suspended(*entries, e.issuer_key_id, e.serial, "");
        if (!found) __builtin_trap();
    }
    // The look-up with caller-supplied (unnormalised) hex, as card-cp passes it on.
    const auto half = text.substr(0, text.size() / 2);
    (void)revocation::find_suspended(*entries, half, text.substr(half.size()), half);
    return 0;
}
