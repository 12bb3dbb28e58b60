// Local suspended list: format, integrity rule and atomic edits (pin-and-suspension.md §3.6).
#include "mynacard/revocation/suspended_list.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "hex_util.hpp"
#include "ossl.hpp"

namespace mynacard::revocation {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxListBytes = 1 << 20;
constexpr std::array<std::string_view, 5> kReasons{"hold", "revoked", "lost", "suspended", "other"};
constexpr std::string_view kHeader =
    "# mynacard local suspended list (README \"Suspension checks\"); managed by card-cp.\n"
    "# issuer-key-id (hex)  serial (hex)  reason  since (UTC)  note\n"
    "# card:<token serial>  *             reason  since (UTC)  note\n";

bool valid_reason(std::string_view r)
{
    return std::find(kReasons.begin(), kReasons.end(), r) != kReasons.end();
}

bool valid_note(std::string_view note)
{
    return std::none_of(note.begin(), note.end(), [](char c) {
        return std::iscntrl(static_cast<unsigned char>(c)) != 0;
    });
}

bool valid_card_serial(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isgraph(static_cast<unsigned char>(c)) != 0 && c != '#';
    });
}

std::optional<std::time_t> parse_since(std::string_view text)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
    std::string buf(text);
    if (std::sscanf(buf.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &used) != 6 ||
        static_cast<std::size_t>(used) != buf.size())
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970) return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return timegm(&tm);
}

Error invalid(const std::string& origin, std::size_t line, const std::string& what)
{
    return Error(Errc::ConfigInvalid, origin + ":" + std::to_string(line) + ": " + what);
}

/// A parsed line: comments and blanks have no entry and are kept verbatim on rewrite.
struct Line {
    std::string raw;
    std::optional<SuspendedEntry> entry;
};

Result<std::vector<Line>> parse_lines(std::string_view text, const std::string& origin)
{
    std::vector<Line> lines;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        std::size_t eol = text.find('\n');
        std::string raw(text.substr(0, eol));
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();

        std::istringstream in(raw);
        std::string first, second, reason, since;
        if (!(in >> first) || first.front() == '#') {
            lines.push_back({std::move(raw), std::nullopt});
            continue;
        }
        if (!(in >> second >> reason >> since))
            return Unexpected(invalid(origin, number, "expected: key serial reason since [note]"));
        std::string note;
        std::getline(in >> std::ws, note);
        auto when = parse_since(since);
        if (!when) return Unexpected(invalid(origin, number, "bad time '" + since + "' (want YYYY-MM-DDTHH:MM:SSZ)"));

        Result<SuspendedEntry> entry = Unexpected(Errc::Internal);
        if (first.rfind("card:", 0) == 0 || first.rfind("token:", 0) == 0) {
            if (second != "*") return Unexpected(invalid(origin, number, "a whole-card entry has '*' as serial"));
            // "token:<label>:<serial>": the serial is what follows the last colon.
            std::string card = first.rfind("card:", 0) == 0 ? first.substr(5) : first.substr(first.rfind(':') + 1);
            entry = make_card_entry(card, reason, *when, note);
        } else {
            entry = make_certificate_entry(first, second, reason, *when, note);
        }
        if (!entry) return Unexpected(invalid(origin, number, entry.error().context));
        lines.push_back({std::move(raw), std::move(*entry)});
    }
    return lines;
}

Result<void> check_directory(const fs::path& dir)
{
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0)
        return Unexpected(Errc::Io, "suspended list directory " + dir.string() + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) return Unexpected(Errc::ConfigInvalid, dir.string() + " is not a directory");
    if (st.st_uid != 0 && st.st_uid != ::geteuid())
        return Unexpected(Errc::ConfigInvalid, "suspended list refused: directory " + dir.string() +
                                                   " is owned by uid " + std::to_string(st.st_uid));
    bool writable_by_others = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    if (writable_by_others && (st.st_mode & S_ISVTX) == 0)
        return Unexpected(Errc::ConfigInvalid, "suspended list refused: directory " + dir.string() +
                                                   " is group- or world-writable");
    return {};
}

