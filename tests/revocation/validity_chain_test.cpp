// Steps 1 and 2 of the suspension checks: validity against the injected clock, and the chain to
// configured anchors (pin-and-suspension.md §2.4, §3.2).
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include "lab.hpp"
#include "mynacard/revocation/anchors.hpp"

using namespace revtest;
using mynacard::revocation::CertStatus;

namespace {

/// A CRL that does not list anything, so a certificate that passes steps 1-2 ends Good.
void use_empty_crl(Lab& lab)
{
    lab.use_crl(make_crl(lab.ca, CrlOptions{}));
}

}  // namespace

TEST_CASE("validity: notAfter at the end of the day JST (14:59:59Z) is inclusive, one second later is Expired")
{
    Lab lab;
    auto leaf = make_leaf(lab.ca);
    // Keep the CRL fresh at the boundary so only validity decides.
    lab.use_crl(make_crl(lab.ca, CrlOptions{kLeafNotAfter - 3600, kLeafNotAfter + kDay, 1, {}}));

    lab.now = kLeafNotAfter - 1;
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Good);
    lab.now = kLeafNotAfter;
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Good);
    lab.now = kLeafNotAfter + 1;
    auto r = lab.checker()->status(leaf.x509(), "");
    CHECK(r.status == CertStatus::Expired);
    CHECK(r.source == "validity");
    CHECK(r.detail.find("2030-02-17T14:59:59Z") != std::string::npos);
}

TEST_CASE("validity: notBefore is inclusive, one second earlier is NotYetValid")
{
    Lab lab;
    LeafOptions o;
    o.not_before = utc(2026, 11, 24, 15, 0, 0);  // 00:00 JST
    auto leaf = make_leaf(lab.ca, o);
    lab.use_crl(make_crl(lab.ca, CrlOptions{o.not_before - 3600, o.not_before + kDay, 1, {}}));
    lab.now = o.not_before - 1;
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::NotYetValid);
    lab.now = o.not_before;
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Good);
    lab.now = o.not_before + 1;
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Good);
}

TEST_CASE("validity is checked before anything else: an expired certificate of an unknown CA is Expired")
{
    Lab lab;
    auto stranger = make_ca(CaOptions{"C=JP,O=Elsewhere,CN=Other CA"});
    LeafOptions o;
    o.not_after = kNow - 1;
    auto leaf = make_leaf(stranger, o);
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Expired);
}

TEST_CASE("chain: a certificate from a CA that is not configured is Unknown(untrusted issuer)")
{
    Lab lab;
    use_empty_crl(lab);
    auto stranger = make_ca(CaOptions{"C=JP,O=Elsewhere,CN=Other CA"});
    auto leaf = make_leaf(stranger);
    auto r = lab.checker()->status(leaf.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.source == "chain");
    CHECK(r.detail.find("untrusted issuer") != std::string::npos);
}

TEST_CASE("chain: a CA with the configured DN but another key (the card's own CA file, a forgery) is not trusted")
{
    Lab lab;
    use_empty_crl(lab);
    auto impostor = make_ca(CaOptions{});  // same default DN, new key
    auto leaf = make_leaf(impostor);
    auto r = lab.checker()->status(leaf.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("untrusted issuer") != std::string::npos);
}

TEST_CASE("chain: two CA generations sharing one DN are told apart by key identifier and signature")
{
    Lab lab;
    CaOptions gen2;
    gen2.not_before = utc(2019, 9, 14);
    gen2.not_after = utc(2029, 9, 14, 14, 59, 59);
    gen2.serial = 2;
    auto old_gen = make_ca(gen2);  // same DN as lab.ca (generation 3)
    write_file(lab.dir / "gen2.pem", to_pem(old_gen.x509()));
    lab.config.trust.anchors = {lab.dir / "gen2.pem", lab.dir / "ca.pem"};

    auto leaf3 = make_leaf(lab.ca, LeafOptions{"gen3-leaf", 0x31});
    auto leaf2 = make_leaf(old_gen, LeafOptions{"gen2-leaf", 0x21});
    // Each generation's CRL is signed by its own key and lists the other generation's serial,
    // so picking the wrong generation would be visible.
    write_file(lab.dir / "gen3.crl", make_crl(lab.ca, CrlOptions{kNow - 3600, kNow + kDay, 5, {{0x21, 1}}}));
    write_file(lab.dir / "gen2.crl", make_crl(old_gen, CrlOptions{kNow - 3600, kNow + kDay, 9, {{0x31, 1}}}));
    lab.config.crl.files = {lab.dir / "gen2.crl", lab.dir / "gen3.crl"};
    auto checker = lab.checker();
    CHECK(checker->status(leaf3.x509(), "").status == CertStatus::Good);
    CHECK(checker->status(leaf2.x509(), "").status == CertStatus::Good);

    // Without the AKI the signature alone still selects the right generation.
    auto leaf_no_aki = make_leaf(old_gen, LeafOptions{"gen2-noaki", 0x22, utc(2025, 1, 1), kLeafNotAfter - kDay * 200, "", "", false, false});
    CHECK(checker->status(leaf_no_aki.x509(), "").status == CertStatus::Good);

    // With only generation 3 configured, a generation-2 leaf is untrusted.
    lab.config.trust.anchors = {lab.dir / "ca.pem"};
    auto r = lab.checker()->status(leaf2.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("none with key id") != std::string::npos);
}

