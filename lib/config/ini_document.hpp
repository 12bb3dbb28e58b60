// A strict, line-numbered view of an INI text, read with inih (Debian libinih).
//
// inih alone reports only "some error on line N" and cannot say which; it also treats an
// indented line as the continuation of the previous value and reads long lines in pieces.
// IniDocument feeds inih one whole line at a time (so each handler call knows its line),
// strips leading blanks (so indentation is only cosmetic: no continuation lines), and turns
// every problem into "origin:line: what" text for Errc::ConfigInvalid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mynacard/result.hpp"

namespace mynacard::config_detail {

struct IniEntry {
    std::string section;  ///< as written, e.g. "pin"
    std::string key;      ///< as written, e.g. "final_try"
    std::string value;    ///< blanks and any " ; comment" already removed by inih
    int line = 0;         ///< 1-based
};

struct IniSection {
    std::string name;
    int line = 0;
};

struct IniDocument {
    std::vector<IniSection> sections;  ///< every [header], in order, including empty ones
    std::vector<IniEntry> entries;     ///< every key = value, in order
};

/// inih's fixed line buffer (INI_MAX_LINE in the shipped library) minus its terminator.
inline constexpr std::size_t kIniMaxLineLength = 199;

/// Parses `text`. Errors (ConfigInvalid): a line longer than kIniMaxLineLength, a NUL byte, a
/// line that is neither blank, comment, [section] nor key = value, a key before any section.
Result<IniDocument> parse_ini(std::string_view text, const std::string& origin);

}  // namespace mynacard::config_detail
