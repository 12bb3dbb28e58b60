// Strictness: every mistake is ConfigInvalid naming the file and line, never a silent default.
#include <catch2/catch.hpp>

#include "mynacard/config.hpp"

using namespace mynacard;

namespace {
/// The error message for `text`, which must be rejected as ConfigInvalid.
std::string rejected(const std::string& text)
{
    auto r = parse_config(text, "my.conf");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::ConfigInvalid);
    return r.error().context;
}
}  // namespace

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("config: an unknown key names file, line and key")
{
    const auto msg = rejected("[pin]\nfinal_try = deny\nfinal_tries = 3\n");
    CHECK_THAT(msg, StartsWith("my.conf:3: unknown key final_tries"));
    CHECK_THAT(msg, Contains("[pin]"));
}

TEST_CASE("config: a key of another section is unknown here")
{
    CHECK_THAT(rejected("[ocsp]\nfinal_try = deny\n"), StartsWith("my.conf:2: unknown key final_try in [ocsp]"));
}

TEST_CASE("config: an unknown section is rejected even when empty")
{
    CHECK_THAT(rejected("[pin]\n\n[pkcs12]\n"), StartsWith("my.conf:3: unknown section [pkcs12]"));
    CHECK_THAT(rejected("[Pin]\nfinal_try = deny\n"), StartsWith("my.conf:1: unknown section [Pin]"));
}

TEST_CASE("config: a key outside any section")
{
    CHECK_THAT(rejected("final_try = deny\n"), StartsWith("my.conf:1: key \"final_try\" outside any [section]"));
}

TEST_CASE("config: syntax errors carry their line")
{
    CHECK_THAT(rejected("[pin]\nfinal_try deny\n"), StartsWith("my.conf:2: syntax error"));
    CHECK_THAT(rejected("[pin\nfinal_try = deny\n"), StartsWith("my.conf:1: syntax error"));
    // A syntax error before a bad key is the one reported.
    CHECK_THAT(rejected("[pin]\nnonsense\nfinal_tries = 1\n"), StartsWith("my.conf:2: syntax error"));
}

TEST_CASE("config: a repeated single-valued key is rejected")
{
    const auto msg = rejected("[pin]\nfinal_try = allow\n\n[pin]\nfinal_try = deny\n");
    CHECK_THAT(msg, StartsWith("my.conf:5: duplicate key final_try"));
    CHECK_THAT(msg, Contains("line 2"));
}

TEST_CASE("config: a line longer than inih's buffer is rejected, not split")
{
    const std::string long_list = "[trust]\nanchors = /" + std::string(300, 'a') + ".pem\n";
    CHECK_THAT(rejected(long_list), StartsWith("my.conf:2: line longer than 199 characters"));
}

TEST_CASE("config: a NUL byte is rejected")
{
    CHECK_THAT(rejected(std::string("[pin]\nfinal_try = deny\0x\n", 24)), Contains("NUL"));
}

TEST_CASE("config: bad values name the key and what is accepted")
{
    struct Case {
        const char* text;
        const char* expect;
    };
    const Case cases[] = {
        {"[pin]\nfinal_try = maybe\n", "my.conf:2: final_try = \"maybe\": expected one of: allow | confirm | deny"},
        {"[pin]\nskip_login_if_revoked = perhaps\n", "expected true or false"},
        {"[pkcs11]\nsign_always_authenticate =\n", "expected true or false"},
        {"[pkcs11]\nexpose_ca_certificates = 2\n", "expected true or false"},
        {"[cache]\nenabled = y\n", "expected true or false"},
        {"[cache]\ndirectory = relative/dir\n", "expected an absolute path"},
        {"[cache]\nsign_certificate = sometimes\n", "expected true or false"},
        {"[log]\nlevel = verbose\n", "expected one of: off | error | info | debug"},
        {"[log]\nfile = log.txt\n", "expected an absolute path"},
        {"[revocation]\nmode = ldap\n", "\"ldap\": expected ocsp, crl"},
        {"[revocation]\nmode = ocsp, ocsp\n", "listed twice"},
        {"[revocation]\nmode = none, crl\n", "\"none\": expected ocsp, crl"},
        {"[revocation]\nmode =\n", "expected ocsp, crl"},
        {"[revocation]\nmode = ocsp,,crl\n", "expected ocsp, crl"},
        {"[revocation]\npolicy.sign = fail-closd\n", "expected one of: fail-closed | fail-open-warn | fail-open"},
        {"[revocation]\npolicy.auth = open\n", "expected one of: fail-closed"},
        {"[revocation]\ngrace.seconds = -1\n", "expected a whole number from 0"},
        {"[revocation]\nmax_age.seconds = 1h\n", "expected a whole number"},
        {"[revocation]\nexpiry.warn_days = 9999\n", "from 0 to 3660"},
        {"[revocation]\noffline = offline\n", "expected true or false"},
        {"[revocation]\nunknown_cache.seconds = 3601\n", "from 0 to 3600"},
        {"[revocation]\nunknown_cache.seconds = -1\n", "expected a whole number"},
        {"[revocation]\nca_file = ca.pem\n", "expected an absolute path"},
        {"[trust]\nanchors = /ok.pem, relative.pem\n", "\"relative.pem\": expected an absolute path"},
        {"[trust]\nanchors = /a.pem,\n", "empty item"},
        {"[trust]\naccept_test_hierarchy = 3\n", "expected true or false"},
        {"[ocsp]\nurl = ftp://127.0.0.1/ocsp\n", "expected an http:// or https:// URL"},
        {"[ocsp]\nurl = http://\n", "expected an http:// or https:// URL"},
        {"[ocsp]\ntimeout.seconds = 0\n", "from 1 to 600"},
        {"[ocsp]\ntimeout.seconds = 601\n", "from 1 to 600"},
        {"[ocsp]\nrequire_nonce = maybe\n", "expected true or false"},
        {"[ocsp]\nleeway.seconds = 99999999999999999999999\n", "expected a whole number"},
        {"[ocsp]\nmax_response_bytes = 10\n", "from 512 to"},
        {"[crl]\nfiles = crl/*.crl\n", "expected an absolute path"},
        {"[crl]\nurls = file:///etc/x.crl\n", "expected an http:// or https:// URL"},
        {"[crl]\ntimeout.seconds = 5s\n", "expected a whole number"},
        {"[crl]\nmax_bytes = 1099511627776\n", "from 1024 to 1073741824"},
        {"[local]\nsuspended_list = suspended.list\n", "expected an absolute path"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        const auto msg = rejected(c.text);
        CHECK_THAT(msg, StartsWith("my.conf:2: "));
        CHECK_THAT(msg, Contains(c.expect));
    }
}

TEST_CASE("config: the first error wins and later lines are not applied")
{
    CHECK_THAT(rejected("[pin]\nfinal_try = nope\n[log]\nlevel = loud\n"), StartsWith("my.conf:2:"));
}
