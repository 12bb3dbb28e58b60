// Which configuration file is read (include/mynacard/config.hpp).
#include <cstdlib>

#include "mynacard/config.hpp"

namespace mynacard {
namespace {

/// An environment variable's value, or nullopt when unset or empty.
std::optional<std::filesystem::path> env_path(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::filesystem::path(value);
}

}  // namespace

std::filesystem::path default_config_path()
{
    if (auto explicit_path = env_path("MYNACARD_CONFIG")) return *explicit_path;

    // XDG Base Directory: a relative $XDG_CONFIG_HOME is invalid and ignored.
    std::optional<std::filesystem::path> user_dir = env_path("XDG_CONFIG_HOME");
    if (user_dir && !user_dir->is_absolute()) user_dir.reset();
    if (!user_dir) {
        if (auto home = env_path("HOME"); home && home->is_absolute()) user_dir = *home / ".config";
    }
    if (user_dir) {
        auto user_file = *user_dir / "mynacard" / "mynacard.conf";
        std::error_code ec;
        if (std::filesystem::exists(user_file, ec)) return user_file;
    }
    return "/etc/mynacard/mynacard.conf";
}

}  // namespace mynacard
