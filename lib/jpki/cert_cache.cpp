// Certificate cache files (format in cert_cache.hpp). POSIX file handling so that permissions,
// O_NOFOLLOW and fsync are explicit.
#include "cert_cache.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "mynacard/jpki/certificate.hpp"

namespace mynacard::jpki::detail {
namespace {

constexpr std::array<std::uint8_t, 8> kMagic{'M', 'Y', 'N', 'A', 'C', 'E', 'R', 'T'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kDigestLength = 32;
constexpr std::size_t kMaxFileSize = 64 * 1024;

std::string identity_key(const CardIdentity& id) { return id.source + ":" + id.serial; }

std::uint8_t kind_byte(CertKind kind) { return static_cast<std::uint8_t>(kind); }

Bytes sha256(ByteView data)
{
    Bytes out(kDigestLength);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) out.clear();
    return out;
}

Error io_error(const std::string& what, const std::filesystem::path& p)
{
    return Error(Errc::Io, what + " " + p.string() + ": " + std::strerror(errno));
}

class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { if (m_fd >= 0) ::close(m_fd); }
    int get() const noexcept { return m_fd; }
    int release() noexcept { int fd = m_fd; m_fd = -1; return fd; }

private:
    int m_fd;
};

bool write_all(int fd, ByteView data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

/// File names use only [A-Za-z0-9-]; anything else in the identity is hex-encoded.
std::string safe_component(const std::string& s)
{
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            out += static_cast<char>(c);
        } else {
            out += '_' + to_hex(Bytes{c});
        }
    }
    return out;
}

}  // namespace

std::optional<std::filesystem::path> CertCache::default_directory()
{
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/')
        return std::filesystem::path(xdg) / "mynacard";
    if (const char* home = std::getenv("HOME"); home && home[0] == '/')
        return std::filesystem::path(home) / ".cache" / "mynacard";
    return std::nullopt;
}

CertCache::CertCache(std::filesystem::path directory) : m_dir(std::move(directory)) {}

std::filesystem::path CertCache::path_for(const CardIdentity& identity, CertKind kind) const
{
    return m_dir / (safe_component(identity.source) + "-" + safe_component(identity.serial) + "." +
                    to_string(kind) + ".cert");
}

Bytes CertCache::encode(const CardIdentity& identity, CertKind kind, ByteView der)
{
    const std::string key = identity_key(identity);
    Bytes out(kMagic.begin(), kMagic.end());
    out.push_back(kVersion);
    out.push_back(kind_byte(kind));
    out.push_back(static_cast<std::uint8_t>(key.size()));
    out.insert(out.end(), key.begin(), key.end());
    const auto n = static_cast<std::uint32_t>(der.size());
    out.push_back(static_cast<std::uint8_t>(n >> 24));
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    Bytes digest_input = out;
    digest_input.insert(digest_input.end(), der.begin(), der.end());
    const Bytes digest = sha256(digest_input);
    out.insert(out.end(), digest.begin(), digest.end());
    out.insert(out.end(), der.begin(), der.end());
    return out;
}

Result<Bytes> CertCache::decode(ByteView file, const CardIdentity& identity, CertKind kind)
{
    const auto bad = [](const char* what) { return Unexpected{Errc::CacheInvalid, std::string("cache entry: ") + what}; };
    const std::string key = identity_key(identity);
    const std::size_t fixed = kMagic.size() + 3;
    if (key.size() > 255) return bad("identity too long");
    if (file.size() < fixed || !std::equal(kMagic.begin(), kMagic.end(), file.begin())) return bad("bad magic");
    if (file[8] != kVersion) return bad("unknown version");
    if (file[9] != kind_byte(kind)) return bad("wrong certificate kind");
    const std::size_t key_len = file[10];
    if (key_len != key.size() || file.size() < fixed + key_len + 4 + kDigestLength) return bad("identity mismatch");
    if (!std::equal(key.begin(), key.end(), file.begin() + static_cast<std::ptrdiff_t>(fixed)))
        return bad("identity mismatch");
    std::size_t pos = fixed + key_len;
    const std::size_t der_len = static_cast<std::size_t>(file[pos]) << 24 | static_cast<std::size_t>(file[pos + 1]) << 16 |
                                static_cast<std::size_t>(file[pos + 2]) << 8 | file[pos + 3];
    pos += 4;
    if (file.size() - pos - kDigestLength != der_len) return bad("length mismatch");
    const ByteView stored_digest = file.subspan(pos, kDigestLength);
    const ByteView der = file.subspan(pos + kDigestLength);
    Bytes digest_input(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(pos));
    digest_input.insert(digest_input.end(), der.begin(), der.end());
    const Bytes digest = sha256(digest_input);
    if (digest.size() != kDigestLength || !std::equal(digest.begin(), digest.end(), stored_digest.begin()))
        return bad("SHA-256 mismatch (corrupt or edited)");
    if (!Certificate::from_der(der)) return bad("not a certificate");
    return Bytes(der.begin(), der.end());
}

