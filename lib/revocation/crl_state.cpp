#include "crl_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "hex_util.hpp"

namespace mynacard::revocation {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> read_state(const fs::path& file)
{
    std::map<std::string, std::string> state;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string key, number;
        if (!(fields >> key >> number)) continue;
        auto hex = normalise_hex(number, true);
        if (hex && !hex->empty()) state[key] = *hex;
    }
    return state;
}

}  // namespace

fs::path revocation_cache_dir(const Config& config)
{
    fs::path base;
    if (config.cache.directory) {
        base = *config.cache.directory;
    } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
        base = fs::path(xdg) / "mynacard";
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        base = fs::path(home) / ".cache" / "mynacard";
    } else {
        base = fs::temp_directory_path() / ("mynacard-" + std::to_string(::geteuid()));
    }
    return base / "revocation";
}

int compare_hex_numbers(const std::string& a, const std::string& b)
{
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
}

std::optional<std::string> CrlNumberState::highest(const std::string& key) const
{
    auto state = read_state(m_file);
    auto it = state.find(key);
    if (it == state.end()) return std::nullopt;
    return it->second;
}

Result<void> CrlNumberState::raise(const std::string& key, const std::string& number_hex)
{
    auto state = read_state(m_file);
    auto it = state.find(key);
    if (it != state.end() && compare_hex_numbers(it->second, number_hex) >= 0) return {};
    state[key] = number_hex;

    std::error_code ec;
    fs::create_directories(m_file.parent_path(), ec);
    if (ec) return Unexpected(Errc::Io, "cannot create " + m_file.parent_path().string() + ": " + ec.message());
    ::chmod(m_file.parent_path().c_str(), 0700);

    std::ostringstream out;
    out << "# highest accepted crlNumber per issuer key id[:partition]; mynacard roll-back protection\n";
    for (const auto& [k, v] : state) out << k << ' ' << v << '\n';
    std::string text = out.str();

    std::string tmpl = (m_file.parent_path() / ".crl-numbers.XXXXXX").string();
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return Unexpected(Errc::Io, "cannot write " + m_file.string() + ": " + std::strerror(errno));
    bool ok = ::fchmod(fd, 0600) == 0 &&
              ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmpl.c_str(), m_file.c_str()) != 0) {
        int saved = errno;
        ::unlink(tmpl.c_str());
        return Unexpected(Errc::Io, "cannot write " + m_file.string() + ": " + std::strerror(saved));
    }
    return {};
}

}  // namespace mynacard::revocation
