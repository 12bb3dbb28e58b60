#include "process.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <array>
#include <cctype>
#include <stdexcept>

namespace mynacard::clitest {
namespace {

const TempDir& private_home()
{
    static TempDir dir;
    return dir;
}

std::string& default_config_path()
{
    static std::string path;  // function-local: safe to set from another file's static init
    return path;
}

std::map<std::string, std::string> card_cp_env(const std::map<std::string, std::string>& extra)
{
    const auto& home = private_home();
    std::map<std::string, std::string> env{
        {"LANG", "C"},
        {"LC_ALL", ""},
        {"LC_MESSAGES", ""},
        {"MYNACARD_CONFIG", default_config_path().empty() ? empty_config() : default_config_path()},
        {"XDG_CACHE_HOME", home.path()},
    };
    for (const auto& [k, v] : extra) env[k] = v;
    return env;
}

void apply_env(const std::map<std::string, std::string>& env)
{
    for (const auto& [k, v] : env) {
        if (v.empty() && (k == "LC_ALL" || k == "LC_MESSAGES"))
            unsetenv(k.c_str());
        else
            setenv(k.c_str(), v.c_str(), 1);
    }
}

[[noreturn]] void exec_argv(const std::vector<std::string>& argv)
{
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
}

void write_all(int fd, const std::string& data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}


int g_audited = 0;
std::size_t g_trace_bytes = 0;

/// Every card-cp run also traces its APDUs to a private file (MYNACARD_TRACE) unless the test
/// sets MYNACARD_TRACE itself, so the audit sees the trace of every run, not only --trace runs.
std::string trace_file_for(std::map<std::string, std::string>& env)
{
    static int n = 0;
    if (env.count("MYNACARD_TRACE") != 0) return {};
    const std::string path = private_home().file("apdu-" + std::to_string(++n) + ".log");
    env["MYNACARD_TRACE"] = path;
    return path;
}

/// The trace a run wrote (then removed), "" when there is none.
std::string take_trace(const std::string& path)
{
    if (path.empty()) return {};
    std::string text = read_text(path);
    std::error_code ec;
    std::filesystem::remove(path, ec);
    g_trace_bytes += text.size();
    return text;
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

/// The PIN values a run was given, wherever they came from.
std::vector<std::string> secrets_of(const std::vector<std::string>& args, const RunOptions& options)
{
    std::vector<std::string> secrets;
    auto add_lines = [&](const std::string& text) {
        for (auto& line : lines_of(text)) secrets.push_back(std::move(line));
    };
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--pin-file" || args[i] == "--new-pin-file") add_lines(read_text(args[i + 1]));
    for (const auto& [fd, data] : options.fd_data) add_lines(data);
    for (const char* name : {"MYNACARD_PIN", "MYNACARD_NEW_PIN"})
        if (auto it = options.env.find(name); it != options.env.end() && !it->second.empty())
            secrets.push_back(it->second);
    return secrets;
}

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

/// `needle` occurs in `hay` with no letter or digit right before or after it.
bool contains_word(const std::string& hay, const std::string& needle)
{
    for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
        const bool start_ok = pos == 0 || !alnum(hay[pos - 1]);
        const bool end_ok = pos + needle.size() >= hay.size() || !alnum(hay[pos + needle.size()]);
        if (start_ok && end_ok) return true;
    }
    return false;
}

std::string hex_of(const std::string& text, const char* separator)
{
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (!out.empty()) out += separator;
        out += digits[c >> 4];
        out += digits[c & 0x0F];
    }
    return out;
}

std::string upper(std::string text)
{
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

void audit(const std::string& what, const std::string& output, const std::vector<std::string>& secrets)
{
    ++g_audited;
    const auto leaks = leaked_secrets(output, secrets);
    INFO("card-cp run: " << what << "\noutput:\n" << output);
    CHECK(leaks.empty());
}

std::string joined(const std::vector<std::string>& args)
{
    std::string text;
    for (const auto& a : args) text += (text.empty() ? "" : " ") + a;
    return text;
}
}  // namespace

std::vector<std::string> leaked_secrets(const std::string& output, const std::vector<std::string>& secrets)
{
    std::vector<std::string> leaks;
    const auto lines = lines_of(output);
    for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        bool leaked = contains_word(output, secret) || contains_word(output, upper(secret));
        // The trace shows command bytes in hex: a PIN could only leak there in a command line.
        for (const auto& line : lines) {
            if (leaked) break;
            if (line.find("> ") == std::string::npos) continue;
            const std::string command = upper(line.substr(line.find("> ") + 2));
            for (const auto& form : {secret, upper(secret)})
                if (command.find(hex_of(form, " ")) != std::string::npos ||
                    command.find(hex_of(form, "")) != std::string::npos)
                    leaked = true;
        }
        if (leaked) leaks.push_back(secret);
    }
    return leaks;
}

int audited_runs() { return g_audited; }
std::size_t audited_trace_bytes() { return g_trace_bytes; }

