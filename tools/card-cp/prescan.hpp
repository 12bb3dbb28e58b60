// What card-cp must know before CLI11 parses the command line: the message language (the
// help text and CLI11's own labels are set from the catalogue before parsing, so --lang has
// to be read first) and whether a usage error should also be reported as --json.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mynacard::cli {

struct PreScan {
    std::optional<std::string> lang;  ///< the last valid --lang value ("en" or "ja"), if any
    bool json = false;                ///< --json appears before any "--"
    /// The words that are neither options nor the value of a global option, in order: the
    /// command path ("cert", "show", ...) then positional arguments. Used to name an unknown
    /// command when CLI11 only says that a subcommand is required.
    std::vector<std::string> words;
};

/// Looks at `args` (argv without the program name) the way CLI11 will: "--lang ja",
/// "--lang=ja", "--json"; stops at "--". An invalid --lang value is ignored here and rejected
/// by CLI11 afterwards. The global options that take a value (--lang, --reader, --config,
/// --pin-fd, --pin-file, --new-pin-fd, --new-pin-file) consume the next word.
PreScan prescan(const std::vector<std::string>& args);

}  // namespace mynacard::cli
