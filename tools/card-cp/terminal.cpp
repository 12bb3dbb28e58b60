#include "terminal.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace mynacard::cli {
namespace {

// State for restoring the terminal from a signal handler: plain data, async-signal-safe use.
std::atomic<int> g_restore_fd{-1};
struct termios g_saved_termios;
constexpr int kRestoreSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct sigaction g_old_actions[sizeof kRestoreSignals / sizeof kRestoreSignals[0]];

extern "C" void restore_terminal_and_reraise(int sig)
{
    const int fd = g_restore_fd.exchange(-1);
    if (fd >= 0) {
        tcsetattr(fd, TCSAFLUSH, &g_saved_termios);
        const char nl = '\n';
        [[maybe_unused]] auto n = ::write(fd, &nl, 1);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/// Echo off for the lifetime of the object.
class EchoOff {
public:
    explicit EchoOff(int fd) : m_fd(fd)
    {
        if (tcgetattr(fd, &g_saved_termios) != 0) return;
        struct termios quiet = g_saved_termios;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK);
        quiet.c_lflag |= ECHONL;
        struct sigaction action {};
        action.sa_handler = restore_terminal_and_reraise;
        sigemptyset(&action.sa_mask);
        for (std::size_t i = 0; i < std::size(kRestoreSignals); ++i)
            sigaction(kRestoreSignals[i], &action, &g_old_actions[i]);
        g_restore_fd = fd;
        m_active = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    ~EchoOff()
    {
        if (g_restore_fd.exchange(-1) >= 0) tcsetattr(m_fd, TCSAFLUSH, &g_saved_termios);
        for (std::size_t i = 0; i < std::size(kRestoreSignals); ++i)
            sigaction(kRestoreSignals[i], &g_old_actions[i], nullptr);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    int m_fd;
    bool m_active = false;
};

}  // namespace

bool stderr_is_terminal() noexcept { return isatty(STDERR_FILENO) == 1; }
bool stdout_is_terminal() noexcept { return isatty(STDOUT_FILENO) == 1; }

std::optional<Terminal> Terminal::open()
{
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    return Terminal(fd);
}

Terminal::Terminal(Terminal&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }

Terminal::~Terminal()
{
    if (m_fd >= 0) ::close(m_fd);
}

void Terminal::write(std::string_view text) const
{
    while (!text.empty()) {
        const ssize_t n = ::write(m_fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::optional<SecureBytes> Terminal::read_secret(std::string_view prompt) const
{
    write(prompt);
    EchoOff quiet(m_fd);
    std::string error;
    return read_secret_line(m_fd, &error);
}

std::optional<std::string> Terminal::read_line(std::string_view prompt) const
{
    write(prompt);
    std::string error;
    auto line = read_secret_line(m_fd, &error);
    if (!line) return std::nullopt;
    return std::string(line->begin(), line->end());
}

std::optional<SecureBytes> read_secret_line(int fd, std::string* error)
{
    SecureBytes line;
    line.reserve(64);  // one allocation for any sane PIN: no reallocation leaves copies
    bool any = false;
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            if (error) *error = std::strerror(errno);
            return std::nullopt;
        }
        if (n == 0) break;
        any = true;
        if (c == '\n') break;
        line.push_back(static_cast<std::uint8_t>(c));
    }
    if (!any) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace mynacard::cli
