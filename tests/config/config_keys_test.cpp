// Every key of include/mynacard/config.hpp: its default, and that the file sets it.
#include <catch2/catch.hpp>

#include "mynacard/config.hpp"

using namespace mynacard;
using namespace std::chrono_literals;

namespace {
Config parse_ok(const std::string& text)
{
    auto r = parse_config(text, "test.conf");
    INFO((r ? std::string("ok") : r.error().message()));
    REQUIRE(r.has_value());
    return *r;
}
}  // namespace

TEST_CASE("config defaults are the documented ones")
{
    const Config c = parse_ok("");
    CHECK(c.pin.final_try == jpki::FinalTryPolicy::Confirm);
    CHECK(c.pin.skip_login_if_revoked);
    CHECK(c.pkcs11.sign_always_authenticate);
    CHECK(c.pkcs11.expose_ca_certificates);
    CHECK(c.pkcs11.signature_hold == 10s);
    CHECK(c.cache.enabled);
    CHECK_FALSE(c.cache.directory.has_value());
    CHECK_FALSE(c.cache.include_sign_certificate);
    CHECK(c.log.level == "off");
    CHECK_FALSE(c.log.file.has_value());
    CHECK(c.revocation.mode == std::vector<std::string>{"ocsp", "crl"});
    CHECK(c.revocation.policy_sign == UnknownStatusPolicy::FailOpenWarn);
    CHECK(c.revocation.policy_auth == UnknownStatusPolicy::FailOpenWarn);
    CHECK(c.revocation.grace == 3600s);
    CHECK(c.revocation.max_age == 86400s);
    CHECK(c.revocation.expiry_warn_days == 90);
    CHECK_FALSE(c.revocation.offline);
    CHECK(c.revocation.unknown_cache == 60s);
    CHECK_FALSE(c.revocation.ca_file.has_value());
    CHECK(c.trust.anchors.empty());
    CHECK_FALSE(c.trust.accept_test_hierarchy);
    CHECK(c.ocsp.url.empty());
    CHECK(c.ocsp.timeout == 5s);
    CHECK_FALSE(c.ocsp.require_nonce);  // RFC 5019 pre-produced responses carry no nonce
    CHECK(c.ocsp.leeway == 300s);
    CHECK(c.ocsp.max_response_bytes == 65536);
    CHECK(c.crl.files.empty());
    CHECK(c.crl.urls.empty());
    CHECK(c.crl.timeout == 10s);
    CHECK(c.crl.max_bytes == 16u * 1024 * 1024);
    CHECK_FALSE(c.local.suspended_list.has_value());
    CHECK(c.source.empty());
}

TEST_CASE("config: comments and blank lines only give the defaults")
{
    const Config c = parse_ok("; a comment\n# another\n\n   \n[pin]\n; nothing set\n");
    CHECK(c.pin.final_try == jpki::FinalTryPolicy::Confirm);
}

