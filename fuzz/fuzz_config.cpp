// Fuzz target: the configuration file (lib/config): the strict INI reader over inih
// (ini_document.cpp) and the key table (config.cpp). Any text gives a Config or ConfigInvalid
// naming "origin:line"; every entry the INI reader returns lies on a line of the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "../lib/config/ini_document.hpp"
#include "fuzz_input.hpp"
#include "mynacard/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    const auto text = fuzz::as_text(ByteView(data, size));
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;

    auto doc = config_detail::parse_ini(text, "fuzz.conf");
    if (doc) {
        for (const auto& e : doc->entries) {
            if (e.line < 1 || e.line > lines) __builtin_trap();
            if (e.key.size() > config_detail::kIniMaxLineLength) __builtin_trap();
        }
        for (const auto& s : doc->sections)
            if (s.line < 1 || s.line > lines) __builtin_trap();
    } else if (doc.error().code != Errc::ConfigInvalid || doc.error().context.rfind("fuzz.conf:", 0) != 0) {
        __builtin_trap();
    }

    auto config = parse_config(text, "fuzz.conf");
    if (!config) {
        if (config.error().code != Errc::ConfigInvalid || config.error().context.rfind("fuzz.conf:", 0) != 0)
            __builtin_trap();
        return 0;
    }
    if (!doc) __builtin_trap();  // the key table cannot accept what the INI reader refused
    // Paths from the file are absolute (config.cpp parse_path).
    for (const auto& p : config->crl.files)
        if (!p.is_absolute()) __builtin_trap();
    for (const auto& p : config->trust.anchors)
        if (!p.is_absolute()) __builtin_trap();
    return 0;
}
