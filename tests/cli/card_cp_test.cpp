// card-cp end to end: the built binary as a subprocess, through the private pcscd + vpcd and
// the virtual card (tools/dev/pcsc-env.sh). Every command in text and --json, every exit
// code, CMS/raw signatures checked with the openssl command, PIN prompts on a pty.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <openssl/evp.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "process.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "vcard/expected_identity.hpp"
#include "vcard/test_pki.hpp"
#include "vcard/virtual_card.hpp"
#include "vcard/vpcd_link.hpp"

using mynacard::clitest::card_cp;
using mynacard::clitest::PtySession;
using mynacard::clitest::read_text;
using mynacard::clitest::Run;
using mynacard::clitest::RunOptions;
using mynacard::clitest::run_program;
using mynacard::clitest::TempDir;
using mynacard::vcard::CardOptions;
using mynacard::vcard::TestPki;
using mynacard::vcard::VpcdCard;
using nlohmann::json;

namespace {

constexpr int kAuthPin = 0x18, kSignPin = 0x1B, kKenhojoPin = 0x11;

/// The shared test PKI written out once (auth_ca.pem, sign_ca.pem, auth.pem, sign.pem, ...).
const TempDir& pki_dir()
{
    static TempDir dir;
    static bool saved = false;
    if (!saved) {
        TestPki::shared_default().save(dir.path());
        saved = true;
    }
    return dir;
}

/// The configuration of a test installation: the test hierarchy as the (explicitly accepted)
/// trust anchor, no revocation source, and Unknown allowed for both keys, so signing works
/// unless a test configures a refusal. `extra` is appended.
std::string test_config(const std::string& extra = {})
{
    static TempDir dir;
    static int n = 0;
    return dir.write("c" + std::to_string(++n) + ".conf",
                     "[trust]\nanchors = " + pki_dir().file("auth_ca.pem") + ", " + pki_dir().file("sign_ca.pem") +
                         "\naccept_test_hierarchy = true\n[revocation]\nmode = none\npolicy.sign = fail-open\n"
                         "policy.auth = fail-open\n" + extra);
}

struct DefaultConfig {
    DefaultConfig() { mynacard::clitest::set_default_config(test_config()); }
};
const DefaultConfig g_default_config;

json parse(const Run& run)
{
    INFO("stdout: " << run.out << "\nstderr: " << run.err);
    REQUIRE_NOTHROW(json::parse(run.out));
    return json::parse(run.out);
}

std::string sha256_colon(const mynacard::Bytes& der)
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(der.data(), der.size(), md, &len, EVP_sha256(), nullptr);
    return mynacard::to_hex(mynacard::ByteView(md, len), ':');
}

RunOptions pin_fd(const std::string& pin, int fd = 3)
{
    RunOptions o;
    o.fd_data[fd] = pin + "\n";
    return o;
}

std::string reader() { return VpcdCard::reader_name(0); }

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string spaced_hex(const std::string& text)
{
    return mynacard::to_hex(mynacard::ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), ' ');
}

std::vector<std::string> plus(std::vector<std::string> args, const std::vector<std::string>& more)
{
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

/// The card type card-cp should report from the card's label (switch label-v1: the older one).
std::string expected_type(const VpcdCard& vpcd)
{
    return vpcd.shared_card()->options().token_label == "JPKIAPICCTOKEN" ? "juki-card" : "my-number-card";
}

}  // namespace

TEST_CASE("readers: text and json, an empty reader and a My Number card")
{
    {
        // No card yet: both readers are empty.
        const Run text = card_cp({"readers"});
        CHECK(text.exit_code == 0);
        CHECK(text.out.find(VpcdCard::reader_name(0)) != std::string::npos);
        CHECK(text.out.find("no card") != std::string::npos);
        const Run status = card_cp({"status"});
        CHECK(status.exit_code == 11);  // no card
    }
    VpcdCard card;
    const Run text = card_cp({"readers"});
    CHECK(text.exit_code == 0);
    const std::string label = card.card().options().token_label;
    CHECK(text.out.find(expected_type(card) + " (" + label + ")") != std::string::npos);

    const Run js = card_cp({"readers", "--json"});
    REQUIRE(js.exit_code == 0);
    json doc = parse(js);
    CHECK(doc["schema"] == 1);
    CHECK(doc["command"] == "readers");
    bool found = false;
    for (const auto& r : doc["readers"]) {
        if (r["name"] == reader()) {
            found = true;
            CHECK(r["card_present"] == true);
            CHECK(r["card_type"] == expected_type(card));
            CHECK(r["label"] == label);
        } else {
            CHECK(r["card_present"] == false);
        }
    }
    CHECK(found);
    CHECK(card.card().stats().verify_with_data == 0);
}

TEST_CASE("status: identity, certificates, tries left without spending any")
{
    VpcdCard card;
    const Run text = card_cp({"status"});
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    const std::string serial = mynacard::vcard::expected_identity(*card.shared_card()).serial;
    REQUIRE_FALSE(serial.empty());  // an empty one would be "found" in any output
    CHECK(text.out.find(serial) != std::string::npos);
    CHECK(text.out.find("readable after the signing password") != std::string::npos);
    CHECK(text.out.find("3/3") != std::string::npos);
    CHECK(text.out.find("5/5") != std::string::npos);
    CHECK(text.out.find("days left") != std::string::npos);

    json doc = parse(card_cp({"--json", "status"}));
    CHECK(doc["command"] == "status");
    CHECK(doc["reader"] == reader());
    CHECK(doc["card"]["type"] == expected_type(card));
    CHECK(doc["card"]["identity"]["serial"] == serial);
    CHECK(doc["certificates"]["auth"]["readable"] == true);
    CHECK(doc["certificates"]["auth"]["fingerprints"]["sha256"] ==
          sha256_colon(TestPki::shared_default().auth_der));
    CHECK(doc["certificates"]["auth"]["days_left"].get<long>() > 365);
    CHECK(doc["certificates"]["sign"]["present"] == true);
    CHECK(doc["certificates"]["sign"]["readable"] == false);
    CHECK(doc["certificates"]["sign"]["reason"] == "needs-password");
    CHECK(doc["certificates"]["sign-ca"]["readable"] == true);
    CHECK(doc["pins"]["auth"]["tries_left"] == 3);
    CHECK(doc["pins"]["sign"]["tries_left"] == 5);
    CHECK(doc["pins"]["sign"]["max_tries"] == 5);
    CHECK(doc["pins"]["kenhojo"]["tries_left"] == 3);
    CHECK(doc["pins"]["auth"]["state"] == "ok");

    // Japanese, by flag and by environment.
    const Run ja = card_cp({"status", "--lang", "ja"});
    CHECK(ja.exit_code == 0);
    CHECK(ja.out.find("暗証番号") != std::string::npos);
    RunOptions env;
    env.env["LANG"] = "ja_JP.UTF-8";
    CHECK(card_cp({"status"}, env).out.find("電子証明書") != std::string::npos);

    CHECK(card.card().stats().verify_with_data == 0);
    CHECK(card.card().tries_left(kAuthPin) == 3);
    CHECK(card.card().tries_left(kSignPin) == 5);
    CHECK(card.card().tries_left(kKenhojoPin) == 3);
}

