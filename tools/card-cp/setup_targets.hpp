// card-cp setup: where the current user's browsers keep their NSS databases, and which of the
// user's browsers are running (read-only looks at $HOME and /proc; nothing here writes).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mynacard::cli::setup {

/// One NSS database a browser reads its PKCS#11 module list (pkcs11.txt) from.
struct NssTarget {
    std::string browser;  ///< "chromium" or "firefox"
    std::string profile;  ///< Firefox profile name from profiles.ini; empty for Chromium
    std::filesystem::path dir;
    bool exists = false;  ///< the directory holds an NSS database (cert9.db)
    std::string problem;  ///< why this target cannot be used (missing profile directory); empty if fine
};

/// Chromium's shared database `~/.pki/nssdb` (Chromium reads it on Linux whatever the profile),
/// then every [ProfileN] of `~/.mozilla/firefox/profiles.ini`, in file order. Path= is relative
/// to the directory of profiles.ini when IsRelative=1 (Firefox writes 1 for profiles it creates;
/// a missing IsRelative counts as 1 too, as Firefox reads it), absolute otherwise.
std::vector<NssTarget> find_targets(const std::filesystem::path& home);

/// The [ProfileN] entries of a profiles.ini text, resolved against `ini_dir`: (name, directory).
std::vector<std::pair<std::string, std::filesystem::path>> parse_profiles_ini(
    const std::string& text, const std::filesystem::path& ini_dir);

/// A browser of this user that runs now: its kind ("firefox" / "chromium") and its processes.
struct RunningBrowser {
    std::string browser;
    std::vector<int> pids;
};

/// Scans /proc (or `proc_root`) for processes of the real user id whose command name or
/// executable is Firefox's or Chromium's. Only reads; a process that vanishes while being looked
/// at is skipped.
std::vector<RunningBrowser> running_browsers(const std::filesystem::path& proc_root = "/proc");

}  // namespace mynacard::cli::setup
