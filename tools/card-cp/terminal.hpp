// The controlling terminal (/dev/tty), used for prompts so that PINs never travel through
// stdin/stdout (which scripts redirect) and are read with echo switched off (termios).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mynacard/bytes.hpp"

namespace mynacard::cli {

bool stderr_is_terminal() noexcept;
bool stdout_is_terminal() noexcept;

class Terminal {
public:
    /// Opens /dev/tty; nullopt when the process has no controlling terminal.
    static std::optional<Terminal> open();
    Terminal(Terminal&& other) noexcept;
    Terminal& operator=(Terminal&&) = delete;
    Terminal(const Terminal&) = delete;
    ~Terminal();

    void write(std::string_view text) const;
    /// Prompts and reads one line with echo off (ECHONL keeps the newline visible). The
    /// terminal settings are restored afterwards, also when SIGINT/SIGTERM/SIGHUP/SIGQUIT
    /// arrive meanwhile. nullopt on end of input (Ctrl-D).
    std::optional<SecureBytes> read_secret(std::string_view prompt) const;
    /// Prompts and reads one line with echo on.
    std::optional<std::string> read_line(std::string_view prompt) const;

private:
    explicit Terminal(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

/// Reads one line (without the newline, CR stripped) from `fd`, byte by byte so nothing after
/// the line is consumed (a script may pass old and new PIN on one descriptor). nullopt on EOF
/// before any byte; errno-style text in `error` on failure.
std::optional<SecureBytes> read_secret_line(int fd, std::string* error);

}  // namespace mynacard::cli
