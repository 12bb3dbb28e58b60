#include "setup_nssdb.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mynacard::cli::setup {
namespace fs = std::filesystem;

bool in_path(const std::string& program)
{
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t pos = 0;
    while (pos <= dirs.size()) {
        auto end = dirs.find(':', pos);
        if (end == std::string::npos) end = dirs.size();
        const std::string dir = end > pos ? dirs.substr(pos, end - pos) : ".";
        if (::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
        pos = end + 1;
    }
    return false;
}

RunResult run_program(const std::vector<std::string>& argv)
{
    RunResult result;
    if (argv.empty()) {
        result.error = "no program";
        return result;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.error = std::string("pipe: ") + std::strerror(errno);
        return result;
    }
    // Built before fork(): the child only calls async-signal-safe functions.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        result.error = std::string("fork: ") + std::strerror(errno);
        ::close(fds[0]);
        ::close(fds[1]);
        return result;
    }
    if (pid == 0) {
        const int null_in = ::open("/dev/null", O_RDONLY);
        if (null_in >= 0) ::dup2(null_in, 0);
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        ::execvp(args[0], args.data());
        _exit(127);
    }
    ::close(fds[1]);
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0) {
            result.output.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        result.status = WEXITSTATUS(status);
        if (result.status == 127 && result.output.empty()) result.error = argv[0] + ": not found";
    } else {
        result.error = argv[0] + ": ended by signal " + std::to_string(WTERMSIG(status));
    }
    return result;
}

namespace {

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// pkcs11.txt split into entries (runs of non-blank lines), each kept as its lines.
std::vector<std::vector<std::string>> entries_of(const std::string& text)
{
    std::vector<std::vector<std::string>> entries;
    std::vector<std::string> current;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line == "\r") {
            if (!current.empty()) entries.push_back(std::move(current));
            current.clear();
            continue;
        }
        current.push_back(line);
    }
    if (!current.empty()) entries.push_back(std::move(current));
    return entries;
}

std::string value_of(const std::vector<std::string>& entry, const std::string& key)
{
    for (const auto& line : entry)
        if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
    return "";
}

bool is_ours(const std::vector<std::string>& entry) { return value_of(entry, "name") == kModuleName; }

/// [begin, end) of "slotParams=(...)" in `nss` (balanced parentheses), or npos.
std::pair<std::size_t, std::size_t> slot_params_span(const std::string& nss)
{
    const auto begin = nss.find("slotParams=");
    if (begin == std::string::npos) return {std::string::npos, std::string::npos};
    std::size_t i = begin + std::strlen("slotParams=");
    if (i >= nss.size() || nss[i] != '(') return {begin, i};
    int depth = 0;
    for (; i < nss.size(); ++i) {
        if (nss[i] == '(') ++depth;
        if (nss[i] == ')' && --depth == 0) return {begin, i + 1};
    }
    return {begin, nss.size()};
}

}  // namespace

std::optional<ModuleEntry> find_entry(const fs::path& dir)
{
    for (const auto& entry : entries_of(read_file(dir / "pkcs11.txt")))
        if (is_ours(entry)) return ModuleEntry{value_of(entry, "library"), value_of(entry, "NSS")};
    return std::nullopt;
}

std::string slot_params(const std::string& sign_flag, int readers)
{
    std::string out = "slotParams=(";
    for (int i = 0; i < readers; ++i) {
        if (i > 0) out += ' ';
        out += std::to_string(2 * i) + "={slotFlags=[PublicCerts]}";
        if (!sign_flag.empty()) out += " " + std::to_string(2 * i + 1) + "={slotFlags=[" + sign_flag + "]}";
    }
    return out + ")";
}

std::string slot_params_of(const std::string& nss)
{
    const auto [b, e] = slot_params_span(nss);
    return b == std::string::npos ? "" : nss.substr(b, e - b);
}

std::string write_slot_params(const fs::path& dir, const std::string& params)
{
    const fs::path file = dir / "pkcs11.txt";
    const std::string text = read_file(file);
    std::string out;
    bool found = false;
    for (auto& entry : entries_of(text)) {
        if (is_ours(entry)) {
            found = true;
            bool had_nss = false;
            for (auto& line : entry) {
                if (line.rfind("NSS=", 0) != 0) continue;
                had_nss = true;
                std::string nss = line.substr(4);
                const auto [b, e] = slot_params_span(nss);
                if (b != std::string::npos) nss.erase(b, e - b);
                while (!nss.empty() && nss.back() == ' ') nss.pop_back();
                line = "NSS=" + nss + (nss.empty() ? "" : " ") + params;
            }
            if (!had_nss) entry.push_back("NSS=" + params);
        }
        for (const auto& line : entry) out += line + "\n";
        out += "\n";
    }
    if (!found) return "module entry not found in " + file.string();

    struct stat st {};
    const mode_t mode = ::stat(file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;
    const fs::path tmp = dir / ("pkcs11.txt.card-cp." + std::to_string(::getpid()));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return tmp.string() + ": " + std::strerror(errno);
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return tmp.string() + ": " + why;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        return tmp.string() + ": " + std::strerror(errno);
    }
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return file.string() + ": " + why;
    }
    return "";
}

}  // namespace mynacard::cli::setup
