// Helpers shared by the fuzz targets (header-only, no libFuzzer dependency, so the same code
// runs in the g++ replay tests): carving one fuzz input into fields, handing bytes to library
// code that insists on reading a file, and a private scratch directory.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "mynacard/bytes.hpp"

namespace mynacard::fuzz {

/// Consumes a fuzz input front to back. Reads past the end yield zeros / short views, never
/// fail: every byte string is a valid input for the target.
class ByteReader {
public:
    explicit ByteReader(ByteView data) : m_rest(data) {}

    bool empty() const noexcept { return m_rest.empty(); }
    std::size_t size() const noexcept { return m_rest.size(); }

    std::uint8_t u8()
    {
        if (m_rest.empty()) return 0;
        const std::uint8_t v = m_rest[0];
        m_rest = m_rest.subspan(1);
        return v;
    }
    std::uint16_t u16()  // big-endian
    {
        const auto hi = static_cast<std::uint16_t>(u8() << 8);
        return static_cast<std::uint16_t>(hi | u8());
    }
    ByteView take(std::size_t n)
    {
        n = std::min(n, m_rest.size());
        const ByteView out = m_rest.first(n);
        m_rest = m_rest.subspan(n);
        return out;
    }
    ByteView rest() { return take(m_rest.size()); }

private:
    ByteView m_rest;
};

/// MYNACARD_FUZZ_VERBOSE=1: targets print what the code under test answered (seed debugging).
inline bool verbose()
{
    static const bool on = [] {
        const char* v = std::getenv("MYNACARD_FUZZ_VERBOSE");
        return v != nullptr && *v != '\0' && *v != '0';
    }();
    return on;
}

inline std::string_view as_text(ByteView b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// An anonymous in-memory file (memfd) reachable by path (/proc/self/fd/N), for library
/// functions that read configured files: no disk I/O per fuzz iteration, nothing left behind.
class MemFile {
public:
    MemFile() : m_fd(::memfd_create("mynacard-fuzz", MFD_CLOEXEC))
    {
        if (m_fd < 0) std::abort();  // harness set-up, not the code under test
    }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    ~MemFile() { ::close(m_fd); }

    void assign(ByteView data)
    {
        if (::ftruncate(m_fd, 0) != 0) std::abort();
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::pwrite(m_fd, data.data() + done, data.size() - done,
                                       static_cast<off_t>(done));
            if (n <= 0) std::abort();
            done += static_cast<std::size_t>(n);
        }
    }
    std::filesystem::path path() const { return "/proc/self/fd/" + std::to_string(m_fd); }

private:
    int m_fd;
};

/// A private directory, in /dev/shm when there is one (state files are written per input):
/// <base>/mynacard-fuzz.<pid>, removed at a normal exit. libFuzzer ends some runs with _Exit,
/// which skips that, so directories left by processes that no longer exist are removed first.
inline const std::filesystem::path& scratch_dir()
{
    namespace fs = std::filesystem;
    static char path_at_exit[4096];  // plain storage: still valid when atexit handlers run
    static const fs::path dir = [] {
        std::error_code ec;
        const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        const std::string prefix = "mynacard-fuzz.";
        for (const auto& entry : fs::directory_iterator(base, ec)) {
            const std::string name = entry.path().filename().string();
            if (name.rfind(prefix, 0) != 0) continue;
            const std::string pid = name.substr(prefix.size());
            if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
            std::error_code ignored;
            if (!fs::exists("/proc/" + pid, ignored)) fs::remove_all(entry.path(), ignored);
        }
        const fs::path mine = base / (prefix + std::to_string(::getpid()));
        fs::remove_all(mine, ec);
        if (!fs::create_directory(mine, ec) || mine.string().size() >= sizeof path_at_exit) std::abort();
        fs::permissions(mine, fs::perms::owner_all, ec);
        mine.string().copy(path_at_exit, sizeof path_at_exit - 1);
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(path_at_exit, ignored);
        });
        return mine;
    }();
    return dir;
}

}  // namespace mynacard::fuzz
