// Step 5: CRLs looked up by hand (pin-and-suspension.md §3.2, §3.4).
#include <catch2/catch.hpp>

#include "http_server.hpp"
#include "lab.hpp"

using namespace revtest;
using mynacard::revocation::CertStatus;

namespace {

constexpr long kGood = 0x1000;
constexpr long kRevoked = 0x1001;
constexpr long kHeld = 0x1002;

CrlOptions lab_crl(long number = 1)
{
    CrlOptions o;
    o.number = number;
    o.revoked = {{kRevoked, 1 /* keyCompromise */}, {kHeld, 6 /* certificateHold */}};
    return o;
}

}  // namespace

TEST_CASE("CRL: good, revoked (keyCompromise) and held (certificateHold -> OnHold)")
{
    Lab lab;
    lab.use_crl(make_crl(lab.ca, lab_crl()));
    auto checker = lab.checker();
    auto good = checker->status(make_leaf(lab.ca, {"good", kGood}).x509(), "");
    CHECK(good.status == CertStatus::Good);
    CHECK(good.source == "crl:" + (lab.dir / "ca.crl").string());
    CHECK(good.this_update == kNow - 3600);
    CHECK(good.next_update == kNow + kDay - 3600);

    auto revoked = checker->status(make_leaf(lab.ca, {"revoked", kRevoked}).x509(), "");
    CHECK(revoked.status == CertStatus::Revoked);
    CHECK(revoked.crl_reason == 1);
    CHECK(revoked.detail.find("keyCompromise") != std::string::npos);

    auto held = checker->status(make_leaf(lab.ca, {"held", kHeld}).x509(), "");
    CHECK(held.status == CertStatus::OnHold);
    CHECK(held.crl_reason == 6);
}

TEST_CASE("CRL: PEM files and several CRLs in one file are read")
{
    Lab lab;
    write_file(lab.dir / "ca.crl.pem", to_pem_crl(make_crl(lab.ca, lab_crl())));
    lab.config.crl.files = {lab.dir / "*.pem"};
    CHECK(lab.checker()->status(make_leaf(lab.ca, {"held", kHeld}).x509(), "").status == CertStatus::OnHold);
}

TEST_CASE("CRL: a listed serial is bad news even when the CRL is stale - not listed needs freshness")
{
    Lab lab;
    lab.use_crl(make_crl(lab.ca, lab_crl()));
    lab.config.revocation.grace = std::chrono::seconds(3600);
    const std::time_t next = kNow + kDay - 3600;

    lab.now = next + 7 * kDay;  // a week stale
    CHECK(lab.checker()->status(make_leaf(lab.ca, {"revoked", kRevoked}).x509(), "").status == CertStatus::Revoked);
    CHECK(lab.checker()->status(make_leaf(lab.ca, {"held", kHeld}).x509(), "").status == CertStatus::OnHold);
    auto stale = lab.checker()->status(make_leaf(lab.ca, {"good", kGood}).x509(), "");
    CHECK(stale.status == CertStatus::Unknown);
    CHECK(stale.detail.find("stale CRL") != std::string::npos);

    // nextUpdate + grace is the limit: inside it "not listed" still counts.
    auto good = make_leaf(lab.ca, {"good", kGood});
    lab.now = next + 3600 - 1;
    CHECK(lab.checker()->status(good.x509(), "").status == CertStatus::Good);
    lab.now = next + 3600;
    CHECK(lab.checker()->status(good.x509(), "").status == CertStatus::Unknown);
    // A CRL from the future (thisUpdate > now + [ocsp] leeway, 300 s) does not vouch either;
    // within the clock-skew allowance it does.
    lab.config.ocsp.leeway = std::chrono::seconds(300);
    lab.now = kNow - 3600 - 301;
    CHECK(lab.checker()->status(good.x509(), "").status == CertStatus::Unknown);
    lab.now = kNow - 3600 - 300;
    CHECK(lab.checker()->status(good.x509(), "").status == CertStatus::Good);
}

TEST_CASE("CRL: a forged CRL with the same DN (another key) is ignored")
{
    Lab lab;
    auto forger = make_ca(CaOptions{});  // same DN, other key
    // The forgery "un-revokes" everything and claims a high number.
    lab.use_crl(make_crl(lab.ca, forger, CrlOptions{kNow - 60, kNow + kDay, 99, {}}));
    auto r = lab.checker()->status(make_leaf(lab.ca, {"revoked", kRevoked}).x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("signed by another key") != std::string::npos);

    // The genuine CRL next to it is used.
    auto with_real_genuine = make_crl(lab.ca, lab_crl(2));
    write_file(lab.dir / "genuine.crl", with_real_genuine);
    lab.config.crl.files = {lab.dir / "ca.crl", lab.dir / "genuine.crl"};
    CHECK(lab.checker()->status(make_leaf(lab.ca, {"revoked", kRevoked}).x509(), "").status == CertStatus::Revoked);
}

