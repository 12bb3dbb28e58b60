// KeyGate: the public face used by the PKCS#11 module and card-cp (jpki::Certificate in,
// KeyDecision out). The engine is covered by the other files; this checks the adapter and the
// production defaults.
#include <catch2/catch.hpp>

#include "lab.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/revocation/key_gate.hpp"
#include "mynacard/revocation/suspended_list.hpp"

using namespace revtest;
using namespace mynacard::revocation;
using mynacard::jpki::KeyKind;

namespace {

mynacard::jpki::Certificate as_card_certificate(const Identity& leaf)
{
    auto der = to_der(leaf.x509());
    auto cert = mynacard::jpki::Certificate::from_der(der);
    REQUIRE(cert);
    return *cert;
}

}  // namespace

TEST_CASE("KeyGate: status, decide and known_bad on jpki::Certificate")
{
    Lab lab;
    auto sign = as_card_certificate(make_leaf(lab.ca, {"sign", 0x0101}));
    auto auth = as_card_certificate(make_leaf(lab.ca, {"auth", 0x0202}));
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 1, {{0x0101, 6}}}));
    KeyGate gate(lab.config, lab.clock());

    CHECK_FALSE(gate.known_bad(sign, "CARD"));  // nothing checked yet
    auto s = gate.status(sign, "CARD");
    CHECK(s.status == CertStatus::OnHold);
    auto d = gate.decide(KeyKind::Sign, sign, "CARD");
    CHECK_FALSE(d.allowed);
    CHECK(d.device_error == device_error::kOnHold);
    auto bad = gate.known_bad(sign, "CARD");
    REQUIRE(bad);
    CHECK(bad->status == CertStatus::OnHold);

    auto a = gate.decide(KeyKind::Auth, auth, "CARD");
    CHECK(a.allowed);
    CHECK(a.status.status == CertStatus::Good);

    // Movable (the module keeps one per slot).
    KeyGate moved = std::move(gate);
    CHECK(moved.known_bad(sign, "CARD"));
}

TEST_CASE("KeyGate: a whole-card entry in the local list suspends both keys")
{
    Lab lab;
    lab.use_crl(make_crl(lab.ca, CrlOptions{}));
    lab.config.local.suspended_list = lab.dir / "suspended.list";
    REQUIRE(add_suspended(*lab.config.local.suspended_list, *make_card_entry("JPKI-TOKEN-1", "lost", kNow)).value());
    KeyGate gate(lab.config, lab.clock());
    auto sign = as_card_certificate(make_leaf(lab.ca, {"sign", 0x0101}));
    auto auth = as_card_certificate(make_leaf(lab.ca, {"auth", 0x0202}));
    CHECK(gate.decide(KeyKind::Sign, sign, "JPKI-TOKEN-1").device_error == device_error::kLocallySuspended);
    CHECK(gate.decide(KeyKind::Auth, auth, "JPKI-TOKEN-1").device_error == device_error::kLocallySuspended);
    CHECK(gate.known_bad(auth, "JPKI-TOKEN-1"));
    CHECK(gate.decide(KeyKind::Auth, auth, "OTHER-CARD").allowed);
}

TEST_CASE("KeyGate defaults: the shipped J-LIS roots only - no source configured -> Unknown - both keys allowed with a warning")
{
    Lab lab;  // for the CA only
    mynacard::Config defaults;
    defaults.cache.directory = lab.dir / "cache";
    KeyGate gate(defaults, lab.clock());
    auto lab_cert = as_card_certificate(make_leaf(lab.ca, {"lab", 0x0101}));
    // A certificate whose CA is not a configured anchor (e.g. the CA file on a card) is untrusted.
    auto s = gate.status(lab_cert, "");
    CHECK(s.status == CertStatus::Unknown);
    CHECK(s.source == "chain");

    // With the lab anchor but the default sources (none configured): Unknown -> policy.
    defaults.trust.anchors = {lab.dir / "ca.pem"};
    KeyGate gate2(defaults, lab.clock());
    auto sign = gate2.decide(KeyKind::Sign, lab_cert, "");
    CHECK(sign.status.detail == "no revocation source");
    // issue 10 §1: a holder's machine has no revocation source; the signing key still signs,
    // with the warning code, and fail-closed is one line of configuration away.
    CHECK(sign.allowed);
    CHECK(sign.warning);
    CHECK(sign.device_error == device_error::kUnknownWarned);
    defaults.revocation.policy_sign = mynacard::UnknownStatusPolicy::FailClosed;
    KeyGate closed(defaults, lab.clock());
    auto refused = closed.decide(KeyKind::Sign, lab_cert, "");
    CHECK_FALSE(refused.allowed);
    CHECK(refused.device_error == device_error::kUnknownFailClosed);
    auto auth = gate2.decide(KeyKind::Auth, lab_cert, "");
    CHECK(auth.allowed);
    CHECK(auth.warning);
    CHECK(auth.device_error == device_error::kUnknownWarned);
}