Result<std::optional<Bytes>> CertCache::read_private(const std::filesystem::path& path, std::size_t max_size) const
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::optional<Bytes>{};
        return Unexpected{Errc::CacheInvalid, "cannot open " + path.string() + ": " + std::strerror(errno)};
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
        (st.st_mode & 077) != 0 || static_cast<std::size_t>(st.st_size) > max_size)
        return Unexpected{Errc::CacheInvalid, path.string() + " is not a private regular file of ours"};
    Bytes file(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < file.size()) {
        const ssize_t n = ::read(fd.get(), file.data() + done, file.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Unexpected{Errc::CacheInvalid, "short read of " + path.string()};
        done += static_cast<std::size_t>(n);
    }
    return std::optional<Bytes>(std::move(file));
}

Result<std::optional<Bytes>> CertCache::load(const CardIdentity& identity, CertKind kind) const
{
    MYNACARD_TRY(auto file, read_private(path_for(identity, kind), kMaxFileSize));
    if (!file) return std::optional<Bytes>{};
    MYNACARD_TRY(Bytes der, decode(*file, identity, kind));
    return std::optional<Bytes>(std::move(der));
}

Result<void> CertCache::ensure_directory() const
{
    std::error_code ec;
    const auto parent = m_dir.parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (::mkdir(m_dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("mkdir", m_dir);
    struct stat st{};
    if (::lstat(m_dir.c_str(), &st) != 0) return io_error("stat", m_dir);
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
        return Unexpected{Errc::Io, m_dir.string() + " is not a directory owned by this user"};
    // Certificates are public data, but the file names reveal which cards were used here.
    if ((st.st_mode & 07777) != 0700 && ::chmod(m_dir.c_str(), 0700) != 0) return io_error("chmod", m_dir);
    return {};
}

Result<void> CertCache::write_atomic(const std::filesystem::path& path, ByteView content) const
{
    MYNACARD_TRY_VOID(ensure_directory());
    std::string tmpl = path.string() + ".tmp.XXXXXX";
    Fd fd(::mkstemp(tmpl.data()));  // mkstemp creates the file 0600
    if (fd.get() < 0) return io_error("mkstemp", tmpl);
    const std::filesystem::path tmp(tmpl);
    if (::fchmod(fd.get(), 0600) != 0 || !write_all(fd.get(), content) || ::fsync(fd.get()) != 0) {
        const Error e = io_error("write", tmp);
        ::unlink(tmp.c_str());
        return e;
    }
    if (::close(fd.release()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const Error e = io_error("rename", tmp);
        ::unlink(tmp.c_str());
        return e;
    }
    // fsync the directory so the rename itself survives a crash.
    Fd dir(::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) (void)::fsync(dir.get());
    return {};
}

Result<void> CertCache::store(const CardIdentity& identity, CertKind kind, ByteView der) const
{
    return write_atomic(path_for(identity, kind), encode(identity, kind, der));
}

std::filesystem::path CertCache::facts_path(const CardIdentity& identity) const
{
    return m_dir / (safe_component(identity.source) + "-" + safe_component(identity.serial) + ".card");
}

std::filesystem::path CertCache::insertion_path(const std::string& reader) const
{
    // The reader name is the user's hardware description: a digest keeps it out of file names.
    const Bytes digest = sha256(ByteView(reinterpret_cast<const std::uint8_t*>(reader.data()), reader.size()));
    return m_dir / ("reader-" + to_hex(ByteView(digest.data(), 8)) + ".insertion");
}

std::filesystem::path CertCache::auth_index_path(ByteView prefix_digest) const
{
    return m_dir / ("auth-" + to_hex(prefix_digest.first(std::min<std::size_t>(prefix_digest.size(), 8))) + ".card");
}

bool CertCache::has_auth_index() const noexcept
{
    std::error_code ec;
    for (std::filesystem::directory_iterator it(m_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with("auth-") && name.ends_with(".card")) return true;
    }
    return false;
}

Result<std::optional<std::string>> CertCache::load_text(const std::filesystem::path& path, std::size_t max_size) const
{
    MYNACARD_TRY(auto file, read_private(path, max_size));
    if (!file) return std::optional<std::string>{};
    return std::optional<std::string>(std::string(file->begin(), file->end()));
}

Result<void> CertCache::store_text(const std::filesystem::path& path, std::string_view content) const
{
    return write_atomic(path, ByteView(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
}

void CertCache::remove(const CardIdentity& identity, CertKind kind) const noexcept
{
    ::unlink(path_for(identity, kind).c_str());
}

}  // namespace mynacard::jpki::detail
