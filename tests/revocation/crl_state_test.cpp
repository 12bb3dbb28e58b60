// Where the crlNumber roll-back history lives (issue 10 §4): the user's cache directory when it
// is private to the user, else memory only - never a predictable shared directory such as
// /tmp/mynacard-<uid> that another user could create first.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "../config/env_guard.hpp"
#include "crl_state.hpp"
#include "lab.hpp"

using namespace revtest;
using mynacard::revocation::CertStatus;
using mynacard::revocation::CrlNumberState;
using mynacard::revocation::private_dir_problem;
using mynacard::revocation::revocation_cache_dir;
namespace fs = std::filesystem;

namespace {
constexpr long kHeld = 0x1002;

/// The uid of "nobody" for directories owned by someone else (the tests run as root or a user;
/// chown needs root, so those checks are skipped otherwise).
constexpr uid_t kOtherUid = 65534;
}  // namespace

TEST_CASE("CRL state: cache directory, XDG_CACHE_HOME, HOME - and no /tmp fallback")
{
    EnvGuard env;
    mynacard::Config config;
    config.cache.directory = "/var/cache/x";
    CHECK(revocation_cache_dir(config) == fs::path("/var/cache/x/revocation"));
    config.cache.directory.reset();
    env.set("XDG_CACHE_HOME", "/xdg");
    CHECK(revocation_cache_dir(config) == fs::path("/xdg/mynacard/revocation"));
    env.unset("XDG_CACHE_HOME");
    env.set("HOME", "/home/someone");
    CHECK(revocation_cache_dir(config) == fs::path("/home/someone/.cache/mynacard/revocation"));
    // Without HOME the password database names the home directory; whatever it is, the answer
    // is never under the temporary directory.
    env.unset("HOME");
    const auto dir = revocation_cache_dir(config);
    if (dir) CHECK(dir->string().rfind(fs::temp_directory_path().string(), 0) != 0);
}

TEST_CASE("CRL state: without a file the history is kept in memory (roll-back still refused in process)")
{
    CrlNumberState state(std::nullopt);
    CHECK_FALSE(state.highest("K").has_value());
    auto r = state.raise("K", "05");
    CHECK_FALSE(r.has_value());  // says why nothing was written ...
    CHECK(state.highest("K") == std::string("05"));  // ... but remembers it
    (void)state.raise("K", "03");
    CHECK(state.highest("K") == std::string("05"));  // never lowered
    (void)state.raise("K", "0100");
    CHECK(state.highest("K") == std::string("0100"));
}

TEST_CASE("CRL state: a directory someone else owns or can write is neither read nor written")
{
    TempDir tmp;
    // Group/world-writable state directory: refused, memory only.
    fs::create_directories(tmp / "open" / "revocation");
    ::chmod((tmp / "open" / "revocation").c_str(), 0777);
    CHECK_FALSE(private_dir_problem(tmp / "open" / "revocation").empty());
    CrlNumberState open_state(tmp / "open" / "revocation" / "crl-numbers");
    auto r = open_state.raise("K", "07");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().context.find("writable") != std::string::npos);
    CHECK_FALSE(fs::exists(tmp / "open" / "revocation" / "crl-numbers"));
    CHECK(open_state.highest("K") == std::string("07"));

    // A planted file with a huge number in such a directory is ignored (else every genuine CRL
    // would be refused as "rolled back").
    write_file(tmp / "open" / "revocation" / "crl-numbers", std::string("K 7FFFFFFFFFFFFFFF\n"), 0600);
    CrlNumberState fresh(tmp / "open" / "revocation" / "crl-numbers");
    CHECK_FALSE(fresh.highest("K").has_value());

    // A private directory of ours: written 0700/0600 and read back by another instance.
    CrlNumberState mine(tmp / "mine" / "revocation" / "crl-numbers");
    REQUIRE(mine.raise("K", "09").has_value());
    struct stat st {};
    REQUIRE(::stat((tmp / "mine" / "revocation").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    REQUIRE(::stat((tmp / "mine").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(CrlNumberState(tmp / "mine" / "revocation" / "crl-numbers").highest("K") == std::string("09"));

    if (::geteuid() != 0) return;  // chown needs root
    // Pre-created by another user (the /tmp/mynacard-<uid> attack): refused.
    fs::create_directories(tmp / "theirs" / "revocation");
    ::chmod((tmp / "theirs").c_str(), 0755);
    REQUIRE(::chown((tmp / "theirs").c_str(), kOtherUid, kOtherUid) == 0);
    REQUIRE(::chown((tmp / "theirs" / "revocation").c_str(), kOtherUid, kOtherUid) == 0);
    CHECK(private_dir_problem(tmp / "theirs" / "revocation").find("owned by uid 65534") != std::string::npos);
    CrlNumberState theirs(tmp / "theirs" / "revocation" / "crl-numbers");
    CHECK_FALSE(theirs.raise("K", "01").has_value());
    CHECK_FALSE(fs::exists(tmp / "theirs" / "revocation" / "crl-numbers"));
    // A directory still to be created under someone else's directory: refused as well.
    CHECK_FALSE(private_dir_problem(tmp / "theirs" / "new" / "revocation").empty());
}

TEST_CASE("CRL state: a checker with no cache directory keeps roll-back protection in memory and writes nothing")
{
    EnvGuard env;
    Lab lab;
    lab.config.cache.directory.reset();
    env.unset("XDG_CACHE_HOME");
    // HOME points at a directory that is not ours to use: nothing may be written there, and
    // nothing under /tmp either.
    fs::create_directories(lab.dir / "home");
    ::chmod((lab.dir / "home").c_str(), 0777);
    env.set("HOME", (lab.dir / "home").string());
    auto held = make_leaf(lab.ca, {"held", kHeld});
    CrlOptions released;
    released.number = 5;
    lab.use_crl(make_crl(lab.ca, released));
    // One checker (the module's life): the CRL file's content is swapped under it.
    auto checker2 = lab.checker();
    CHECK(checker2->status(held.x509(), "").status == CertStatus::Good);
    CrlOptions old;
    old.number = 4;
    old.revoked = {{kHeld, 6}};
    write_file(lab.dir / "ca.crl", make_crl(lab.ca, old));
    auto rolled = checker2->status(make_leaf(lab.ca, {"other", 0x1003}).x509(), "");
    CHECK(rolled.status == CertStatus::Unknown);
    CHECK(rolled.detail.find("rolled back") != std::string::npos);
    CHECK_FALSE(fs::exists(lab.dir / "home" / ".cache"));
}
