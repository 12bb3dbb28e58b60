// Which file is read ($MYNACARD_CONFIG, XDG_CONFIG_HOME, ~/.config, /etc), and loading from disk.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>

#include "env_guard.hpp"
#include "mynacard/config.hpp"

using namespace mynacard;
namespace fs = std::filesystem;

namespace {

/// A fresh private directory, removed with its contents at the end of the test.
struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string tmpl = (fs::temp_directory_path() / "mynacard-config-test.XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

void write_file(const fs::path& p, const std::string& text)
{
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("config path: $MYNACARD_CONFIG wins over everything")
{
    TempDir tmp;
    EnvGuard env;
    write_file(tmp.path / "xdg/mynacard/mynacard.conf", "");
    env.set("XDG_CONFIG_HOME", (tmp.path / "xdg").string());
    env.set("MYNACARD_CONFIG", (tmp.path / "explicit.conf").string());
    CHECK(default_config_path() == tmp.path / "explicit.conf");  // even though it does not exist
}

TEST_CASE("config path: $XDG_CONFIG_HOME/mynacard/mynacard.conf when it exists")
{
    TempDir tmp;
    EnvGuard env;
    env.unset("MYNACARD_CONFIG");
    env.set("XDG_CONFIG_HOME", (tmp.path / "xdg").string());
    env.set("HOME", (tmp.path / "home").string());
    write_file(tmp.path / "home/.config/mynacard/mynacard.conf", "");
    // The XDG file does not exist yet: ~/.config is not consulted when XDG_CONFIG_HOME is set.
    CHECK(default_config_path() == "/etc/mynacard/mynacard.conf");
    write_file(tmp.path / "xdg/mynacard/mynacard.conf", "");
    CHECK(default_config_path() == tmp.path / "xdg/mynacard/mynacard.conf");
}

TEST_CASE("config path: ~/.config when XDG_CONFIG_HOME is unset, empty or relative")
{
    TempDir tmp;
    EnvGuard env;
    env.unset("MYNACARD_CONFIG");
    env.set("HOME", tmp.path.string());
    write_file(tmp.path / ".config/mynacard/mynacard.conf", "");
    for (const char* xdg : {"", "relative/dir"}) {
        env.set("XDG_CONFIG_HOME", xdg);
        CHECK(default_config_path() == tmp.path / ".config/mynacard/mynacard.conf");
    }
    env.unset("XDG_CONFIG_HOME");
    CHECK(default_config_path() == tmp.path / ".config/mynacard/mynacard.conf");
}

TEST_CASE("config path: /etc/mynacard/mynacard.conf otherwise")
{
    TempDir tmp;
    EnvGuard env;
    env.set("MYNACARD_CONFIG", "");  // empty counts as unset
    env.set("XDG_CONFIG_HOME", (tmp.path / "none").string());
    env.unset("HOME");
    CHECK(default_config_path() == "/etc/mynacard/mynacard.conf");
}

TEST_CASE("load_config: a missing file gives the defaults, with no source")
{
    TempDir tmp;
    auto r = load_config(tmp.path / "absent.conf");
    REQUIRE(r.has_value());
    CHECK(r->source.empty());
    CHECK(r->pin.final_try == jpki::FinalTryPolicy::Confirm);
}

TEST_CASE("load_config: reads the file and records its path")
{
    TempDir tmp;
    const auto file = tmp.path / "m.conf";
    write_file(file, "[pin]\nfinal_try = confirm\n");
    auto r = load_config(file);
    REQUIRE(r.has_value());
    CHECK(r->pin.final_try == jpki::FinalTryPolicy::Confirm);
    CHECK(r->source == file);
}

TEST_CASE("load_config: with no argument it follows $MYNACARD_CONFIG")
{
    TempDir tmp;
    EnvGuard env;
    const auto file = tmp.path / "env.conf";
    write_file(file, "[log]\nlevel = error\n");
    env.set("MYNACARD_CONFIG", file.string());
    auto r = load_config();
    REQUIRE(r.has_value());
    CHECK(r->log.level == "error");
    CHECK(r->source == file);
}

TEST_CASE("load_config: errors name the file path and line")
{
    TempDir tmp;
    const auto file = tmp.path / "bad.conf";
    write_file(file, "[pin]\n\nfinal_try = never\n");
    auto r = load_config(file);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::ConfigInvalid);
    CHECK_THAT(r.error().context, Catch::Matchers::StartsWith(file.string() + ":3: final_try"));
}

TEST_CASE("load_config: a directory or an unreadable file is an I/O error")
{
    TempDir tmp;
    auto dir = load_config(tmp.path);
    REQUIRE_FALSE(dir.has_value());
    CHECK(dir.error().code == Errc::Io);

    if (::geteuid() != 0) {  // root reads a mode-0000 file anyway
        const auto file = tmp.path / "locked.conf";
        write_file(file, "[pin]\n");
        fs::permissions(file, fs::perms::none);
        auto r = load_config(file);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == Errc::Io);
    }
}
