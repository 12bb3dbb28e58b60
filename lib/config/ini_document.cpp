#include "ini_document.hpp"

#include <ini.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace mynacard::config_detail {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// State shared by the line reader and the entry handler (inih's `stream` and `user`).
struct ParseState {
    std::string_view rest;  // text not yet handed to inih
    int line = 0;           // number of the line inih is parsing now
    IniDocument doc;
    std::optional<std::pair<int, std::string>> first_error;

    void fail(int at, std::string what)
    {
        if (!first_error) first_error.emplace(at, std::move(what));
    }
};

std::string trimmed(std::string_view s)
{
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return std::string(s);
}

// Notes [section] headers, including empty sections that never reach the entry handler.
void note_section_header(ParseState& st, std::string_view line)
{
    if (line.empty() || line.front() != '[') return;
    const auto close = line.find(']');
    if (close == std::string_view::npos) return;  // inih reports the syntax error
    st.doc.sections.push_back({trimmed(line.substr(1, close - 1)), st.line});
}

// inih's ini_reader (fgets contract): one whole line per call, without leading blanks.
char* read_line(char* buffer, int size, void* stream)
{
    auto& st = *static_cast<ParseState*>(stream);
    if (st.rest.empty()) return nullptr;
    const auto eol = st.rest.find('\n');
    std::string_view line = st.rest.substr(0, eol);
    st.rest.remove_prefix(eol == std::string_view::npos ? st.rest.size() : eol + 1);
    ++st.line;

    if (st.line == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const auto capacity = static_cast<std::size_t>(std::max(size, 1) - 1);
    const auto limit = std::min(capacity, kIniMaxLineLength);
    if (line.size() > limit) {
        st.fail(st.line, "line longer than " + std::to_string(limit) +
                             " characters (split a list over several `key = ...` lines)");
        line = {};  // hand inih an empty line: nothing half-read reaches the handler
    }
    note_section_header(st, line);
    if (!line.empty()) std::memcpy(buffer, line.data(), line.size());  // {}.data() may be null
    buffer[line.size()] = '\0';
    return buffer;
}

int on_entry(void* user, const char* section, const char* name, const char* value)
{
    auto& st = *static_cast<ParseState*>(user);
    if (section[0] == '\0') {
        st.fail(st.line, std::string("key \"") + name + "\" outside any [section]");
        return 0;
    }
    st.doc.entries.push_back({trimmed(section), name, value, st.line});
    return 1;
}

}  // namespace

Result<IniDocument> parse_ini(std::string_view text, const std::string& origin)
{
    if (text.find('\0') != std::string_view::npos)
        return Unexpected{Errc::ConfigInvalid, origin + ": contains a NUL byte"};

    ParseState st;
    st.rest = text;
    // Returns 0, or the first line on which inih or a handler reported an error; a syntax
    // error inih found before any error of ours is the one to report.
    const int bad_line = ini_parse_stream(read_line, &st, on_entry, &st);
    if (bad_line < 0)
        return Unexpected{Errc::Internal, origin + ": inih could not allocate its line buffer"};
    if (bad_line > 0 && (!st.first_error || bad_line < st.first_error->first))
        st.first_error.emplace(bad_line,
            "syntax error (expected [section], key = value, or a ; or # comment)");
    if (st.first_error) {
        const auto& [line, what] = *st.first_error;
        return Unexpected{Errc::ConfigInvalid, origin + ":" + std::to_string(line) + ": " + what};
    }
    return std::move(st.doc);
}

}  // namespace mynacard::config_detail
