// Fuzz target: the crlNumber roll-back state file (lib/revocation/crl_state.cpp,
// pin-and-suspension.md §3.4), read from the user's cache directory on every CRL check.
// Input: the file content. Every number read back must be normalised upper-case hex.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../lib/revocation/crl_state.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    static fuzz::MemFile file;
    file.assign(ByteView(data, size));
    const revocation::CrlNumberState state(file.path());

    // Look up every first word of a line (the keys the file claims to hold) and one absent key.
    const auto text = fuzz::as_text(ByteView(data, size));
    std::size_t start = 0;
    int lookups = 0;
    while (start < text.size() && lookups < 16) {
        const auto eol = text.find('\n', start);
        const auto line = text.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start);
        const auto word_start = line.find_first_not_of(" \t\v\f\r");
        if (word_start != std::string_view::npos) {
            const auto word = line.substr(word_start, line.find_first_of(" \t\v\f\r", word_start) - word_start);
            if (auto number = state.highest(std::string(word))) {
                if (number->empty() || number->size() % 2 != 0) __builtin_trap();
                for (char c : *number)
                    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) __builtin_trap();
                if (number->size() > 2 && number->compare(0, 2, "00") == 0) __builtin_trap();
            }
            ++lookups;
        }
        if (eol == std::string_view::npos) break;
        start = eol + 1;
    }
    (void)state.highest("no-such-key");
    return 0;
}