TEST_CASE("chain: an expired anchor does not anchor anything")
{
    CaOptions old;
    old.not_before = utc(2015, 10, 20);
    old.not_after = utc(2025, 10, 19, 14, 59, 59);
    Lab lab(old);
    LeafOptions o;
    o.not_before = utc(2021, 1, 1);
    o.not_after = utc(2027, 1, 1);  // (a sloppy CA): leaf outlives its root
    auto leaf = make_leaf(lab.ca, o);
    use_empty_crl(lab);
    auto r = lab.checker()->status(leaf.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("outside its validity") != std::string::npos);
}

TEST_CASE("chain: the O=JPKI-TEST hierarchy is refused by default and accepted when enabled")
{
    Lab lab(CaOptions{"C=JP,O=JPKI-TEST,OU=JPKI for digital signature,OU=Test CA"});
    auto leaf = make_leaf(lab.ca);
    use_empty_crl(lab);

    auto refused = lab.checker()->status(leaf.x509(), "");
    CHECK(refused.status == CertStatus::Unknown);
    CHECK(refused.source == "chain");
    CHECK(refused.detail.find("JPKI-TEST") != std::string::npos);
    CHECK(refused.detail.find("accept_test_hierarchy") != std::string::npos);

    lab.config.trust.accept_test_hierarchy = true;
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Good);
}

TEST_CASE("chain: an RSA-2048 hierarchy (as JPKI uses) works the same")
{
    CaOptions rsa;
    rsa.rsa = true;
    Lab lab(rsa);
    auto leaf = make_leaf(lab.ca);
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow - 3600, kNow + kDay, 1, {{0x1000, 6}}}));
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::OnHold);
}

TEST_CASE("anchors: globs and directories - unreadable entries are reported, not fatal")
{
    Lab lab;
    use_empty_crl(lab);
    auto leaf = make_leaf(lab.ca);
    std::filesystem::create_directory(lab.dir / "anchors");
    write_file(lab.dir / "anchors" / "a.pem", to_pem(lab.ca.x509()));
    write_file(lab.dir / "anchors" / "junk.pem", std::string("not a certificate"));

    lab.config.trust.anchors = {lab.dir / "anchors"};
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Good);
    lab.config.trust.anchors = {lab.dir / "anchors" / "*.pem"};
    CHECK(lab.checker()->status(leaf.x509(), "").status == CertStatus::Good);

    lab.config.trust.anchors = {lab.dir / "missing.pem"};
    auto r = lab.checker()->status(leaf.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("no trust anchors loaded") != std::string::npos);
    CHECK(r.detail.find("missing.pem") != std::string::npos);
}

TEST_CASE("anchors: the shipped generation-3 J-LIS roots are found by default and are the published ones")
{
    auto dir = mynacard::revocation::default_anchors_directory();
    INFO(dir);
    mynacard::Config::Trust trust;  // empty anchors: the default directory
    auto set = mynacard::revocation::load_anchors(trust);
    REQUIRE(set.anchors.size() == 2);
    CHECK(set.problems.empty());
    std::vector<std::string> fingerprints;
    for (const auto& a : set.anchors) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        X509_digest(a.get(), EVP_sha256(), md, &len);
        fingerprints.push_back(mynacard::to_hex(mynacard::ByteView(md, len)));
        // All generation-3 roots end at 23:59:59 JST.
        CHECK(ASN1_TIME_cmp_time_t(X509_get0_notAfter(a.get()), utc(2033, 7, 15, 14, 59, 59)) == 0);
    }
    std::sort(fingerprints.begin(), fingerprints.end());
    // pin-and-suspension.md §2.4 and the README of shared/data/jpki-roots.
    CHECK(fingerprints[0] == "64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5");
    CHECK(fingerprints[1] == "D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F");
}

TEST_CASE("anchors: MYNACARD_ANCHORS_DIR overrides the default directory")
{
    TempDir dir;
    ::setenv("MYNACARD_ANCHORS_DIR", dir.path().c_str(), 1);
    CHECK(mynacard::revocation::default_anchors_directory() == dir.path());
    ::unsetenv("MYNACARD_ANCHORS_DIR");
    CHECK(mynacard::revocation::default_anchors_directory() != dir.path());
    CHECK(mynacard::revocation::installed_anchors_directory().string().find("mynacard/anchors") != std::string::npos);
}