TEST_CASE("apply_policy and policy_for can be used on a stored status")
{
    mynacard::Config::Revocation rev;
    CHECK(policy_for(KeyKind::Sign, rev) == mynacard::UnknownStatusPolicy::FailOpenWarn);
    CHECK(policy_for(KeyKind::Auth, rev) == mynacard::UnknownStatusPolicy::FailOpenWarn);
    StatusResult revoked;
    revoked.status = CertStatus::Revoked;
    revoked.crl_reason = 1;
    revoked.source = "crl:/var/lib/mynacard/crl/sign.crl";
    auto d = apply_policy(KeyKind::Auth, revoked, rev);
    CHECK_FALSE(d.allowed);
    CHECK(d.device_error == device_error::kRevoked);
    CHECK(d.message.find("keyCompromise") != std::string::npos);
    CHECK(d.message.find("sign.crl") != std::string::npos);
}

TEST_CASE("KeyGate from an INI configuration (the keys documented in README Suspension checks)")
{
    Lab lab;
    auto leaf = make_leaf(lab.ca, {"sign", 0x0101});
    write_file(lab.dir / "sign.crl", make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 1, {{0x0101, 1}}}));
    const std::string ini = "[revocation]\nmode = crl\npolicy.sign = fail-closed\npolicy.auth = fail-open\n"
                            "grace.seconds = 60\nmax_age.seconds = 600\n"
                            "[trust]\nanchors = " + (lab.dir / "ca.pem").string() + "\n"
                            "[crl]\nfiles = " + (lab.dir / "*.crl").string() + "\n"
                            "[cache]\ndirectory = " + (lab.dir / "cache").string() + "\n"
                            "[local]\nsuspended_list = " + (lab.dir / "suspended.list").string() + "\n";
    auto config = mynacard::parse_config(ini, "test.conf");
    REQUIRE(config);
    KeyGate gate(*config, lab.clock());
    auto d = gate.decide(KeyKind::Sign, as_card_certificate(leaf), "");
    CHECK(d.status.status == CertStatus::Revoked);
    CHECK(d.status.source == "crl:" + (lab.dir / "sign.crl").string());
    CHECK_FALSE(d.allowed);
}

TEST_CASE("KeyDecision::log_line: one line with the status, source, serial, issuer key id and times")
{
    Lab lab;
    auto leaf = make_leaf(lab.ca, {"sign", 0x0A0B});
    // A CRL whose times the line must show; the hold makes the decision a refusal.
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 1, {{0x0A0B, 6}}}));
    KeyGate gate(lab.config, lab.clock());
    const auto cert = as_card_certificate(leaf);
    const auto d = gate.decide(KeyKind::Sign, cert, "CARD");
    const std::string& line = d.log_line;
    INFO(line);
    CHECK(line.find("key=sign") != std::string::npos);
    CHECK(line.find("decision=refused") != std::string::npos);
    CHECK(line.find("status=on-hold") != std::string::npos);
    CHECK(line.find("reason=certificateHold(6)") != std::string::npos);
    CHECK(line.find("source=crl:" + (lab.dir / "ca.crl").string()) != std::string::npos);
    CHECK(line.find("serial=0A0B") != std::string::npos);
    CHECK(line.find("issuer_key_id=" + ossl::subject_key_id_hex(lab.ca.x509())) != std::string::npos);
    CHECK(line.find("checked_at=2026-11-25T00:00:00Z") != std::string::npos);
    CHECK(line.find("this_update=2026-11-24T23:59:00Z") != std::string::npos);
    CHECK(line.find("next_update=2026-11-26T00:00:00Z") != std::string::npos);
    CHECK(line.find("device_error=0x4A500002") != std::string::npos);
    CHECK(line.find('\n') == std::string::npos);

    // Allowed decisions have a line too (auth, Unknown, fail-open-warn by default).
    lab.config.revocation.mode = {"none"};
    KeyGate open(lab.config, lab.clock());
    const auto a = open.decide(KeyKind::Auth, as_card_certificate(make_leaf(lab.ca, {"auth", 0x0C})), "");
    CHECK(a.log_line.find("key=auth decision=allowed-with-warning status=unknown source=none") != std::string::npos);
    CHECK(a.log_line.find("this_update=- next_update=-") != std::string::npos);
    CHECK(a.log_line.find("device_error=0x4A500007") != std::string::npos);
    // apply_policy alone has no certificate: no line.
    CHECK(apply_policy(KeyKind::Sign, a.status, lab.config.revocation).log_line.empty());
}