TEST_CASE("cert list, show and export; the signing certificate needs the password")
{
    VpcdCard card;
    const auto& pki = TestPki::shared_default();
    TempDir tmp;

    const Run list = card_cp({"cert", "list"});
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("auth-ca") != std::string::npos);
    json listed = parse(card_cp({"cert", "list", "--json"}));
    REQUIRE(listed["certificates"].size() == 4);
    CHECK(listed["certificates"][2]["kind"] == "sign");
    CHECK(listed["certificates"][2]["reason"] == "needs-password");

    const Run show = card_cp({"cert", "show", "auth"});
    CHECK(show.exit_code == 0);
    CHECK(show.out.find("SHA-256: " + sha256_colon(pki.auth_der)) != std::string::npos);
    CHECK(show.out.find("RSA 2048 bit") != std::string::npos);

    json shown = parse(card_cp({"cert", "show", "auth-ca", "--json"}));
    CHECK(shown["kind"] == "auth-ca");
    CHECK(shown["fingerprints"]["sha256"] == sha256_colon(pki.auth_ca_der));
    CHECK(shown["key"]["bits"] == 2048);
    CHECK(shown["personal_data"].is_null());

    // Signing certificate: password via --pin-file, personal data hidden unless asked for.
    const std::string pw = tmp.write("pw", "ABC123\n");
    const Run sign_show = card_cp({"cert", "show", "sign", "--pin-file", pw});
    INFO(sign_show.err);
    CHECK(sign_show.exit_code == 0);
    CHECK(sign_show.out.find(sha256_colon(pki.sign_der)) != std::string::npos);
    CHECK(sign_show.out.find("公的") == std::string::npos);
    CHECK(sign_show.out.find("--show-personal-data") != std::string::npos);
    json personal =
        parse(card_cp({"cert", "show", "sign", "--show-personal-data", "--json", "--pin-file", pw}));
    CHECK(personal["personal_data"]["name"] == "公的　個人");
    CHECK(personal["personal_data"]["birth_date"] == "419800101");
    CHECK(card_cp({"cert", "show", "auth", "--show-personal-data"}).exit_code == 64);
    // The session was ended: the card is not left verified for the next program.
    CHECK_FALSE(card.card().verified(kSignPin));

    // Export PEM to a file and DER to stdout.
    const std::string pem_path = tmp.file("auth.pem");
    const Run exported = card_cp({"cert", "export", "auth", "-o", pem_path});
    CHECK(exported.exit_code == 0);
    CHECK(read_text(pem_path) == read_text(pki_dir().file("auth.pem")));
    const Run der = card_cp({"cert", "export", "sign-ca", "--format", "der"});
    CHECK(der.exit_code == 0);
    CHECK(der.out == std::string(pki.sign_ca_der.begin(), pki.sign_ca_der.end()));
    json ex = parse(card_cp({"--json", "cert", "export", "sign", "-o", tmp.file("s.pem"), "--pin-file", pw}));
    CHECK(ex["fingerprints"]["sha256"] == sha256_colon(pki.sign_der));
    CHECK(card.card().tries_left(kSignPin) == 5);
}

TEST_CASE("sign: detached CMS verified by openssl cms, raw verified by openssl pkeyutl")
{
    VpcdCard card;
    TempDir tmp;
    const std::string data = tmp.write("data.bin", std::string("hello\r\nMy Number\0binary", 23));
    const std::string pw = tmp.write("pw", "abc123\n");  // folded to upper case

    // Signing key (default), SHA-256, password from a file.
    const Run signed_cms = card_cp({"sign", data, "--pin-file", pw});
    INFO(signed_cms.err);
    REQUIRE(signed_cms.exit_code == 0);
    // stderr is a pipe here: no progress lines (they are for a person at a terminal).
    CHECK_FALSE(has(signed_cms.err, "Signing on the card"));
    CHECK_FALSE(has(signed_cms.err, "Reading the"));
    const Run check = run_program({"/usr/bin/openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                                   data + ".p7s", "-content", data, "-CAfile",
                                   pki_dir().file("sign_ca.pem"), "-out", "/dev/null"});
    INFO(check.err);
    CHECK(check.exit_code == 0);
    // Both certificates embedded.
    const Run certs = run_program({"/usr/bin/openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", data + ".p7s"});
    CHECK(certs.out.find("JPKI for digital signature") != std::string::npos);

    // Auth key, SHA-384, PEM, JSON report, PIN through a descriptor.
    RunOptions o = pin_fd("1234");
    const Run auth = card_cp({"--json", "sign", data, "--key", "auth", "--hash", "sha384", "--pem",
                              "-o", tmp.file("a.p7s"), "--pin-fd", "3"}, o);
    INFO(auth.err);
    REQUIRE(auth.exit_code == 0);
    json doc = parse(auth);
    CHECK(doc["format"] == "cms-pem");
    CHECK(doc["hash"] == "sha384");
    CHECK(doc["embedded_certificates"] == 2);
    const Run check_auth = run_program({"/usr/bin/openssl", "cms", "-verify", "-binary", "-inform", "PEM", "-in",
                                        tmp.file("a.p7s"), "-content", data, "-CAfile",
                                        pki_dir().file("auth_ca.pem"), "-out", "/dev/null"});
    INFO(check_auth.err);
    CHECK(check_auth.exit_code == 0);
    CHECK(run_program({"/usr/bin/openssl", "cms", "-verify", "-binary", "-inform", "PEM", "-in", tmp.file("a.p7s"),
                       "-content", pki_dir().file("auth.pem"), "-CAfile", pki_dir().file("auth_ca.pem"),
                       "-out", "/dev/null"})
              .exit_code != 0);

    // Raw PKCS#1 v1.5 with the auth key and SHA-512, PIN from the environment.
    RunOptions env;
    env.env["MYNACARD_PIN"] = "1234";
    const Run raw = card_cp({"sign", data, "--key", "auth", "--format", "raw", "--hash", "sha512"}, env);
    INFO(raw.err);
    REQUIRE(raw.exit_code == 0);
    CHECK(read_text(data + ".sig").size() == 256);
    run_program({"/bin/sh", "-c", "openssl x509 -in " + pki_dir().file("auth.pem") + " -pubkey -noout > " +
                                      tmp.file("pub.pem") + " && openssl dgst -sha512 -binary " + data + " > " +
                                      tmp.file("h")});
    const Run pk = run_program({"/usr/bin/openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp.file("pub.pem"),
                                "-in", tmp.file("h"), "-sigfile", data + ".sig", "-pkeyopt", "digest:sha512"});
    INFO(pk.out << pk.err);
    CHECK(pk.exit_code == 0);
    CHECK(pk.out.find("Signature Verified Successfully") != std::string::npos);

    CHECK(card.card().stats().signatures == 3);
    CHECK(card.card().tries_left(kAuthPin) == 3);
    CHECK(card.card().tries_left(kSignPin) == 5);
    CHECK_FALSE(card.card().verified(kAuthPin));
}