void set_default_config(const std::string& path) { default_config_path() = path; }

std::string empty_config()
{
    static const std::string path = private_home().write("empty.conf", "");
    return path;
}

Run run_program(const std::vector<std::string>& argv, const RunOptions& options)
{
    signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the test
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0 || pipe(in_pipe) != 0) throw std::runtime_error("pipe");
    std::map<int, std::array<int, 2>> fd_pipes;
    for (const auto& [fd, data] : options.fd_data) {
        std::array<int, 2> p{};
        if (pipe(p.data()) != 0) throw std::runtime_error("pipe");
        fd_pipes[fd] = p;
    }
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork");
    if (pid == 0) {
        setsid();
        // Park the feeding pipes' read ends above every number in use, close all originals,
        // then put them where the test wants them (no clash with the pipes' own numbers).
        std::map<int, int> parked;
        for (const auto& [fd, p] : fd_pipes) parked[fd] = fcntl(p[0], F_DUPFD, 200);
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            if (fd > 2) close(fd);
        for (const auto& [fd, p] : fd_pipes) {
            close(p[0]);
            close(p[1]);
        }
        for (const auto& [fd, high] : parked) {
            dup2(high, fd);
            close(high);
        }
        apply_env(options.env);
        exec_argv(argv);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    for (auto& [fd, p] : fd_pipes) {
        close(p[0]);
        write_all(p[1], options.fd_data.at(fd));  // small: fits the pipe buffer
        close(p[1]);
    }
    if (options.stdin_data) write_all(in_pipe[1], *options.stdin_data);
    close(in_pipe[1]);

    Run run;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, 60000) <= 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buf[4096];
            const ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? run.out : run.err).append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) close(f.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

Run card_cp(const std::vector<std::string>& args, const RunOptions& options)
{
    std::vector<std::string> argv{CARD_CP_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions with_env = options;
    with_env.env = card_cp_env(options.env);
    const std::string trace_path = trace_file_for(with_env.env);
    const auto secrets = secrets_of(args, options);  // read before the run: files may change
    Run run = run_program(argv, with_env);
    audit(joined(args), run.out + run.err + take_trace(trace_path), secrets);
    return run;
}

PtySession::PtySession(const std::vector<std::string>& args, const std::map<std::string, std::string>& env)
{
    std::vector<std::string> argv{CARD_CP_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    auto full_env = card_cp_env(env);
    m_trace_path = trace_file_for(full_env);
    const pid_t pid = forkpty(&m_master, nullptr, nullptr, nullptr);
    if (pid < 0) throw std::runtime_error("forkpty");
    if (pid == 0) {
        apply_env(full_env);
        exec_argv(argv);
    }
    m_pid = pid;
}

PtySession::~PtySession()
{
    if (m_pid > 0) {
        kill(m_pid, SIGTERM);
        waitpid(m_pid, nullptr, 0);
    }
    if (m_master >= 0) close(m_master);
}

bool PtySession::pump(std::chrono::milliseconds timeout)
{
    if (m_eof) return false;
    pollfd p{m_master, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = read(m_master, buf, sizeof buf);
    if (n <= 0) {  // EIO once the child closed its side
        m_eof = true;
        return false;
    }
    m_transcript.append(buf, static_cast<std::size_t>(n));
    return true;
}

bool PtySession::expect(const std::string& text, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (m_transcript.find(text) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || m_eof) return false;
        pump(left);
    }
    return true;
}

void PtySession::send(const std::string& text) { write_all(m_master, text); }

void PtySession::send_secret(const std::string& text)
{
    for (auto& line : lines_of(text)) m_secrets.push_back(std::move(line));
    // card-cp prints its prompt, then turns echo off with TCSAFLUSH, which discards input
    // typed before (POSIX tcsetattr): type only once the terminal no longer echoes, as a
    // person does after the prompt. Without this wait a loaded machine loses the line. If echo
    // never goes off the line is sent anyway after 10 s, and the audit reports the echo.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    termios mode{};
    while (std::chrono::steady_clock::now() < deadline && tcgetattr(m_master, &mode) == 0 &&
           (mode.c_lflag & ECHO) != 0)
        pump(std::chrono::milliseconds(20));
    write_all(m_master, text);
}

int PtySession::finish(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!m_eof && std::chrono::steady_clock::now() < deadline) pump(std::chrono::milliseconds(200));
    int status = 0;
    if (!m_eof) kill(m_pid, SIGTERM);
    waitpid(m_pid, &status, 0);
    m_pid = -1;
    audit("pty session", m_transcript + take_trace(m_trace_path), m_secrets);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TempDir::TempDir()
{
    char tmpl[] = "/tmp/card-cp-test.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    m_path = tmpl;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const
{
    const std::string path = file(name);
    std::ofstream(path, std::ios::binary) << content;
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path;
}

std::string read_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace mynacard::clitest
