// Step 3: the local suspended list (pin-and-suspension.md §3.6) and its management API.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "file_util.hpp"
#include "lab.hpp"
#include "mynacard/revocation/suspended_list.hpp"

using namespace revtest;
using namespace mynacard::revocation;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& p)
{
    struct stat st{};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("suspended list: parses the documented format, normalises hex, keeps notes")
{
    const std::string text =
        "# issuer-key-id   serial   reason  since  note\n"
        "\n"
        "d2:1e:a5:58:95:61:7e:93:ad:bf:96:6b:94:1a:b4:ed:f6:53:f0:8f  001A2B3C4D  hold  2026-11-20T09:00:00Z  reported lost by owner\n"
        "1AC100F596A3BC8C4B3DF195E32699249E9E308A  0451AA  revoked  2026-10-01T00:00:00Z\n"
        "card:JPKI0123456789  *  lost  2026-11-01T00:00:00Z  whole card\r\n"
        "token:JPKIAPICCTOKEN2:ABCDEF  *  suspended  2026-11-01T00:00:00Z\n";
    auto entries = parse_suspended_list(text, "test");
    REQUIRE(entries);
    REQUIRE(entries->size() == 4);
    const auto& e = (*entries)[0];
    CHECK(e.kind == SuspendedEntry::Kind::Certificate);
    CHECK(e.issuer_key_id == "D21EA55895617E93ADBF966B941AB4EDF653F08F");
    CHECK(e.serial == "1A2B3C4D");
    CHECK(e.reason == "hold");
    CHECK(e.since == utc(2026, 11, 20, 9));
    CHECK(e.note == "reported lost by owner");
    CHECK((*entries)[2].kind == SuspendedEntry::Kind::Card);
    CHECK((*entries)[2].card_serial == "JPKI0123456789");
    CHECK((*entries)[2].note == "whole card");
    CHECK((*entries)[3].card_serial == "ABCDEF");

    CHECK(find_suspended(*entries, "D21EA55895617E93ADBF966B941AB4EDF653F08F", "1a2b3c4d", ""));
    CHECK_FALSE(find_suspended(*entries, "D21EA55895617E93ADBF966B941AB4EDF653F08F", "1A2B3C4E", ""));
    CHECK_FALSE(find_suspended(*entries, "1AC100F596A3BC8C4B3DF195E32699249E9E308A", "1A2B3C4D", ""));
    CHECK(find_suspended(*entries, "00", "01", "JPKI0123456789"));
    CHECK_FALSE(find_suspended(*entries, "00", "01", ""));

    // Round trip through the writer's format.
    auto again = parse_suspended_list(e.to_line(), "line");
    REQUIRE(again);
    CHECK((*again)[0].same_key(e));
    CHECK((*again)[0].note == e.note);
}

TEST_CASE("suspended list: malformed lines are errors with file:line")
{
    for (const char* bad : {"ZZ 01 hold 2026-11-20T09:00:00Z\n", "AA 01 hold\n", "AA 01 gone 2026-11-20T09:00:00Z\n",
                            "AA 01 hold 2026-11-20 09:00:00\n", "card:X 01 hold 2026-11-20T09:00:00Z\n",
                            "AA 01 hold 2026-13-20T09:00:00Z\n"}) {
        auto r = parse_suspended_list(std::string("# ok\n") + bad, "list");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == mynacard::Errc::ConfigInvalid);
        CHECK(r.error().context.rfind("list:2:", 0) == 0);
    }
    CHECK_FALSE(make_certificate_entry("AA", "01", "hold", 0, "bad\nnote"));
    CHECK_FALSE(make_card_entry("with space", "hold", 0));
}

TEST_CASE("suspended list: add / remove / list with atomic writes and modes 0644 / 0600")
{
    TempDir dir;
    auto path = dir / "suspended.list";
    auto e1 = make_certificate_entry("AABB", "0102", "hold", utc(2026, 11, 20), "lost on the train");
    auto e2 = make_card_entry("CARD42", "lost", utc(2026, 11, 21));
    REQUIRE(e1);
    REQUIRE(e2);

    auto empty = list_suspended(path);  // missing file: empty list
    REQUIRE(empty);
    CHECK(empty->empty());

    CHECK(add_suspended(path, *e1).value());
    CHECK(mode_of(path) == 0644);
    CHECK_FALSE(add_suspended(path, *e1).value());  // already there
    CHECK(add_suspended(path, *e2).value());
    auto listed = list_suspended(path);
    REQUIRE(listed);
    REQUIRE(listed->size() == 2);
    CHECK((*listed)[0].note == "lost on the train");

    // Comments added by an administrator survive edits.
    {
        std::ofstream out(path, std::ios::app);
        out << "# keep me\n";
    }
    CHECK(remove_suspended(path, *e1).value() == 1);
    CHECK(remove_suspended(path, *e1).value() == 0);
    auto bytes = read_file_limited(path, 1 << 20);
    REQUIRE(bytes);
    std::string all(bytes->begin(), bytes->end());
    CHECK(all.find("# keep me") != std::string::npos);
    CHECK(all.find("AABB") == std::string::npos);
    // No temporary files left behind.
    int files = 0;
    for (const auto& de : fs::directory_iterator(dir.path())) {
        (void)de;
        ++files;
    }
    CHECK(files == 1);

    auto private_path = dir / "private.list";
    CHECK(add_suspended(private_path, *e2, 0600).value());
    CHECK(mode_of(private_path) == 0600);
    CHECK(add_suspended(private_path, *e1).value());
    CHECK(mode_of(private_path) == 0600);  // an existing file keeps its mode
    CHECK_FALSE(add_suspended(dir / "x.list", *e1, 0666));
}

