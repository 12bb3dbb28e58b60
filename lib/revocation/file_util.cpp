#include "file_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mynacard::revocation {

Result<Bytes> read_file_limited(const std::filesystem::path& path, std::size_t max_bytes)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return Unexpected(Errc::Io, path.string() + ": " + std::strerror(errno));
    Bytes data;
    std::uint8_t buf[16384];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            ::close(fd);
            return Unexpected(Errc::Io, path.string() + ": " + std::strerror(saved));
        }
        if (n == 0) break;
        data.insert(data.end(), buf, buf + n);
        if (data.size() > max_bytes) {
            ::close(fd);
            return Unexpected(Errc::Io, path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
        }
    }
    ::close(fd);
    return data;
}

}  // namespace mynacard::revocation