TEST_CASE("verify: CMS and raw, trust anchors, tampering")
{
    VpcdCard card;
    TempDir tmp;
    const std::string data = tmp.write("doc.txt", "contract text\n");
    const std::string pw = tmp.write("pw", "ABC123\n");
    REQUIRE(card_cp({"sign", data, "--pin-file", pw}).exit_code == 0);
    const std::string pin = tmp.write("pin", "1234\n");
    REQUIRE(card_cp({"sign", data, "--key", "auth", "--format", "raw", "--pin-file", pin}).exit_code == 0);
    const std::string ca = pki_dir().file("sign_ca.pem");
    // Trust decisions below use an empty configuration: only --ca and the flags count.
    RunOptions plain;
    plain.env["MYNACARD_CONFIG"] = mynacard::clitest::empty_config();

    const Run ok = card_cp({"verify", data, "-s", data + ".p7s", "--ca", ca, "--accept-test-hierarchy",
                            "--no-default-anchors"}, plain);
    INFO(ok.err);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("Signature valid.") != std::string::npos);

    json doc = parse(card_cp({"verify", data, "-s", data + ".p7s", "--ca", ca, "--accept-test-hierarchy",
                                    "--no-default-anchors", "--json"}, plain));
    CHECK(doc["valid"] == true);
    CHECK(doc["format"] == "cms");
    CHECK(doc["signer"]["fingerprints"]["sha256"] == sha256_colon(TestPki::shared_default().sign_der));
    CHECK(doc["chain"].size() == 2);
    CHECK_FALSE(doc["signing_time"].is_null());

    // The test hierarchy is not trusted without the explicit flag.
    const Run untrusted = card_cp({"verify", data, "-s", data + ".p7s", "--ca", ca, "--no-default-anchors"}, plain);
    CHECK(untrusted.exit_code == 3);
    CHECK(untrusted.err.find("JPKI-TEST") != std::string::npos);
    // The production J-LIS roots do not anchor a test certificate either.
    RunOptions roots = plain;
    roots.env["MYNACARD_ANCHORS_DIR"] = MYNACARD_SOURCE_DIR "/../shared/data/jpki-roots";
    CHECK(card_cp({"verify", data, "-s", data + ".p7s"}, roots).exit_code == 3);
    // Wrong hierarchy as anchor.
    CHECK(card_cp({"verify", data, "-s", data + ".p7s", "--ca", pki_dir().file("auth_ca.pem"),
                   "--accept-test-hierarchy", "--no-default-anchors"}, plain)
              .exit_code == 3);

    // [trust] anchors from the configuration (the test default) are used without --ca.
    CHECK(card_cp({"verify", data, "-s", data + ".p7s"}).exit_code == 0);

    // Tampered content.
    const std::string other = tmp.write("doc2.txt", "contract text!\n");
    json bad = parse(card_cp({"verify", other, "-s", data + ".p7s", "--ca", ca, "--accept-test-hierarchy",
                                    "--no-default-anchors", "--json"}, plain));
    CHECK(bad["error"]["exit_code"] == 2);
    CHECK(card_cp({"verify", other, "-s", data + ".p7s", "--ca", ca, "--accept-test-hierarchy",
                   "--no-default-anchors"}, plain)
              .exit_code == 2);

    // Raw signature.
    const std::vector<std::string> raw_args{"verify", data, "-s", data + ".sig", "--cert", pki_dir().file("auth.pem"),
                                            "--ca", pki_dir().file("auth_ca.pem"), "--accept-test-hierarchy",
                                            "--no-default-anchors"};
    const Run raw = card_cp(raw_args, plain);
    INFO(raw.err);
    CHECK(raw.exit_code == 0);
    auto tampered = raw_args;
    tampered[1] = other;
    CHECK(card_cp(tampered, plain).exit_code == 2);
    auto wrong_hash = raw_args;
    wrong_hash.push_back("--hash");
    wrong_hash.push_back("sha384");
    CHECK(card_cp(wrong_hash, plain).exit_code == 2);
    // Raw without a certificate: usage; a certificate file that is not one: data error.
    CHECK(card_cp({"verify", data, "-s", data + ".sig", "--format", "raw"}, plain).exit_code == 64);
    const std::string junk = tmp.write("junk.pem", "not a certificate");
    CHECK(card_cp({"verify", data, "-s", data + ".sig", "--cert", junk}, plain).exit_code == 65);
}