TEST_CASE("suspended list: group/world-writable or foreign-owned files and directories are refused")
{
    TempDir dir;
    auto path = dir / "suspended.list";
    auto e = make_certificate_entry("AABB", "0102", "hold", utc(2026, 11, 20));
    REQUIRE(add_suspended(path, *e).value());
    REQUIRE(list_suspended(path));

    for (mode_t bad : {0666, 0646, 0664}) {
        ::chmod(path.c_str(), bad);
        auto r = list_suspended(path);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == mynacard::Errc::ConfigInvalid);
        CHECK(r.error().context.find("writable") != std::string::npos);
        CHECK_FALSE(add_suspended(path, *make_card_entry("X", "lost", 0)));  // never written through
    }
    ::chmod(path.c_str(), 0644);
    REQUIRE(list_suspended(path));

    if (::geteuid() == 0) {
        // Owned by someone else (nobody): refused.
        REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
        auto r = list_suspended(path);
        REQUIRE_FALSE(r);
        CHECK(r.error().context.find("owned by uid 65534") != std::string::npos);
        REQUIRE(::chown(path.c_str(), 0, 0) == 0);
    } else {
        WARN("not root: the foreign-owner case needs chown and is not exercised");
    }

    // A group-writable directory (without sticky bit) makes the list replaceable: refused.
    ::chmod(dir.path().c_str(), 0770);
    CHECK_FALSE(list_suspended(path));
    ::chmod(dir.path().c_str(), 01777);  // sticky, like /tmp: accepted
    CHECK(list_suspended(path));
    ::chmod(dir.path().c_str(), 0700);
}

TEST_CASE("checks: a listed certificate or card is LocallySuspended - a refused list gives Unknown")
{
    Lab lab;
    lab.use_crl(make_crl(lab.ca, CrlOptions{}));
    auto leaf = make_leaf(lab.ca, {"leaf", 0x00ABCD});
    auto list = lab.dir / "suspended.list";
    lab.config.local.suspended_list = list;

    CHECK(lab.checker()->status(leaf.x509(), "CARD1").status == CertStatus::Good);  // missing file: nothing suspended

    auto aki = ossl::authority_key_id_hex(leaf.x509());
    REQUIRE(add_suspended(list, *make_certificate_entry(aki, "ABCD", "hold", kNow - kDay, "reported lost")).value());
    auto r = lab.checker()->status(leaf.x509(), "CARD1");
    CHECK(r.status == CertStatus::LocallySuspended);
    CHECK(r.source == "local-list:" + list.string());
    CHECK(r.detail.find("reported lost") != std::string::npos);

    // Works offline and before any network source.
    lab.config.revocation.offline = true;
    CHECK(lab.checker()->status(leaf.x509(), "CARD1").status == CertStatus::LocallySuspended);

    // Whole-card entry.
    REQUIRE(remove_suspended(list, *make_certificate_entry(aki, "ABCD", "hold", 0)).value() == 1);
    CHECK(lab.checker()->status(leaf.x509(), "CARD1").status == CertStatus::Good);
    REQUIRE(add_suspended(list, *make_card_entry("CARD1", "lost", kNow)).value());
    CHECK(lab.checker()->status(leaf.x509(), "CARD1").status == CertStatus::LocallySuspended);
    CHECK(lab.checker()->status(leaf.x509(), "CARD2").status == CertStatus::Good);

    // A world-writable list is refused -> Unknown, even though the CRL says good.
    ::chmod(list.c_str(), 0666);
    auto refused = lab.checker()->status(leaf.x509(), "CARD2");
    CHECK(refused.status == CertStatus::Unknown);
    CHECK(refused.detail.find("world-writable") != std::string::npos);
    // ... but bad news from a source still shows as such.
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 2, {{0xABCD, 1}}}));
    CHECK(lab.checker()->status(leaf.x509(), "CARD2").status == CertStatus::Revoked);
}
