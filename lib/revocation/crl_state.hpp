// Roll-back protection for CRLs (pin-and-suspension.md §3.4): the highest crlNumber accepted per
// issuer key (and CRL partition) is remembered, so an older - validly signed - CRL that still
// shows a released hold, or not yet a revocation, is refused later.
//
// Kept in memory for the life of the object, and in a small state file under the user's cache
// directory when there is one that is private to the user. There is never a fallback to a
// shared directory such as /tmp: a predictable /tmp/mynacard-<uid> could be created first by
// another user, who could then plant a high crlNumber (every genuine CRL refused) or read and
// reset the history. Without a usable directory the history lives in memory only.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "mynacard/config.hpp"
#include "mynacard/result.hpp"

namespace mynacard::revocation {

/// Config::cache.directory, else $XDG_CACHE_HOME/mynacard, else $HOME/.cache/mynacard (HOME from
/// the environment, else the password database); plus "/revocation". nullopt when none of
/// these is known (then the state is kept in memory). Not created here.
std::optional<std::filesystem::path> revocation_cache_dir(const Config& config);

/// Whether `dir` and every directory above it are owned by root or the current user and not
/// group/world-writable (a sticky directory such as /tmp is tolerated as an ancestor only).
/// "" when safe, else why not. A missing `dir` is checked from its nearest existing ancestor.
std::string private_dir_problem(const std::filesystem::path& dir);

/// Compares two normalised hex numbers (upper case, no leading 00 bytes): <0, 0, >0.
int compare_hex_numbers(const std::string& a, const std::string& b);

class CrlNumberState {
public:
    /// `file` (when given) lives in a directory created 0700 on first write; the file is
    /// written 0600. A directory that is not private to the user (private_dir_problem) is
    /// neither read nor written: the state then lives in memory only. Thread-safe.
    explicit CrlNumberState(std::optional<std::filesystem::path> file) : m_file(std::move(file)) {}

    /// The highest crlNumber seen for `key` (normalised hex), if any: the higher of what this
    /// object remembers and what the file says. An unreadable or malformed file counts as empty
    /// (it is rewritten on the next raise()).
    std::optional<std::string> highest(const std::string& key) const;
    /// Records `number_hex` for `key` when it is higher than the stored one: always in memory,
    /// and in the file (atomic rewrite) when there is a usable one (else Errc::Io says why).
    Result<void> raise(const std::string& key, const std::string& number_hex);

    const std::optional<std::filesystem::path>& file() const noexcept { return m_file; }

private:
    std::optional<std::filesystem::path> m_file;
    mutable std::mutex m_mutex;
    std::map<std::string, std::string> m_memory;
};

}  // namespace mynacard::revocation