TEST_CASE("pin status and pin change for auth, sign and kenhojo")
{
    VpcdCard card;
    TempDir tmp;
    json st = parse(card_cp({"pin", "status", "--json"}));
    CHECK(st["pins"]["auth"]["tries_left"] == 3);
    CHECK(st["pins"]["sign"]["tries_left"] == 5);
    CHECK(st["pins"]["kenhojo"]["tries_left"] == 3);
    const Run text = card_cp({"pin", "status", "sign"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("5/5") != std::string::npos);

    // auth: old from a file, new from a file.
    const Run changed = card_cp({"pin", "change", "auth", "--pin-file", tmp.write("old", "1234\n"),
                                 "--new-pin-file", tmp.write("new", "5678\n")});
    INFO(changed.err);
    CHECK(changed.exit_code == 0);
    CHECK(card.card().tries_left(kAuthPin) == 3);
    CHECK(card_cp({"sign", tmp.write("f", "x"), "--key", "auth", "--pin-file", tmp.file("new")}).exit_code == 0);

    // sign: old and new on one descriptor, lower case folded; JSON result.
    RunOptions o;
    o.fd_data[3] = "abc123\nnew456\n";
    json ch = parse(card_cp({"pin", "change", "sign", "--pin-fd", "3", "--new-pin-fd", "3", "--json"}, o));
    CHECK(ch["changed"] == true);
    CHECK(card_cp({"cert", "show", "sign", "--pin-file", tmp.write("pw", "NEW456\n")}).exit_code == 0);
    // A new sign password without digits is refused locally.
    RunOptions weak;
    weak.fd_data[3] = "NEW456\nABCDEFG\n";
    CHECK(card_cp({"pin", "change", "sign", "--pin-fd", "3", "--new-pin-fd", "3"}, weak).exit_code == 23);

    // kenhojo via the environment.
    RunOptions env;
    env.env["MYNACARD_PIN"] = "1234";
    env.env["MYNACARD_NEW_PIN"] = "2468";
    CHECK(card_cp({"pin", "change", "kenhojo"}, env).exit_code == 0);
    CHECK(card_cp({"my-number", "--pin-file", tmp.write("k", "2468\n")}).exit_code == 0);
    CHECK(card.card().tries_left(kKenhojoPin) == 3);
}

TEST_CASE("defaults: with no configuration file the signing key signs, the unknown status is warned on stderr")
{
    // issue 10 §1: a holder's machine has no revocation source; the J-LIS roots do not anchor
    // the test PKI either, so the status is unknown, which signs with a warning by default.
    VpcdCard card;
    TempDir tmp;
    RunOptions env;
    env.env["MYNACARD_CONFIG"] = tmp.file("none.conf");  // does not exist: every default
    env.env["XDG_CACHE_HOME"] = tmp.file("cache");
    const Run r = card_cp({"sign", tmp.write("doc", "x"), "--key", "sign", "--format", "raw", "-o", tmp.file("s"),
                           "--pin-file", tmp.write("p", "ABC123\n")}, env);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(has(r.err, "unknown"));
    CHECK(card.card().stats().signatures == 1);
    CHECK_FALSE(card.card().verified(kSignPin));
}

TEST_CASE("pin verify: spends a last try only when confirmed, refills the counter, leaves the card logged out")
{
    // The PKCS#11 module refuses the final try under the default final_try = confirm and names
    // this command (issue 10 §1).
    CardOptions options;
    options.auth_pin.tries_left = 1;
    options.sign_pin.tries_left = 2;
    VpcdCard card(options);
    TempDir tmp;
    const std::string pin = tmp.write("p", "1234\n");
    const Run refused = card_cp({"pin", "verify", "auth", "--pin-file", pin});
    CHECK(refused.exit_code == 22);
    CHECK(card.card().stats().verify_with_data == 0);
    const Run confirmed = card_cp({"pin", "verify", "auth", "--pin-file", pin, "--allow-final-try"});
    INFO(confirmed.err);
    CHECK(confirmed.exit_code == 0);
    CHECK(confirmed.out.find("is correct") != std::string::npos);
    CHECK(card.card().tries_left(kAuthPin) == 3);
    CHECK_FALSE(card.card().verified(kAuthPin));  // powered down after the command
    const Run wrong = card_cp({"--json", "pin", "verify", "sign", "--pin-file", tmp.write("w", "WRONG1\n")});
    CHECK(wrong.exit_code == 20);
    CHECK(card.card().tries_left(kSignPin) == 1);
    json ok = parse(card_cp({"--json", "pin", "verify", "sign", "--allow-final-try", "--pin-file", tmp.write("s", "ABC123\n")}));
    CHECK(ok["verified"] == true);
    CHECK(card.card().tries_left(kSignPin) == 5);
    CHECK(card.card().stats().verify_with_data == 3);
}

TEST_CASE("my-number and attributes after the Kenhojo PIN, with a warning")
{
    VpcdCard card;
    TempDir tmp;
    const std::string pin = tmp.write("pin", "1234\n");
    const Run number = card_cp({"my-number", "--pin-file", pin});
    INFO(number.err);
    CHECK(number.exit_code == 0);
    CHECK(number.out.find("123456789018") != std::string::npos);
    CHECK(number.err.find("sensitive personal data") != std::string::npos);
    json n = parse(card_cp({"my-number", "--json", "--pin-file", pin}));
    CHECK(n["my_number"] == "123456789018");

    json a = parse(card_cp({"attributes", "--json", "--pin-file", pin}));
    CHECK(a["name"] == "公的　個人");
    CHECK(a["sex"] == "1");
    const Run ja = card_cp({"attributes", "--lang", "ja", "--pin-file", pin});
    CHECK(ja.out.find("氏名") != std::string::npos);
    CHECK(ja.err.find("機微な個人情報") != std::string::npos);

    const Run wrong = card_cp({"my-number", "--pin-file", tmp.write("bad", "9999\n")});
    CHECK(wrong.exit_code == 20);
    CHECK(wrong.out.find("1234567890") == std::string::npos);
    CHECK(card.card().tries_left(kKenhojoPin) == 2);
}

TEST_CASE("exit codes: PIN incorrect, locked, final try, malformed")
{
    TempDir tmp;
    SECTION("20: wrong PIN, tries reported, in English and Japanese")
    {
        VpcdCard card;
        const Run wrong = card_cp({"sign", tmp.write("f", "x"), "--key", "auth", "--json", "--pin-file",
                                   tmp.write("p", "9999\n")});
        CHECK(wrong.exit_code == 20);
        json doc = parse(wrong);
        CHECK(doc["error"]["kind"] == "pin-incorrect");
        CHECK(doc["error"]["tries_left"] == 2);
        CHECK(wrong.err.find("2 tries left") != std::string::npos);
        CHECK(card.card().tries_left(kAuthPin) == 2);
        const Run ja = card_cp({"sign", tmp.file("f"), "--key", "auth", "--lang", "ja", "--pin-file", tmp.file("p")});
        CHECK(ja.exit_code == 20);
        CHECK(ja.err.find("残り 1 回") != std::string::npos);
        CHECK(card.card().tries_left(kAuthPin) == 1);
    }
    SECTION("21: locked PIN refused without VERIFY, recovery explained")
    {
        CardOptions options;
        options.auth_pin.tries_left = 0;
        options.sign_pin.tries_left = 0;
        options.kenhojo_pin.tries_left = 0;
        VpcdCard card(options);
        const Run locked = card_cp({"sign", tmp.write("f", "x"), "--key", "auth", "--pin-file", tmp.write("p", "1234\n")});
        CHECK(locked.exit_code == 21);
        CHECK(locked.err.find("municipal office") != std::string::npos);
        CHECK(locked.err.find("signing password") != std::string::npos);  // kiosk route needs it
        const Run kenhojo = card_cp({"my-number", "--pin-file", tmp.file("p")});
        CHECK(kenhojo.exit_code == 21);
        CHECK(kenhojo.err.find("kiosks cannot") != std::string::npos);
        // The signing password: the kiosk route needs the other JPKI secret, the auth PIN.
        const Run sign = card_cp({"cert", "show", "sign", "--pin-file", tmp.write("pw", "ABC123\n")});
        CHECK(sign.exit_code == 21);
        CHECK(has(sign.err, "municipal office"));
        CHECK(has(sign.err, "kiosk"));
        CHECK(has(sign.err, "user-authentication PIN"));
        json locked_json = parse(card_cp({"--json", "my-number", "--pin-file", tmp.file("p")}));
        CHECK(locked_json["error"]["kind"] == "pin-locked");
        CHECK(locked_json["error"]["hints"].size() == 1);
        const Run ja = card_cp({"sign", tmp.file("f"), "--key", "auth", "--lang", "ja", "--pin-file", tmp.file("p")});
        CHECK(ja.exit_code == 21);
        CHECK(has(ja.err, "市区町村の窓口"));
        CHECK(has(ja.err, "JPKI暗証番号リセット"));
        CHECK(card.card().stats().verify_with_data == 0);
        CHECK(parse(card_cp({"status", "--json"}))["pins"]["auth"]["state"] == "locked");
    }
    SECTION("21: the wrong entry that locks")
    {
        CardOptions options;
        options.sign_pin.tries_left = 1;
        VpcdCard card(options);
        const Run r = card_cp({"cert", "show", "sign", "--allow-final-try", "--pin-file", tmp.write("p", "WRONG1\n")});
        CHECK(r.exit_code == 21);
        CHECK(r.err.find("now locked") != std::string::npos);
        CHECK(card.card().tries_left(kSignPin) == 0);
    }
    SECTION("22: final try needs --allow-final-try in non-interactive use")
    {
        CardOptions options;
        options.auth_pin.tries_left = 1;
        VpcdCard card(options);
        const std::string f = tmp.write("f", "x");
        const std::string p = tmp.write("p", "1234\n");
        const Run refused = card_cp({"sign", f, "--key", "auth", "--pin-file", p});
        CHECK(refused.exit_code == 22);
        CHECK(refused.err.find("--allow-final-try") != std::string::npos);
        CHECK(card.card().stats().verify_with_data == 0);
        CHECK(parse(card_cp({"pin", "status", "--json"}))["pins"]["auth"]["state"] == "final-try");
        const Run allowed = card_cp({"sign", f, "--key", "auth", "--pin-file", p, "--allow-final-try"});
        CHECK(allowed.exit_code == 0);
        CHECK(card.card().tries_left(kAuthPin) == 3);
    }
    SECTION("22: [pin] final_try = deny forbids it even with the flag")
    {
        CardOptions options;
        options.auth_pin.tries_left = 1;
        VpcdCard card(options);
        RunOptions env;
        env.env["MYNACARD_CONFIG"] = tmp.write("deny.conf", "[pin]\nfinal_try = deny\n");
        CHECK(card_cp({"sign", tmp.write("f", "x"), "--key", "auth", "--allow-final-try", "--pin-file",
                       tmp.write("p", "1234\n")}, env)
                  .exit_code == 22);
        CHECK(card.card().stats().verify_with_data == 0);
    }
    SECTION("23: malformed PINs never reach the card")
    {
        VpcdCard card;
        const std::string f = tmp.write("f", "x");
        for (const char* bad : {"12a4", "123", "12345"})
            CHECK(card_cp({"sign", f, "--key", "auth", "--pin-file", tmp.write("p", std::string(bad) + "\n")})
                      .exit_code == 23);
        for (const char* bad : {"ABC12", "ABC-123", "ABCDEFGHIJ1234567"})
            CHECK(card_cp({"sign", f, "--pin-file", tmp.write("p", std::string(bad) + "\n")}).exit_code == 23);
        CHECK(card.card().stats().verify_with_data == 0);
    }
}

TEST_CASE("exit codes: readers, cards, files, usage, configuration")
{
    TempDir tmp;
    SECTION("10 no reader / pcscd unreachable, 11 no card")
    {
        VpcdCard card;
        CHECK(card_cp({"status", "--reader", "No Such Reader"}).exit_code == 10);
        CHECK(card_cp({"status", "--reader", VpcdCard::reader_name(1)}).exit_code == 11);
        CHECK(card_cp({"status", "--reader", "00 00"}).exit_code == 0);  // unique substring
        RunOptions nopcsc;
        nopcsc.env["PCSCLITE_CSOCK_NAME"] = tmp.file("no-pcscd.comm");
        const Run r = card_cp({"readers"}, nopcsc);
        CHECK(r.exit_code == 10);
        CHECK(r.err.find("pcscd") != std::string::npos);
        CHECK(parse(card_cp({"--json", "status", "--reader", "No Such Reader"}))["error"]["kind"] == "no-reader");
        CHECK(parse(card_cp({"--json", "status", "--reader", VpcdCard::reader_name(1)}))["error"]["kind"] == "no-card");
    }
    SECTION("12 not a My Number card / key not issued")
    {
        CardOptions options;
        options.token_label = "SOMEOTHERTOKEN";
        VpcdCard card(options);
        const Run r = card_cp({"status"});
        CHECK(r.exit_code == 12);
        CHECK(parse(card_cp({"status", "--json"}))["error"]["kind"] == "card-not-supported");
        json readers = parse(card_cp({"readers", "--json"}));
        CHECK(readers["readers"][0]["card_type"] != "my-number-card");
    }
    SECTION("12 under-15 card has no signing key")
    {
        CardOptions options;
        options.has_sign_certificate = false;
        VpcdCard card(options);
        json st = parse(card_cp({"status", "--json"}));
        CHECK(st["certificates"]["sign"]["present"] == false);
        CHECK(st["pins"]["sign"]["state"] == "not-issued");
        CHECK(st["pins"]["auth"]["state"] == "ok");
        CHECK(card_cp({"sign", tmp.write("f", "x"), "--pin-file", tmp.write("p", "ABC123\n")}).exit_code == 12);
        CHECK(card.card().stats().verify_with_data == 0);
    }
    SECTION("13 card removed during the command")
    {
        CardOptions options;
        options.faults.remove_after_apdus = 4;
        VpcdCard card(options);
        const Run r = card_cp({"status", "--json"});
        CHECK(r.exit_code == 13);
        CHECK(r.err.find("CardRemoved") != std::string::npos);
        CHECK(parse(r)["error"]["kind"] == "card-communication");
    }
    SECTION("1 other: the card refuses to sign")
    {
        CardOptions options;
        options.faults.sw_for_ins[0x2A] = 0x6F00;
        VpcdCard card(options);
        const Run r = card_cp({"sign", tmp.write("f", "x"), "--key", "auth", "--pin-file", tmp.write("p", "1234\n")});
        CHECK(r.exit_code == 1);
    }
    SECTION("64 usage: bad options, no PIN source without a terminal")
    {
        VpcdCard card;
        CHECK(card_cp({"frobnicate"}).exit_code == 64);
        CHECK(card_cp({}).exit_code == 64);
        CHECK(card_cp({"sign", "x", "--pin", "1234"}).exit_code == 64);
        CHECK(card_cp({"sign", "x", "--hash", "md5"}).exit_code == 64);
        const Run r = card_cp({"sign", tmp.write("f", "x"), "--key", "auth"});
        CHECK(r.exit_code == 64);
        CHECK(r.err.find("--pin-fd") != std::string::npos);
        CHECK(card_cp({"--help"}).exit_code == 0);
        CHECK(card_cp({"--help"}).out.find("Exit codes:") != std::string::npos);
    }
    SECTION("74 I/O, 78 configuration")
    {
        VpcdCard card;
        CHECK(card_cp({"sign", tmp.file("missing"), "--key", "auth", "--pin-file", tmp.write("p", "1234\n")}).exit_code == 74);
        CHECK(card_cp({"sign", tmp.write("f", "x"), "--key", "auth", "--pin-file", tmp.file("nopin")}).exit_code == 74);
        CHECK(card.card().stats().verify_with_data == 0);
        RunOptions bad;
        bad.env["MYNACARD_CONFIG"] = tmp.write("bad.conf", "[pin\nfinal_try = maybe\n");
        CHECK(card_cp({"status"}, bad).exit_code == 78);
        CHECK(card_cp({"status", "--config", tmp.file("bad.conf")}).exit_code == 78);
        CHECK(parse(card_cp({"status", "--json"}, bad))["error"]["kind"] == "config");
        CHECK(parse(card_cp({"--json", "sign", tmp.file("missing")}))["error"]["kind"] == "io");
        // Writing the output fails: I/O as well, after the signature (nothing to undo on the card).
        CHECK(card_cp({"cert", "export", "auth", "-o", tmp.file("no-such-dir/auth.pem")}).exit_code == 74);
    }
}

TEST_CASE("30: an expired certificate is refused before any PIN")
{
    mynacard::vcard::PkiOptions options;
    options.leaf_not_before = std::time(nullptr) - 6L * 365 * 86400;
    options.leaf_not_after = std::time(nullptr) - 86400;
    const TestPki expired = TestPki::generate(options);
    VpcdCard card(CardOptions{}, expired);
    TempDir tmp;
    const Run r = card_cp({"sign", tmp.write("f", "x"), "--key", "auth", "--pin-file", tmp.write("p", "1234\n")});
    CHECK(r.exit_code == 30);
    CHECK(r.err.find("expired") != std::string::npos);
    CHECK(card.card().stats().verify_with_data == 0);
    json st = parse(card_cp({"status", "--json"}));
    CHECK(st["certificates"]["auth"]["expired"] == true);
    CHECK(st["certificates"]["auth"]["days_left"].get<long>() < 0);
    CHECK(card_cp({"status"}).out.find("EXPIRED") != std::string::npos);
}

TEST_CASE("no PIN in any output or trace")
{
    CardOptions options;
    options.auth_pin.value = "8642";
    options.sign_pin.value = "XYZ789";
    VpcdCard card(options);
    TempDir tmp;
    const std::string f = tmp.write("f", "data");
    const Run a = card_cp({"--trace", "sign", f, "--key", "auth", "--pin-file", tmp.write("p", "8642\n")});
    const Run s = card_cp({"--trace", "sign", f, "--pin-file", tmp.write("s", "xyz789\n"), "--json"});
    RunOptions wrong;
    wrong.env["MYNACARD_PIN"] = "7531";
    const Run w = card_cp({"--trace", "--json", "sign", f, "--key", "auth"}, wrong);
    REQUIRE(a.exit_code == 0);
    REQUIRE(s.exit_code == 0);
    REQUIRE(w.exit_code == 20);
    CHECK(a.err.find("redacted") != std::string::npos);  // the trace is on and redacts VERIFY
    // Runs without --trace trace to a private file that the suite's audit reads as well.
    const auto traced_before = mynacard::clitest::audited_trace_bytes();
    REQUIRE(card_cp({"sign", f, "--key", "auth", "--pin-file", tmp.file("p")}).exit_code == 0);
    CHECK(mynacard::clitest::audited_trace_bytes() > traced_before + 500);
    for (const Run* r : {&a, &s, &w}) {
        const std::string all = r->out + r->err;
        for (const char* secret : {"8642", "38 36 34 32", "38363432", "XYZ789", "xyz789", "58 59 5A 37 38 39",
                                   "58595A373839", "7531", "37 35 33 31", "37353331"})
            CHECK(all.find(secret) == std::string::npos);
    }
}

TEST_CASE("pty: prompt without echo, tries shown, final-try confirmation")
{
    TempDir tmp;
    const std::string f = tmp.write("f", "data");
    SECTION("typed PIN is not echoed; lower-case password accepted")
    {
        VpcdCard card;
        PtySession pty({"sign", f});
        REQUIRE(pty.expect("5 of 5 tries left"));
        REQUIRE(pty.expect("converted to upper case"));
        pty.send_secret("abc123\n");
        CHECK(pty.finish() == 0);
        CHECK(pty.transcript().find("abc123") == std::string::npos);
        CHECK(pty.transcript().find("Signature written") != std::string::npos);
        // stderr is a terminal here: slow card work shows progress.
        CHECK(pty.transcript().find("Signing on the card") != std::string::npos);
        CHECK(pty.transcript().find("Reading the sign certificate") != std::string::npos);
        CHECK(card.card().stats().signatures == 1);
    }
    SECTION("final try: 'no' refuses without VERIFY, 'yes' proceeds")
    {
        CardOptions options;
        options.auth_pin.tries_left = 1;
        VpcdCard card(options);
        {
            PtySession pty({"sign", f, "--key", "auth"});
            REQUIRE(pty.expect("LAST try"));
            REQUIRE(pty.expect("\"yes\""));
            pty.send("no\n");
            CHECK(pty.finish() == 22);
            CHECK(card.card().stats().verify_with_data == 0);
        }
        {
            PtySession pty({"sign", f, "--key", "auth", "--lang", "ja"});
            REQUIRE(pty.expect("最後の 1 回"));
            REQUIRE(pty.expect("\"yes\""));
            pty.send("yes\n");
            REQUIRE(pty.expect("数字 4 桁"));
            pty.send_secret("1234\n");
            CHECK(pty.finish() == 0);
            CHECK(pty.transcript().find("1234\r") == std::string::npos);
            CHECK(card.card().tries_left(kAuthPin) == 3);
        }
    }
    SECTION("pin change at the terminal: new value twice, mismatch refused")
    {
        VpcdCard card;
        PtySession pty({"pin", "change", "auth"});
        REQUIRE(pty.expect("(4 digits): "));
        pty.send_secret("1234\n");
        REQUIRE(pty.expect("New user-authentication PIN: "));
        pty.send_secret("1111\n");
        REQUIRE(pty.expect("again: "));
        pty.send_secret("2222\n");
        CHECK(pty.finish() == 23);
        CHECK(card.card().stats().verify_with_data == 0);
    }
}

TEST_CASE("suspension checks: status, check, suspend/unsuspend, refusal in sign (31, 32)")
{
    VpcdCard card;
    TempDir tmp;
    const std::string list = tmp.file("suspended.list");
    RunOptions with_list;
    with_list.env["MYNACARD_CONFIG"] = test_config("[local]\nsuspended_list = " + list + "\n");
    const std::string f = tmp.write("f", "data");
    const std::string pin = tmp.write("pin", "1234\n");
    const std::string pw = tmp.write("pw", "ABC123\n");

    // Nothing suspended yet: status shows the revocation line, check passes.
    json st = parse(card_cp({"status", "--json"}, with_list));
    CHECK(st["certificates"]["auth"]["revocation"]["status"] == "unknown");  // no source configured
    CHECK(st["certificates"]["auth"]["revocation"]["allowed"] == true);
    CHECK(card_cp({"status"}, with_list).out.find("revocation: unknown") != std::string::npos);
    CHECK(card_cp({"check"}, with_list).exit_code == 0);
    json listed = parse(card_cp({"suspended", "list", "--json"}, with_list));
    CHECK(listed["entries"].empty());

    // Suspend the auth certificate read from the card: sign refuses before any PIN.
    const Run added = card_cp({"suspend", "--cert", "auth", "--reason", "hold", "--note", "test"}, with_list);
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
    listed = parse(card_cp({"suspended", "list", "--json"}, with_list));
    REQUIRE(listed["entries"].size() == 1);
    CHECK(listed["entries"][0]["serial"] == "1001");
    CHECK(listed["entries"][0]["reason"] == "hold");
    const Run refused = card_cp({"sign", f, "--key", "auth", "--pin-file", pin}, with_list);
    CHECK(refused.exit_code == 31);
    CHECK(refused.err.find("locally-suspended") != std::string::npos);
    CHECK(card.card().stats().verify_with_data == 0);
    json check = parse(card_cp({"check", "auth", "--json"}, with_list));
    CHECK(check["certificates"]["auth"]["status"] == "locally-suspended");
    CHECK(card_cp({"check", "auth"}, with_list).exit_code == 31);
    st = parse(card_cp({"status", "--json"}, with_list));
    CHECK(st["certificates"]["auth"]["revocation"]["allowed"] == false);
    // The signing key is not affected; the sign certificate can be suspended by hand too.
    CHECK(card_cp({"sign", f, "--pin-file", pw}, with_list).exit_code == 0);
    // By hand: the signing certificate by issuer key id + serial (as an administrator would).
    auto sign_cert = mynacard::jpki::Certificate::from_der(TestPki::shared_default().sign_der);
    REQUIRE(sign_cert);
    REQUIRE(sign_cert->authority_key_id());
    const std::string keyid = mynacard::to_hex(*sign_cert->authority_key_id(), ':');
    CHECK(card_cp({"suspend", "--serial", sign_cert->serial_hex(), "--issuer-keyid", keyid, "--reason", "revoked",
                   "--list", list}, with_list)
              .exit_code == 0);
    CHECK(card_cp({"sign", f, "--pin-file", pw}, with_list).exit_code == 31);
    CHECK(card_cp({"unsuspend", "--serial", sign_cert->serial_hex(), "--issuer-keyid", keyid}, with_list).exit_code == 0);
    CHECK(card_cp({"sign", f, "--pin-file", pw}, with_list).exit_code == 0);
    CHECK(card_cp({"suspend", "--card", "--reason", "lost"}, with_list).exit_code == 0);
    const Run whole = card_cp({"sign", f, "--pin-file", pw}, with_list);
    CHECK(whole.exit_code == 31);  // the whole card is suspended now
    CHECK(card_cp({"unsuspend", "--card"}, with_list).exit_code == 0);
    CHECK(card_cp({"unsuspend", "--cert", "auth"}, with_list).exit_code == 0);
    CHECK(card_cp({"sign", f, "--key", "auth", "--pin-file", pin}, with_list).exit_code == 0);
    CHECK(card_cp({"suspend"}, with_list).exit_code == 64);
    CHECK(card_cp({"suspended", "list"}).exit_code == 64);  // no list configured

    // Unknown under fail-closed (one line of configuration; the default is fail-open-warn since
    // issue 10 §1): 32, after the password (the signing certificate is only readable then),
    // before the signature.
    RunOptions closed;
    closed.env["MYNACARD_CONFIG"] = tmp.write("closed.conf", "[revocation]\nmode = none\npolicy.sign = fail-closed\n");
    const auto signatures = card.card().stats().signatures;
    CHECK(card_cp({"sign", f, "--pin-file", pw}, closed).exit_code == 32);
    CHECK(card.card().stats().signatures == signatures);
    CHECK(card.card().tries_left(kSignPin) == 5);
    CHECK_FALSE(card.card().verified(kSignPin));
}

TEST_CASE("help and usage errors in English and Japanese (--lang, LC_MESSAGES, LANG)")
{
    const Run en = card_cp({"--help"});
    CHECK(en.exit_code == 0);
    for (const char* text : {"Usage: card-cp", "Options:", "Subcommands:", "Sign a file", "Exit codes:",
                             "PIN input: prompted on the terminal without echo"})
        CHECK(has(en.out, text));
    CHECK_FALSE(has(en.out, "使い方"));

    const Run ja = card_cp({"--help", "--lang", "ja"});
    INFO(ja.out);
    CHECK(ja.exit_code == 0);
    for (const char* text : {"使い方: card-cp [オプション] サブコマンド", "オプション:", "サブコマンド:",
                             "ファイルに署名します", "このヘルプを表示して終了します", "終了コード:",
                             "暗証番号がロックされています", "暗証番号の入力: 端末でエコーせずに尋ねます"})
        CHECK(has(ja.out, text));
    for (const char* text : {"Usage:", "Options:", "Subcommands:", "Sign a file", "Exit codes:"})
        CHECK_FALSE(has(ja.out, text));

    // Subcommand help, language from the environment (LC_MESSAGES before LANG).
    RunOptions env;
    env.env["LANG"] = "ja_JP.UTF-8";
    const Run sign = card_cp({"sign", "--help"}, env);
    INFO(sign.out);
    CHECK(has(sign.out, "署名するファイル"));
    CHECK(has(sign.out, "必須"));
    CHECK(has(sign.out, "引数:"));
    CHECK(has(sign.out, "sha256（既定）"));
    env.env["LANG"] = "C";
    env.env["LC_MESSAGES"] = "ja_JP.UTF-8";
    CHECK(has(card_cp({"pin", "change", "--help"}, env).out, "暗証番号を変更します"));
    CHECK(has(card_cp({"suspend", "--help"}, env).out, "リーダーにあるカード全体"));
    env.env["LC_ALL"] = "C";  // LC_ALL wins over both
    CHECK(has(card_cp({"verify", "--help"}, env).out, "The signed file"));

    // --lang en over a Japanese environment.
    RunOptions ja_env;
    ja_env.env["LANG"] = "ja_JP.UTF-8";
    const Run forced = card_cp({"verify", "--help", "--lang=en"}, ja_env);
    CHECK(has(forced.out, "The signed file"));
    CHECK_FALSE(has(forced.out, "署名"));

    // Usage errors: CLI11's reason inside a translated sentence, a pointer to --help, exit 64,
    // and the JSON error document when --json was on the command line.
    const Run bad = card_cp({"frobnicate", "--lang", "ja"});
    CHECK(bad.exit_code == 64);
    CHECK(has(bad.err, "コマンドラインの誤り"));
    CHECK(has(bad.err, "card-cp --help"));
    CHECK(card_cp({"status", "--lang", "fr"}).exit_code == 64);
    // A mistyped command is named, with the choices at that level.
    const Run typo = card_cp({"--reader", "Virtual PCD", "stauts"});
    CHECK(typo.exit_code == 64);
    CHECK(has(typo.err, "Unknown command \"stauts\". Commands: readers, status, cert"));
    const Run sub_typo = card_cp({"cert", "shwo", "auth", "--lang", "ja"});
    CHECK(sub_typo.exit_code == 64);
    CHECK(has(sub_typo.err, "\"shwo\" というコマンドはありません。コマンド: list, show, export"));
    CHECK(has(card_cp({"pin"}).err, "A command is needed here: status, verify, change"));
    CHECK(has(card_cp({"--json", "--reader", "x"}).err, "A command is needed here: readers, status"));
    CHECK(has(card_cp({"sign"}).err, "file is required"));  // a leaf command: CLI11's own reason
    const Run missing = card_cp({"--json", "sign"});
    CHECK(missing.exit_code == 64);
    json doc = parse(missing);
    CHECK(doc["command"] == "error");
    CHECK(doc["error"]["kind"] == "usage");
    CHECK(doc["error"]["exit_code"] == 64);
}

TEST_CASE("every command: a text report in English and Japanese, and a --json document")
{
    VpcdCard card;
    TempDir tmp;
    const std::string data = tmp.write("doc.txt", "text\n");
    const std::string pin = tmp.write("pin", "1234\n");
    const std::string pin2 = tmp.write("pin2", "5678\n");
    const std::string list = tmp.file("suspended.list");
    REQUIRE(card_cp({"sign", data, "--key", "auth", "--pin-file", pin, "-o", data + ".p7s"}).exit_code == 0);

    struct Command {
        std::string json_name;
        std::function<std::vector<std::string>(int run)> args;  ///< run 0 en, 1 ja, 2 json
        std::string en;
        std::string ja;
    };
    auto fixed = [](std::vector<std::string> args) { return [args](int) { return args; }; };
    const std::vector<Command> commands{
        {"readers", fixed({"readers"}), expected_type(card) + " (" + card.card().options().token_label + ")",
         "リーダー: "},
        {"status", fixed({"status"}), "Certificates:", "電子証明書:"},
        {"cert list", fixed({"cert", "list"}), "days left", "有効期限"},
        {"cert show", fixed({"cert", "show", "auth"}), "Subject", "主体者"},
        {"cert export", fixed({"cert", "export", "auth-ca", "-o", tmp.file("ca.pem")}),
         "Wrote the auth-ca certificate", "書き出しました"},
        {"sign", fixed({"sign", data, "--key", "auth", "--pin-file", pin, "-o", tmp.file("s.p7s")}),
         "Signature written to", "署名を"},
        {"verify", fixed({"verify", data, "-s", data + ".p7s"}), "Signature valid.", "署名は有効です"},
        {"pin status", fixed({"pin", "status"}), "(user-authentication PIN)", "(利用者証明用暗証番号)"},
        {"pin verify", fixed({"pin", "verify", "auth", "--pin-file", pin}), "is correct", "正しいです"},
        {"my-number", fixed({"my-number", "--pin-file", pin}), "My Number: 123456789018", "個人番号: "},
        {"attributes", fixed({"attributes", "--pin-file", pin}), "Name: ", "氏名: "},
        {"check", fixed({"check", "auth"}), "revocation: unknown", "失効確認: "},
        {"suspended list", fixed({"suspended", "list", "--list", list}), "is empty", "空です"},
        {"suspend", fixed({"suspend", "--card-serial", "AB0123456789012", "--list", list}),
         "Added to the local suspended list", "追加しました"},
        {"unsuspend", fixed({"unsuspend", "--card-serial", "AB0123456789012", "--list", list}),
         "Removed from the local suspended list", "削除しました"},
        // Last: the Kenhojo PIN goes 1234 -> 5678 -> 1234 -> 5678.
        {"pin change",
         [&](int run) {
             return std::vector<std::string>{"pin", "change", "kenhojo", "--pin-file", run % 2 ? pin2 : pin,
                                             "--new-pin-file", run % 2 ? pin : pin2};
         },
         "The Kenhojo PIN was changed.", "変更しました"},
    };
    for (const auto& c : commands) {
        INFO("command: " << c.json_name);
        const Run en = card_cp(c.args(0));
        INFO("en stdout: " << en.out << "\nstderr: " << en.err);
        CHECK(en.exit_code == 0);
        CHECK(has(en.out, c.en));
        CHECK((en.out.empty() || en.out[0] != '{'));
        const Run ja = card_cp(plus(c.args(1), {"--lang", "ja"}));
        INFO("ja stdout: " << ja.out << "\nstderr: " << ja.err);
        CHECK(ja.exit_code == 0);
        CHECK(has(ja.out, c.ja));
        const Run js = card_cp(plus(c.args(2), {"--json"}));
        CHECK(js.exit_code == 0);
        const json doc = parse(js);
        CHECK(doc["schema"] == 1);
        CHECK(doc["command"] == c.json_name);
        CHECK_FALSE(has(js.err, "{"));  // the document is on stdout only
    }
    CHECK(card.card().tries_left(kAuthPin) == 3);
    CHECK(card.card().tries_left(kKenhojoPin) == 3);
    // --json with the certificate itself on stdout would mix the two: refused before the card.
    CHECK(card_cp({"--json", "cert", "export", "auth"}).exit_code == 64);
}

TEST_CASE("my-number and attributes never reach the trace, a trace file or the cache")
{
    VpcdCard card;
    TempDir tmp;
    const std::string pin = tmp.write("pin", "1234\n");
    const std::string cache = tmp.file("cache");
    RunOptions o;
    o.env["MYNACARD_CONFIG"] = test_config("[cache]\nenabled = true\ndirectory = " + cache + "\n");
    o.env["XDG_CACHE_HOME"] = tmp.file("xdg");
    REQUIRE(card_cp({"status"}, o).exit_code == 0);  // fills the certificate cache

    const std::string number = "123456789018";
    const Run traced = card_cp({"--trace", "my-number", "--pin-file", pin}, o);
    INFO(traced.err);
    REQUIRE(traced.exit_code == 0);
    CHECK(has(traced.out, number));
    CHECK(has(traced.err, "trace: [apdu]"));  // the trace was on around the Kenhojo reading
    CHECK(has(traced.err, "paused"));
    CHECK(has(traced.err, "sensitive personal data"));
    CHECK_FALSE(has(traced.err, number));
    CHECK_FALSE(has(traced.err, spaced_hex(number)));

    RunOptions to_file = o;
    to_file.env["MYNACARD_TRACE"] = tmp.file("apdu.log");
    REQUIRE(card_cp({"attributes", "--pin-file", pin}, to_file).exit_code == 0);
    REQUIRE(card_cp({"my-number", "--pin-file", pin}, to_file).exit_code == 0);
    const std::string log = read_text(tmp.file("apdu.log"));
    CHECK(has(log, "00 A4 04"));  // SELECTs before the pause were written
    for (const std::string& secret : {number, std::string("公的"), std::string("東京都")}) {
        CHECK_FALSE(has(log, secret));
        CHECK_FALSE(has(log, spaced_hex(secret)));
    }

    int files = 0;
    for (const auto& dir : {cache, tmp.file("xdg")}) {
        std::error_code ec;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
            if (!entry.is_regular_file()) continue;
            ++files;
            const std::string content = read_text(entry.path().string());
            INFO(entry.path());
            CHECK_FALSE(has(content, number));
            CHECK_FALSE(has(content, spaced_hex(number)));
            CHECK_FALSE(has(content, "公的"));
        }
    }
    CHECK(files > 0);  // the cache was in use, so its silence about Kenhojo data means something
}

