// Roll-back protection for CRLs (pin-and-suspension.md §3.4): the highest crlNumber accepted per
// issuer key (and CRL partition) is remembered in a small state file, so an older - validly
// signed - CRL that still shows a released hold, or not yet a revocation, is refused later.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "mynacard/config.hpp"
#include "mynacard/result.hpp"

namespace mynacard::revocation {

/// Config::cache.directory, else $XDG_CACHE_HOME/mynacard, else $HOME/.cache/mynacard; plus
/// "/revocation". Not created here.
std::filesystem::path revocation_cache_dir(const Config& config);

/// Compares two normalised hex numbers (upper case, no leading 00 bytes): <0, 0, >0.
int compare_hex_numbers(const std::string& a, const std::string& b);

class CrlNumberState {
public:
    /// `file` lives in a directory created 0700 on first write; the file is written 0600.
    explicit CrlNumberState(std::filesystem::path file) : m_file(std::move(file)) {}

    /// The highest crlNumber seen for `key` (normalised hex), if any. An unreadable or
    /// malformed file counts as empty (it is rewritten on the next raise()).
    std::optional<std::string> highest(const std::string& key) const;
    /// Records `number_hex` for `key` when it is higher than the stored one (atomic rewrite).
    Result<void> raise(const std::string& key, const std::string& number_hex);

    const std::filesystem::path& file() const noexcept { return m_file; }

private:
    std::filesystem::path m_file;
};

}  // namespace mynacard::revocation
