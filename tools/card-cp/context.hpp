// What every command shares: the global options, the message catalogue, the configuration,
// output helpers (text on stdout, progress and warnings on stderr, --json documents) and the
// CliFailure every command throws to end with a message and an exit code.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "messages.hpp"
#include "mynacard/config.hpp"
#include "mynacard/result.hpp"

namespace mynacard::cli {

/// Version of the --json document layout (card-cp.1, "JSON OUTPUT"). Bumped only on an
/// incompatible change; adding fields is compatible.
inline constexpr int kJsonSchemaVersion = 1;

struct GlobalOptions {
    bool json = false;
    std::optional<std::string> lang;
    std::optional<std::string> reader;
    bool trace = false;
    std::optional<std::string> config_path;
    // PIN sources for scripts (never a PIN value on the command line).
    std::optional<int> pin_fd;
    std::optional<std::string> pin_file;
    std::optional<int> new_pin_fd;
    std::optional<std::string> new_pin_file;
    bool allow_final_try = false;
    bool offline = false;  ///< --offline: [revocation] offline = true (no OCSP, no CRL URLs)
};

/// Ends a command: main() prints the message (and hints) and exits with `code`.
class CliFailure : public std::runtime_error {
public:
    CliFailure(ExitCode code, std::string message, std::vector<std::string> hints = {},
               std::optional<Error> cause = std::nullopt)
        : std::runtime_error(std::move(message)), m_code(code), m_hints(std::move(hints)),
          m_cause(std::move(cause))
    {
    }
    ExitCode code() const noexcept { return m_code; }
    const std::vector<std::string>& hints() const noexcept { return m_hints; }
    const std::optional<Error>& cause() const noexcept { return m_cause; }

private:
    ExitCode m_code;
    std::vector<std::string> m_hints;
    std::optional<Error> m_cause;
};

/// --trace: APDU trace lines on stderr (the library redacts VERIFY / CHANGE REFERENCE DATA data).
void trace_to_stderr();

class Context {
public:
    GlobalOptions options;
    Messages msg;

    /// Loaded on first use (--config, else the default path); ConfigInvalid ends the command.
    const Config& config();

    /// A line on stderr when stderr is a terminal (slow card work).
    void progress(const std::string& line) const;
    /// A line on stderr, always (warnings, tries left, hints).
    void note(const std::string& line) const;
    /// A line of the human-readable report on stdout (suppressed with --json).
    void out(const std::string& line) const;
    /// Prints `doc` (with "schema" and "command" added) on stdout as the --json result.
    void emit_json(const std::string& command, nlohmann::json doc) const;

    /// Turns a library error into a CliFailure with a translated message.
    [[noreturn]] void fail(const Error& error) const;
    [[noreturn]] void fail(ExitCode code, std::string message,
                           std::vector<std::string> hints = {},
                           std::optional<Error> cause = std::nullopt) const;

    template <typename T>
    T need(Result<T> result) const
    {
        if (!result) fail(result.error());
        return std::move(result).value();
    }
    void need(Result<void> result) const
    {
        if (!result) fail(result.error());
    }

private:
    std::optional<Config> m_config;
};

}  // namespace mynacard::cli