TEST_CASE("config sets every key")
{
    const Config c = parse_ok(R"(
[pin]
final_try = deny
skip_login_if_revoked = false

[pkcs11]
sign_always_authenticate = no
expose_ca_certificates = off
signature_hold.seconds = 3

[cache]
enabled = 0
directory = /var/cache/mynacard-test
sign_certificate = yes

[log]
level = debug
file = /var/log/mynacard.log

[revocation]
mode = crl
policy.sign = fail-open
policy.auth = fail-closed
grace.seconds = 0
max_age.seconds = 600
expiry.warn_days = 30
offline = true
unknown_cache.seconds = 0
ca_file = /etc/mynacard/responder-ca.pem

[trust]
anchors = /etc/mynacard/anchors/*.pem, /opt/ca/root.pem
accept_test_hierarchy = true

[ocsp]
url = http://127.0.0.1:18888/ocsp
timeout.seconds = 2
require_nonce = true
leeway.seconds = 60
max_response_bytes = 4096

[crl]
files = /var/lib/mynacard/crl/*.crl
urls = http://127.0.0.1:8080/a.crl, https://example.invalid/b.crl
timeout.seconds = 3
max_bytes = 2048

[local]
suspended_list = /etc/mynacard/suspended.list
)");
    CHECK(c.pin.final_try == jpki::FinalTryPolicy::Deny);
    CHECK_FALSE(c.pin.skip_login_if_revoked);
    CHECK_FALSE(c.pkcs11.sign_always_authenticate);
    CHECK_FALSE(c.pkcs11.expose_ca_certificates);
    CHECK(c.pkcs11.signature_hold == 3s);
    CHECK_FALSE(c.cache.enabled);
    CHECK(c.cache.directory == std::filesystem::path("/var/cache/mynacard-test"));
    CHECK(c.cache.include_sign_certificate);
    CHECK(c.log.level == "debug");
    CHECK(c.log.file == std::filesystem::path("/var/log/mynacard.log"));
    CHECK(c.revocation.mode == std::vector<std::string>{"crl"});
    CHECK(c.revocation.policy_sign == UnknownStatusPolicy::FailOpen);
    CHECK(c.revocation.policy_auth == UnknownStatusPolicy::FailClosed);
    CHECK(c.revocation.grace == 0s);
    CHECK(c.revocation.max_age == 600s);
    CHECK(c.revocation.expiry_warn_days == 30);
    CHECK(c.revocation.offline);
    CHECK(c.revocation.unknown_cache == 0s);
    CHECK(c.revocation.ca_file == std::filesystem::path("/etc/mynacard/responder-ca.pem"));
    CHECK(c.trust.anchors ==
          std::vector<std::filesystem::path>{"/etc/mynacard/anchors/*.pem", "/opt/ca/root.pem"});
    CHECK(c.trust.accept_test_hierarchy);
    CHECK(c.ocsp.url == "http://127.0.0.1:18888/ocsp");
    CHECK(c.ocsp.timeout == 2s);
    CHECK(c.ocsp.require_nonce);
    CHECK(c.ocsp.leeway == 60s);
    CHECK(c.ocsp.max_response_bytes == 4096);
    CHECK(c.crl.files == std::vector<std::filesystem::path>{"/var/lib/mynacard/crl/*.crl"});
    CHECK(c.crl.urls == std::vector<std::string>{"http://127.0.0.1:8080/a.crl", "https://example.invalid/b.crl"});
    CHECK(c.crl.timeout == 3s);
    CHECK(c.crl.max_bytes == 2048);
    CHECK(c.local.suspended_list == std::filesystem::path("/etc/mynacard/suspended.list"));
}

TEST_CASE("config: enumerations, booleans and mode spellings")
{
    CHECK(parse_ok("[pin]\nfinal_try = confirm\n").pin.final_try == jpki::FinalTryPolicy::Confirm);
    CHECK(parse_ok("[pin]\nfinal_try = ALLOW\n").pin.final_try == jpki::FinalTryPolicy::Allow);
    CHECK(parse_ok("[revocation]\npolicy.auth = fail-open-warn\n").revocation.policy_auth ==
          UnknownStatusPolicy::FailOpenWarn);
    CHECK(parse_ok("[revocation]\nmode = none\n").revocation.mode.empty());
    CHECK(parse_ok("[revocation]\nmode = crl, ocsp\n").revocation.mode == std::vector<std::string>{"crl", "ocsp"});
    CHECK(parse_ok("[ocsp]\nurl = aia\n").ocsp.url == "aia");
    CHECK(parse_ok("[ocsp]\nurl =\n").ocsp.url.empty());
    for (const char* t : {"true", "True", "yes", "on", "1"})
        CHECK(parse_ok(std::string("[revocation]\noffline = ") + t + "\n").revocation.offline);
    for (const char* f : {"false", "NO", "off", "0"})
        CHECK_FALSE(parse_ok(std::string("[pin]\nskip_login_if_revoked = ") + f + "\n").pin.skip_login_if_revoked);
    for (const char* level : {"off", "error", "info", "debug"})
        CHECK(parse_ok(std::string("[log]\nlevel = ") + level + "\n").log.level == level);
}

TEST_CASE("config: list keys may repeat, and each line appends")
{
    const Config c = parse_ok("[trust]\nanchors = /a/*.pem\nanchors = /b/root.pem, /c/x.pem\n"
                              "[crl]\nurls = http://h/1.crl\nurls = http://h/2.crl\nfiles = /x.crl\nfiles = /y.crl\n");
    CHECK(c.trust.anchors == std::vector<std::filesystem::path>{"/a/*.pem", "/b/root.pem", "/c/x.pem"});
    CHECK(c.crl.urls == std::vector<std::string>{"http://h/1.crl", "http://h/2.crl"});
    CHECK(c.crl.files == std::vector<std::filesystem::path>{"/x.crl", "/y.crl"});
}

TEST_CASE("config: inline comments, indentation, CRLF and a BOM are tolerated")
{
    const Config c = parse_ok("\xEF\xBB\xBF[pin]\r\n  final_try = deny   ; never spend the last try\r\n"
                              "\t[log]\r\n    level = info\r\n");
    CHECK(c.pin.final_try == jpki::FinalTryPolicy::Deny);
    CHECK(c.log.level == "info");
}

TEST_CASE("config: an empty optional path resets it to the default")
{
    const Config c = parse_ok("[cache]\ndirectory =\n[log]\nfile =\n[local]\nsuspended_list =\n");
    CHECK_FALSE(c.cache.directory.has_value());
    CHECK_FALSE(c.log.file.has_value());
    CHECK_FALSE(c.local.suspended_list.has_value());
}

TEST_CASE("config: number ranges include their bounds")
{
    CHECK(parse_ok("[ocsp]\ntimeout.seconds = 1\n").ocsp.timeout == 1s);
    CHECK(parse_ok("[ocsp]\ntimeout.seconds = 600\n").ocsp.timeout == 600s);
    CHECK(parse_ok("[revocation]\nexpiry.warn_days = 0\n").revocation.expiry_warn_days == 0);
    CHECK(parse_ok("[crl]\nmax_bytes = 1073741824\n").crl.max_bytes == (1u << 30));
}