TEST_CASE("verify: a chain file, --chain helpers, shipped roots, expired signer (30), bad input (65, 74)")
{
    VpcdCard card;
    TempDir tmp;
    const std::string data = tmp.write("doc.txt", "contract text\n");
    const std::string pin = tmp.write("pin", "1234\n");
    REQUIRE(card_cp({"sign", data, "--key", "auth", "--pin-file", pin}).exit_code == 0);
    REQUIRE(card_cp({"sign", data, "--key", "auth", "--format", "raw", "--pin-file", pin}).exit_code == 0);
    RunOptions plain;
    plain.env["MYNACARD_CONFIG"] = mynacard::clitest::empty_config();
    const std::string auth_ca = pki_dir().file("auth_ca.pem");
    const std::vector<std::string> own_anchor{"--ca", auth_ca, "--accept-test-hierarchy", "--no-default-anchors"};

    // Raw signature, --cert naming a file with the whole chain (leaf first).
    const std::string bundle = tmp.write("bundle.pem", read_text(pki_dir().file("auth.pem")) + read_text(auth_ca));
    const Run chain_file = card_cp(plus({"verify", data, "-s", data + ".sig", "--cert", bundle, "--json"}, own_anchor), plain);
    INFO(chain_file.err);
    CHECK(chain_file.exit_code == 0);
    CHECK(parse(chain_file)["chain"].size() == 2);
    // CMS with the signer certificate given explicitly.
    CHECK(card_cp(plus({"verify", data, "-s", data + ".p7s", "--cert", pki_dir().file("auth.pem")}, own_anchor), plain)
              .exit_code == 0);
    // --chain certificates help build the path but are never anchors.
    CHECK(card_cp({"verify", data, "-s", data + ".sig", "--cert", pki_dir().file("auth.pem"), "--chain", auth_ca,
                   "--ca", pki_dir().file("sign_ca.pem"), "--accept-test-hierarchy", "--no-default-anchors"},
                  plain)
              .exit_code == 3);

    // The shipped J-LIS roots are the default anchors (they do not anchor the test hierarchy);
    // an empty anchor directory is reported as such.
    const Run roots = card_cp({"verify", data, "-s", data + ".p7s"}, plain);
    CHECK(roots.exit_code == 3);
    CHECK_FALSE(has(roots.err, "No trust anchors"));
    RunOptions no_roots = plain;
    const std::string empty_dir = tmp.file("no-anchors");
    std::filesystem::create_directories(empty_dir);
    no_roots.env["MYNACARD_ANCHORS_DIR"] = empty_dir;
    const Run none = card_cp({"verify", data, "-s", data + ".p7s"}, no_roots);
    INFO(none.err);
    CHECK(none.exit_code == 3);
    CHECK(has(none.err, "No trust anchors"));

    // Bad input files.
    const std::string junk = tmp.write("junk.p7s", "not a signature");
    CHECK(card_cp(plus({"verify", data, "-s", junk, "--format", "cms"}, own_anchor), plain).exit_code == 65);
    CHECK(card_cp(plus({"verify", data, "-s", tmp.file("none.p7s")}, own_anchor), plain).exit_code == 74);
    CHECK(card_cp(plus({"verify", tmp.file("none.txt"), "-s", data + ".p7s"}, own_anchor), plain).exit_code == 74);

    // A signer certificate that has expired: 30 (a CMS made by openssl with the test key).
    mynacard::vcard::PkiOptions options;
    options.leaf_not_before = std::time(nullptr) - 6L * 365 * 86400;
    options.leaf_not_after = std::time(nullptr) - 86400;
    const std::string old_dir = tmp.file("old");
    std::filesystem::create_directories(old_dir);
    TestPki::generate(options).save(old_dir);
    const Run made = run_program({"/usr/bin/openssl", "cms", "-sign", "-binary", "-in", data, "-signer",
                                  old_dir + "/auth.pem", "-inkey", old_dir + "/auth.key.pem", "-outform", "DER",
                                  "-out", tmp.file("old.p7s")});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    const Run expired = card_cp({"verify", data, "-s", tmp.file("old.p7s"), "--ca", old_dir + "/auth_ca.pem",
                                 "--accept-test-hierarchy", "--no-default-anchors", "--json"},
                                plain);
    INFO(expired.err);
    CHECK(expired.exit_code == 30);
    CHECK(parse(expired)["error"]["kind"] == "certificate-expired");
}

TEST_CASE("the PIN audit itself: every form of a leaked PIN is caught")
{
    using mynacard::clitest::leaked_secrets;
    CHECK(leaked_secrets("PIN 8642 accepted", {"8642"}).size() == 1);
    CHECK(leaked_secrets("password: ABC123\n", {"abc123"}).size() == 1);  // folded form
    CHECK(leaked_secrets("trace: [apdu] r > 00 20 00 80 04 38 36 34 32\n", {"8642"}).size() == 1);
    CHECK(leaked_secrets("trace: [apdu] r > 0020008004 38363432\n", {"8642"}).size() == 1);
    // Not leaks: part of a longer number, or card data in a response line.
    CHECK(leaked_secrets("serial AB0123456789012, my number 123456789018", {"1234"}).empty());
    CHECK(leaked_secrets("trace: [apdu] r < 31 32 33 34 90 00\n", {"1234"}).empty());
    // card_cp() runs go through the audit.
    const int before = mynacard::clitest::audited_runs();
    card_cp({"--version"});
    CHECK(mynacard::clitest::audited_runs() == before + 1);
}