Result<void> check_open_file(int fd, const fs::path& path)
{
    struct stat st{};
    if (::fstat(fd, &st) != 0) return Unexpected(Errc::Io, path.string() + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return Unexpected(Errc::ConfigInvalid, "suspended list refused: " + path.string() + " is not a regular file");
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return Unexpected(Errc::ConfigInvalid, "suspended list refused: " + path.string() + " is group- or world-writable");
    if (st.st_uid != 0 && st.st_uid != ::geteuid())
        return Unexpected(Errc::ConfigInvalid, "suspended list refused: " + path.string() +
                                                   " is owned by uid " + std::to_string(st.st_uid) +
                                                   ", not root or the current user");
    return check_directory(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

struct FdCloser {
    int fd = -1;
    ~FdCloser() { if (fd >= 0) ::close(fd); }
};

/// Reads the file if present: nullopt when missing. `mode` receives its permission bits.
Result<std::optional<std::string>> read_checked(const fs::path& path, mode_t* mode = nullptr)
{
    FdCloser file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
    if (file.fd < 0) {
        if (errno == ENOENT) return std::optional<std::string>{};
        return Unexpected(Errc::Io, "suspended list " + path.string() + ": " + std::strerror(errno));
    }
    MYNACARD_TRY_VOID(check_open_file(file.fd, path));
    if (mode != nullptr) {
        struct stat st{};
        ::fstat(file.fd, &st);
        *mode = st.st_mode & 07777;
    }
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(file.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Unexpected(Errc::Io, "suspended list " + path.string() + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxListBytes)
            return Unexpected(Errc::ConfigInvalid, "suspended list " + path.string() + " is larger than 1 MiB");
    }
    return std::optional<std::string>(std::move(text));
}

Result<void> write_atomically(const fs::path& path, const std::string& text, mode_t mode)
{
    fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    FdCloser tmp{::mkostemp(tmpl.data(), O_CLOEXEC)};
    if (tmp.fd < 0) return Unexpected(Errc::Io, "cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno));
    auto fail = [&](const std::string& what) {
        int saved = errno;
        ::unlink(tmpl.c_str());
        return Unexpected(Errc::Io, what + " " + tmpl + ": " + std::strerror(saved));
    };
    if (::fchmod(tmp.fd, mode) != 0) return fail("chmod");
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(tmp.fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(tmp.fd) != 0) return fail("fsync");
    if (::rename(tmpl.c_str(), path.c_str()) != 0) return fail("rename to " + path.string() + " from");
    FdCloser dir_fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir_fd.fd >= 0) ::fsync(dir_fd.fd);  // make the rename durable; best effort
    return {};
}

/// Runs `edit` on the current lines under an exclusive lock of the directory and writes the
/// result if `edit` returns true.
template <typename Edit>
Result<void> locked_edit(const fs::path& path, mode_t new_file_mode, Edit edit)
{
    if (new_file_mode != 0644 && new_file_mode != 0600)
        return Unexpected(Errc::InvalidArgument, "suspended list mode must be 0644 or 0600");
    fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    MYNACARD_TRY_VOID(check_directory(dir));
    FdCloser lock{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (lock.fd < 0) return Unexpected(Errc::Io, dir.string() + ": " + std::strerror(errno));
    while (::flock(lock.fd, LOCK_EX) != 0) {
        if (errno != EINTR) return Unexpected(Errc::Io, "lock " + dir.string() + ": " + std::strerror(errno));
    }
    mode_t mode = new_file_mode;
    MYNACARD_TRY(auto text, read_checked(path, &mode));
    std::vector<Line> lines;
    if (text) {
        MYNACARD_TRY(auto parsed, parse_lines(*text, path.string()));
        lines = std::move(parsed);
    } else {
        std::string_view header = kHeader;
        while (!header.empty()) {
            std::size_t eol = header.find('\n');
            lines.push_back({std::string(header.substr(0, eol)), std::nullopt});
            header.remove_prefix(eol + 1);
        }
    }
    if (!edit(lines)) return {};
    std::string out;
    for (const Line& l : lines) out += l.raw + "\n";
    return write_atomically(path, out, mode & ~static_cast<mode_t>(S_IWGRP | S_IWOTH | S_ISUID | S_ISGID | S_ISVTX));
}

}  // namespace

std::string SuspendedEntry::to_line() const
{
    std::string line = kind == Kind::Card ? "card:" + card_serial + "  *" : issuer_key_id + "  " + serial;
    line += "  " + reason + "  " + ossl::iso_utc(since);
    if (!note.empty()) line += "  " + note;
    return line;
}

bool SuspendedEntry::same_key(const SuspendedEntry& other) const noexcept
{
    if (kind != other.kind) return false;
    if (kind == Kind::Card) return card_serial == other.card_serial;
    return issuer_key_id == other.issuer_key_id && serial == other.serial;
}

Result<SuspendedEntry> make_certificate_entry(std::string_view issuer_key_id_hex, std::string_view serial_hex,
                                              std::string reason, std::time_t since, std::string note)
{
    auto keyid = normalise_hex(issuer_key_id_hex, false);
    if (!keyid || keyid->empty()) return Unexpected(Errc::InvalidArgument, "issuer key id is not hex: '" + std::string(issuer_key_id_hex) + "'");
    auto serial = normalise_hex(serial_hex, true);
    if (!serial || serial->empty()) return Unexpected(Errc::InvalidArgument, "serial is not hex: '" + std::string(serial_hex) + "'");
    if (!valid_reason(reason)) return Unexpected(Errc::InvalidArgument, "unknown reason '" + reason + "' (hold, revoked, lost, suspended, other)");
    if (!valid_note(note)) return Unexpected(Errc::InvalidArgument, "the note contains control characters");
    SuspendedEntry e;
    e.kind = SuspendedEntry::Kind::Certificate;
    e.issuer_key_id = std::move(*keyid);
    e.serial = std::move(*serial);
    e.reason = std::move(reason);
    e.since = since;
    e.note = std::move(note);
    return e;
}

Result<SuspendedEntry> make_card_entry(std::string card_serial, std::string reason, std::time_t since, std::string note)
{
    if (!valid_card_serial(card_serial)) return Unexpected(Errc::InvalidArgument, "card serial must be non-empty printable text without blanks or '#'");
    if (!valid_reason(reason)) return Unexpected(Errc::InvalidArgument, "unknown reason '" + reason + "' (hold, revoked, lost, suspended, other)");
    if (!valid_note(note)) return Unexpected(Errc::InvalidArgument, "the note contains control characters");
    SuspendedEntry e;
    e.kind = SuspendedEntry::Kind::Card;
    e.card_serial = std::move(card_serial);
    e.reason = std::move(reason);
    e.since = since;
    e.note = std::move(note);
    return e;
}

Result<std::vector<SuspendedEntry>> parse_suspended_list(std::string_view text, const std::string& origin)
{
    MYNACARD_TRY(auto lines, parse_lines(text, origin));
    std::vector<SuspendedEntry> entries;
    for (auto& l : lines)
        if (l.entry) entries.push_back(std::move(*l.entry));
    return entries;
}

Result<void> check_suspended_list_file(const std::filesystem::path& path)
{
    FdCloser file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
    if (file.fd < 0) return Unexpected(Errc::Io, "suspended list " + path.string() + ": " + std::strerror(errno));
    return check_open_file(file.fd, path);
}

Result<std::vector<SuspendedEntry>> list_suspended(const std::filesystem::path& path)
{
    MYNACARD_TRY(auto text, read_checked(path));
    if (!text) return std::vector<SuspendedEntry>{};
    return parse_suspended_list(*text, path.string());
}

Result<bool> add_suspended(const std::filesystem::path& path, const SuspendedEntry& entry, mode_t new_file_mode)
{
    bool added = false;
    MYNACARD_TRY_VOID(locked_edit(path, new_file_mode, [&](std::vector<Line>& lines) {
        for (const Line& l : lines)
            if (l.entry && l.entry->same_key(entry)) return false;
        lines.push_back({entry.to_line(), entry});
        added = true;
        return true;
    }));
    return added;
}

Result<std::size_t> remove_suspended(const std::filesystem::path& path, const SuspendedEntry& key)
{
    std::size_t removed = 0;
    MYNACARD_TRY_VOID(locked_edit(path, 0644, [&](std::vector<Line>& lines) {
        auto it = std::remove_if(lines.begin(), lines.end(),
                                 [&](const Line& l) { return l.entry && l.entry->same_key(key); });
        removed = static_cast<std::size_t>(lines.end() - it);
        lines.erase(it, lines.end());
        return removed > 0;
    }));
    return removed;
}

std::optional<SuspendedEntry> find_suspended(const std::vector<SuspendedEntry>& entries,
                                             std::string_view issuer_key_id_hex, std::string_view serial_hex,
                                             std::string_view card_serial)
{
    auto keyid = normalise_hex(issuer_key_id_hex, false);
    auto serial = normalise_hex(serial_hex, true);
    for (const SuspendedEntry& e : entries) {
        if (e.kind == SuspendedEntry::Kind::Card) {
            if (!card_serial.empty() && e.card_serial == card_serial) return e;
        } else if (keyid && serial && !keyid->empty() && e.issuer_key_id == *keyid && e.serial == *serial) {
            return e;
        }
    }
    return std::nullopt;
}

}  // namespace mynacard::revocation