TEST_CASE("CRL: a forged CRL whose AKI copies the real key id fails on the signature")
{
    Lab lab;
    // Build the forgery with a signer identity whose certificate is the real CA (so the AKI is
    // the real key id) but whose key is another one.
    auto other = make_ca(CaOptions{});
    Identity fake_signer{mynacard::revocation::ossl::share(lab.ca.x509()), std::move(other.key)};
    lab.use_crl(make_crl(lab.ca, fake_signer, CrlOptions{kNow - 60, kNow + kDay, 99, {}}));
    auto r = lab.checker()->status(make_leaf(lab.ca, {"revoked", kRevoked}).x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("signature does not verify") != std::string::npos);
}

TEST_CASE("CRL: a CRL for another issuer is not used")
{
    Lab lab;
    auto other = make_ca(CaOptions{"C=JP,O=JPKI-LAB,OU=JPKI-LAB for user authentication,OU=Test CA"});
    lab.use_crl(make_crl(other, CrlOptions{}));
    auto r = lab.checker()->status(make_leaf(lab.ca, {"good", kGood}).x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("another issuer") != std::string::npos);
}

TEST_CASE("CRL: a rolled-back crlNumber is rejected, also across checker instances")
{
    Lab lab;
    auto held = make_leaf(lab.ca, {"held", kHeld});
    // #5 no longer lists the hold (released) ...
    CrlOptions released;
    released.number = 5;
    lab.use_crl(make_crl(lab.ca, released));
    CHECK(lab.checker()->status(held.x509(), "").status == CertStatus::Good);
    // ... an attacker puts back #4 (validly signed, fresh times, still listing something else).
    CrlOptions old = lab_crl(4);
    old.revoked = {{kRevoked, 1}};
    lab.use_crl(make_crl(lab.ca, old));
    auto r = lab.checker()->status(make_leaf(lab.ca, {"good", kGood}).x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("rolled back") != std::string::npos);
    // The state lives under the cache directory, 0600.
    auto state = lab.dir / "cache" / "revocation" / "crl-numbers";
    REQUIRE(std::filesystem::exists(state));
    CHECK((std::filesystem::status(state).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    // An equal number is fine (the same CRL again).
    lab.use_crl(make_crl(lab.ca, released));
    CHECK(lab.checker()->status(held.x509(), "").status == CertStatus::Good);
}

TEST_CASE("CRL: garbage, truncated DER and empty files are reported, never crash")
{
    Lab lab;
    auto good = make_leaf(lab.ca, {"good", kGood});
    auto der = make_crl(lab.ca, lab_crl());
    for (const mynacard::Bytes& bad : {mynacard::Bytes{0x30, 0x82, 0xFF, 0xFF, 0x01}, mynacard::Bytes(der.begin(), der.end() - 7),
                                       mynacard::Bytes{}, mynacard::Bytes(300, 0xA5)}) {
        lab.use_crl(bad);
        auto r = lab.checker()->status(good.x509(), "");
        CHECK(r.status == CertStatus::Unknown);
        CHECK(r.detail.find("not a CRL") != std::string::npos);
    }
    // Trailing bytes after a valid CRL are not accepted either.
    auto padded = der;
    padded.push_back(0);
    lab.use_crl(padded);
    CHECK(lab.checker()->status(good.x509(), "").status == CertStatus::Unknown);
    // A missing file.
    lab.config.crl.files = {lab.dir / "nope.crl"};
    CHECK(lab.checker()->status(good.x509(), "").detail.find("nope.crl") != std::string::npos);
}

TEST_CASE("CRL: an unknown critical extension makes the CRL unusable")
{
    Lab lab;
    auto o = lab_crl();
    o.critical_unknown_ext = true;
    lab.use_crl(make_crl(lab.ca, o));
    auto r = lab.checker()->status(make_leaf(lab.ca, {"good", kGood}).x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("critical extension") != std::string::npos);
}

TEST_CASE("CRL: a partitioned CRL (issuing distribution point) speaks only for its partition")
{
    Lab lab;
    const std::string shi = "C=JP,O=JPKI-LAB,OU=CRL Distribution Points,CN=Test-shi CRLDP";
    const std::string machi = "C=JP,O=JPKI-LAB,OU=CRL Distribution Points,CN=Test-machi CRLDP";
    auto in_shi = make_leaf(lab.ca, LeafOptions{"shi", kGood, utc(2025, 10, 27), kLeafNotAfter, "", shi});
    auto held_in_machi = make_leaf(lab.ca, LeafOptions{"machi", kHeld, utc(2025, 10, 27), kLeafNotAfter, "", machi});
    auto o = lab_crl();
    o.idp_dirname = shi;
    lab.use_crl(make_crl(lab.ca, o));
    CHECK(lab.checker()->status(in_shi.x509(), "").status == CertStatus::Good);
    // Not listed in the shi partition says nothing about a machi certificate ...
    auto other_good = make_leaf(lab.ca, LeafOptions{"machi-good", 0x2000, utc(2025, 10, 27), kLeafNotAfter, "", machi});
    auto r = lab.checker()->status(other_good.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("does not cover") != std::string::npos);
    // ... but a serial the issuer listed is still bad news.
    CHECK(lab.checker()->status(held_in_machi.x509(), "").status == CertStatus::OnHold);
}

TEST_CASE("CRL: a hold released in a newer CRL no longer counts")
{
    Lab lab;
    CrlOptions old = lab_crl(1);
    CrlOptions newer;
    newer.number = 2;
    newer.revoked = {};  // both entries gone (the revocation "disappearing" is not believed)
    write_file(lab.dir / "1.crl", make_crl(lab.ca, old));
    write_file(lab.dir / "2.crl", make_crl(lab.ca, newer));
    lab.config.crl.files = {lab.dir / "1.crl", lab.dir / "2.crl"};
    auto checker = lab.checker();
    CHECK(checker->status(make_leaf(lab.ca, {"held", kHeld}).x509(), "").status == CertStatus::Good);
}

TEST_CASE("CRL: fetched from a URL with size limit - offline skips URLs")
{
    Lab lab;
    auto der = make_crl(lab.ca, lab_crl());
    HttpServer server([&](const HttpRequest& req) {
        HttpReply reply;
        reply.content_type = "application/pkix-crl";
        if (req.method != "GET") reply.status = 405;
        reply.body = der;
        return reply;
    });
    lab.config.crl.urls = {server.url("/ca.crl")};
    auto held = make_leaf(lab.ca, {"held", kHeld});
    auto r = lab.checker()->status(held.x509(), "");
    CHECK(r.status == CertStatus::OnHold);
    CHECK(r.source == "crl:" + server.url("/ca.crl"));

    lab.config.crl.max_bytes = 64;
    auto too_big = lab.checker()->status(held.x509(), "");
    CHECK(too_big.status == CertStatus::Unknown);

    lab.config.crl.max_bytes = 1 << 20;
    lab.config.revocation.offline = true;
    int before = server.requests();
    auto offline = lab.checker()->status(held.x509(), "");
    CHECK(offline.status == CertStatus::Unknown);
    CHECK(offline.detail.find("offline") != std::string::npos);
    CHECK(server.requests() == before);

    // A distribution point that is down fails at once and leaves the status Unknown.
    lab.config.revocation.offline = false;
    lab.config.crl.urls = {"http://127.0.0.1:" + std::to_string(HttpServer::unused_port()) + "/ca.crl"};
    auto down = lab.checker()->status(held.x509(), "");
    CHECK(down.status == CertStatus::Unknown);
    CHECK(down.detail.find("Connection refused") != std::string::npos);
    // So does an HTTP error.
    lab.config.crl.urls = {server.url("/missing.crl")};
    HttpServer missing([](const HttpRequest&) {
        HttpReply reply;
        reply.status = 404;
        return reply;
    });
    lab.config.crl.urls = {missing.url("/ca.crl")};
    CHECK(lab.checker()->status(held.x509(), "").status == CertStatus::Unknown);
}

TEST_CASE("CRL: thisUpdate gets the OCSP clock-skew allowance ([ocsp] leeway.seconds)")
{
    Lab lab;
    lab.config.ocsp.leeway = std::chrono::seconds(300);
    auto good = make_leaf(lab.ca, {"good", kGood});
    // Published "in 5 minutes" by a server whose clock runs ahead: still usable.
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow + 300, kNow + kDay, 1, {}}));
    auto r = lab.checker()->status(good.x509(), "");
    INFO(r.detail);
    CHECK(r.status == CertStatus::Good);
    // Beyond the allowance it is not (a CRL from the future says nothing about now).
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow + 301, kNow + kDay, 2, {}}), "ahead.crl");
    auto ahead = lab.checker()->status(good.x509(), "");
    CHECK(ahead.status == CertStatus::Unknown);
    CHECK(ahead.detail.find("stale") != std::string::npos);
    // leeway = 0: exactly now is the limit.
    lab.config.ocsp.leeway = std::chrono::seconds(0);
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow + 1, kNow + kDay, 3, {}}), "one.crl");
    CHECK(lab.checker()->status(good.x509(), "").status == CertStatus::Unknown);
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow, kNow + kDay, 4, {}}), "now.crl");
    CHECK(lab.checker()->status(good.x509(), "").status == CertStatus::Good);
}
