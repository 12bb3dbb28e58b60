#include "crl_state.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "hex_util.hpp"

namespace mynacard::revocation {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxStateBytes = 1 << 20;  // a few lines per CRL issuer; anything larger is not ours

void parse_state(const std::string& text, std::map<std::string, std::string>& state)
{
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string key, number;
        if (!(fields >> key >> number)) continue;
        auto hex = normalise_hex(number, true);
        if (hex && !hex->empty()) state[key] = *hex;
    }
}

/// The file's entries when it is a regular file of ours (or root's); else nothing.
std::map<std::string, std::string> read_state(const fs::path& file)
{
    std::map<std::string, std::string> state;
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return state;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != ::geteuid()) ||
        static_cast<std::size_t>(st.st_size) > kMaxStateBytes) {
        ::close(fd);
        return state;
    }
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0 || text.size() + static_cast<std::size_t>(n) > kMaxStateBytes) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    parse_state(text, state);
    return state;
}

std::optional<fs::path> home_dir()
{
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') return fs::path(home);
    // No HOME in the environment (a service, a sanitised exec): the password database.
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
        found->pw_dir != nullptr && found->pw_dir[0] == '/' && std::string_view(found->pw_dir) != "/")
        return fs::path(found->pw_dir);
    return std::nullopt;
}

/// mkdir -p with mode 0700 for every directory created.
Result<void> make_private_dirs(const fs::path& dir)
{
    std::vector<fs::path> missing;
    for (fs::path p = dir; !p.empty() && p != p.root_path(); p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) break;
        missing.push_back(p);
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it)
        if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
            return Unexpected(Errc::Io, "cannot create " + it->string() + ": " + std::strerror(errno));
    return {};
}

}  // namespace

std::optional<fs::path> revocation_cache_dir(const Config& config)
{
    if (config.cache.directory) return *config.cache.directory / "revocation";
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/')
        return fs::path(xdg) / "mynacard" / "revocation";
    if (auto home = home_dir()) return *home / ".cache" / "mynacard" / "revocation";
    return std::nullopt;  // in memory only: never a shared directory such as /tmp
}

std::string private_dir_problem(const fs::path& dir)
{
    std::error_code ec;
    fs::path p = fs::weakly_canonical(dir, ec);
    if (ec || p.empty()) p = dir;
    bool leaf = true;
    for (;; p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) return p.string() + " is not a directory";
            if (st.st_uid != 0 && st.st_uid != ::geteuid())
                return p.string() + " is owned by uid " + std::to_string(st.st_uid);
            const bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
            // The directory that holds the state must be ours alone; above it a sticky shared
            // directory (/tmp) is fine, since nobody else can rename what we created in it.
            if (others_write && (leaf || (st.st_mode & S_ISVTX) == 0))
                return p.string() + " is group- or world-writable";
            leaf = false;
        } else if (errno != ENOENT) {
            return p.string() + ": " + std::strerror(errno);
        }
        // A directory still to be created will be made 0700 by us: its parent is the one to check.
        if (p == p.root_path() || p.parent_path() == p) break;
    }
    return {};
}

int compare_hex_numbers(const std::string& a, const std::string& b)
{
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
}

std::optional<std::string> CrlNumberState::highest(const std::string& key) const
{
    std::lock_guard lock(m_mutex);
    std::optional<std::string> best;
    if (auto it = m_memory.find(key); it != m_memory.end()) best = it->second;
    if (m_file && private_dir_problem(m_file->parent_path()).empty()) {
        auto state = read_state(*m_file);
        if (auto it = state.find(key); it != state.end() && (!best || compare_hex_numbers(it->second, *best) > 0))
            best = it->second;
    }
    return best;
}

Result<void> CrlNumberState::raise(const std::string& key, const std::string& number_hex)
{
    std::lock_guard lock(m_mutex);
    if (auto it = m_memory.find(key); it == m_memory.end() || compare_hex_numbers(it->second, number_hex) < 0)
        m_memory[key] = number_hex;
    if (!m_file) return Unexpected(Errc::Io, "no cache directory: crlNumbers are remembered in memory only");

    const fs::path dir = m_file->parent_path();
    if (auto problem = private_dir_problem(dir); !problem.empty())
        return Unexpected(Errc::Io, "not using " + m_file->string() + ": " + problem);
    MYNACARD_TRY_VOID(make_private_dirs(dir));
    if (auto problem = private_dir_problem(dir); !problem.empty())
        return Unexpected(Errc::Io, "not using " + m_file->string() + ": " + problem);

    auto state = read_state(*m_file);
    auto it = state.find(key);
    if (it != state.end() && compare_hex_numbers(it->second, number_hex) >= 0) return {};
    state[key] = number_hex;

    std::ostringstream out;
    out << "# highest accepted crlNumber per issuer key id[:partition]; mynacard roll-back protection\n";
    for (const auto& [k, v] : state) out << k << ' ' << v << '\n';
    std::string text = out.str();

    std::string tmpl = (dir / ".crl-numbers.XXXXXX").string();
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return Unexpected(Errc::Io, "cannot write " + m_file->string() + ": " + std::strerror(errno));
    bool ok = ::fchmod(fd, 0600) == 0 &&
              ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmpl.c_str(), m_file->c_str()) != 0) {
        int saved = errno;
        ::unlink(tmpl.c_str());
        return Unexpected(Errc::Io, "cannot write " + m_file->string() + ": " + std::strerror(saved));
    }
    return {};
}

}  // namespace mynacard::revocation
