// The per-key policy (pin-and-suspension.md §3.7), the lifecycle of a hold, the house-move case
// and the cache. The PKCS#11 and card-cp helpers extend the matrix with their layers' columns
// (C_SignInit result, CKA_SIGN, card-cp exit code) on top of KeyDecision.
#include <catch2/catch.hpp>

#include "http_server.hpp"
#include "lab.hpp"
#include "mynacard/revocation/suspended_list.hpp"

using namespace revtest;
using namespace mynacard::revocation;
using mynacard::UnknownStatusPolicy;
using mynacard::jpki::KeyKind;

namespace {

/// Sets `lab` up so that the checks give `status` for the returned certificate.
Identity scenario(Lab& lab, CertStatus status)
{
    constexpr long kSerial = 0x4242;
    lab.config.revocation.mode = {"crl"};
    lab.use_crl(make_crl(lab.ca, CrlOptions{}));
    LeafOptions o{"matrix", kSerial};
    switch (status) {
    case CertStatus::Good:
        break;
    case CertStatus::Expired:
        lab.now = o.not_after + 1;
        break;
    case CertStatus::NotYetValid:
        o.not_before = kNow + 10;
        break;
    case CertStatus::Revoked:
        lab.use_crl(make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 1, {{kSerial, 3 /* affiliationChanged */}}}));
        break;
    case CertStatus::OnHold:
        lab.use_crl(make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 1, {{kSerial, 6}}}));
        break;
    case CertStatus::LocallySuspended: {
        lab.config.local.suspended_list = lab.dir / "suspended.list";
        auto leaf = make_leaf(lab.ca, o);
        auto entry = make_certificate_entry(ossl::authority_key_id_hex(leaf.x509()), "4242", "hold", kNow, "matrix");
        REQUIRE(add_suspended(*lab.config.local.suspended_list, *entry).value());
        return leaf;
    }
    case CertStatus::Unknown:
        lab.config.revocation.mode = {"none"};
        break;
    }
    return make_leaf(lab.ca, o);
}

struct Expected {
    bool allowed;
    bool warning;
    unsigned long device_error;
};

Expected expected(CertStatus status, UnknownStatusPolicy policy)
{
    switch (status) {
    case CertStatus::Good: return {true, false, 0};
    case CertStatus::Expired: return {false, false, device_error::kExpired};
    case CertStatus::NotYetValid: return {false, false, device_error::kNotYetValid};
    case CertStatus::Revoked: return {false, false, device_error::kRevoked};
    case CertStatus::OnHold: return {false, false, device_error::kOnHold};
    case CertStatus::LocallySuspended: return {false, false, device_error::kLocallySuspended};
    case CertStatus::Unknown: break;
    }
    switch (policy) {
    case UnknownStatusPolicy::FailClosed: return {false, false, device_error::kUnknownFailClosed};
    case UnknownStatusPolicy::FailOpenWarn: return {true, true, device_error::kUnknownWarned};
    case UnknownStatusPolicy::FailOpen: return {true, false, 0};
    }
    return {false, false, 0};
}

}  // namespace

TEST_CASE("policy matrix: every status x fail-closed / fail-open-warn / fail-open x sign / auth")
{
    const CertStatus statuses[] = {CertStatus::Good, CertStatus::Expired, CertStatus::NotYetValid, CertStatus::Revoked,
                                   CertStatus::OnHold, CertStatus::LocallySuspended, CertStatus::Unknown};
    const UnknownStatusPolicy policies[] = {UnknownStatusPolicy::FailClosed, UnknownStatusPolicy::FailOpenWarn,
                                            UnknownStatusPolicy::FailOpen};
    int cells = 0;
    for (CertStatus status : statuses) {
        for (UnknownStatusPolicy policy : policies) {
            for (KeyKind key : {KeyKind::Sign, KeyKind::Auth}) {
                Lab lab;
                auto leaf = scenario(lab, status);
                lab.config.revocation.policy_sign = policy;
                lab.config.revocation.policy_auth = policy;
                auto d = lab.checker()->decide(key, leaf.x509(), "");
                Expected want = expected(status, policy);
                INFO(to_string(status) << " policy " << static_cast<int>(policy) << " key "
                                       << (key == KeyKind::Sign ? "sign" : "auth") << ": " << d.message);
                CHECK(d.status.status == status);
                CHECK(d.allowed == want.allowed);
                CHECK(d.warning == want.warning);
                CHECK(d.device_error == want.device_error);
                CHECK(d.message.find(key == KeyKind::Sign ? "signing" : "user-authentication") != std::string::npos);
                ++cells;
            }
        }
    }
    CHECK(cells == 42);
}

TEST_CASE("policy defaults: Unknown allows both keys with a warning")
{
    Lab lab;
    auto leaf = scenario(lab, CertStatus::Unknown);
    auto checker = lab.checker();
    auto sign = checker->decide(KeyKind::Sign, leaf.x509(), "");
    CHECK(sign.allowed);
    CHECK(sign.warning);
    CHECK(sign.device_error == device_error::kUnknownWarned);
    CHECK(sign.message.find("no revocation source") != std::string::npos);
    auto auth = checker->decide(KeyKind::Auth, leaf.x509(), "");
    CHECK(auth.allowed);
    CHECK(auth.warning);
    CHECK(auth.device_error == device_error::kUnknownWarned);
}

TEST_CASE("messages name the status and what to do")
{
    // (scenario() first: it edits the config the checker is built from)
    Lab held_lab;
    auto held_leaf = scenario(held_lab, CertStatus::OnHold);
    auto held = held_lab.checker()->decide(KeyKind::Sign, held_leaf.x509(), "");
    CHECK(held.message.find("on hold") != std::string::npos);
    CHECK(held.message.find("0120-95-0178") != std::string::npos);
    CHECK(held.message.find("municipal office") != std::string::npos);

    Lab revoked_lab;
    auto revoked_leaf = scenario(revoked_lab, CertStatus::Revoked);
    auto revoked = revoked_lab.checker()->decide(KeyKind::Sign, revoked_leaf.x509(), "");
    CHECK(revoked.message.find("revoked") != std::string::npos);
    CHECK(revoked.message.find("affiliationChanged") != std::string::npos);
    CHECK(revoked.message.find("municipal office") != std::string::npos);

    Lab expired_lab;
    auto expired_leaf = scenario(expired_lab, CertStatus::Expired);
    auto expired = expired_lab.checker()->decide(KeyKind::Auth, expired_leaf.x509(), "");
    CHECK(expired.message.find("expired") != std::string::npos);
    CHECK(expired.message.find("municipal office") != std::string::npos);

    // Close to expiry (revocation.expiry_warn_days), a good certificate still works and says so.
    Lab soon;
    auto leaf = scenario(soon, CertStatus::Good);
    soon.now = kLeafNotAfter - 10 * kDay;
    soon.use_crl(make_crl(soon.ca, CrlOptions{soon.now - 60, soon.now + kDay, 1, {}}));
    auto d = soon.checker()->decide(KeyKind::Sign, leaf.x509(), "");
    CHECK(d.allowed);
    CHECK(d.message.find("renew") != std::string::npos);
}

TEST_CASE("hold lifecycle over OCSP: good -> on hold (refused) -> released (allowed after the cache expires) -> revoked")
{
    Lab lab;
    auto responder = make_leaf(lab.ca, LeafOptions{"responder", 0x9000, kNow - kDay, kNow + 30 * kDay, "", "", true});
    auto leaf = make_leaf(lab.ca, {"card-owner", 0x1234});
    int state = V_OCSP_CERTSTATUS_GOOD;
    int reason = -1;
    HttpServer server([&](const HttpRequest& req) {
        OcspAnswer a;
        a.status = state;
        a.reason = reason;
        a.this_update = lab.now - 60;
        a.next_update = lab.now + 3600;  // responses valid one hour
        HttpReply reply;
        reply.body = make_ocsp_response(req.body, lab.ca, responder, a);
        return reply;
    });
    lab.config.ocsp.url = server.url("/");
    auto checker = lab.checker();  // one long-lived checker, as in the PKCS#11 module

    auto d = checker->decide(KeyKind::Sign, leaf.x509(), "");
    CHECK(d.allowed);
    CHECK(server.requests() == 1);

    // The owner calls the hotline: J-LIS places a hold. Until nextUpdate the cached good stands.
    state = V_OCSP_CERTSTATUS_REVOKED;
    reason = 6;
    lab.now += 600;
    CHECK(checker->decide(KeyKind::Sign, leaf.x509(), "").allowed);
    CHECK(server.requests() == 1);
    lab.now = kNow + 3600;  // nextUpdate of the first answer reached: re-checked
    d = checker->decide(KeyKind::Sign, leaf.x509(), "");
    CHECK_FALSE(d.allowed);
    CHECK(d.status.status == CertStatus::OnHold);
    CHECK(d.device_error == device_error::kOnHold);
    CHECK(server.requests() == 2);
    // known_bad answers from the cache, without the network (used before C_Login).
    auto bad = checker->known_bad(leaf.x509(), "");
    REQUIRE(bad);
    CHECK(bad->status == CertStatus::OnHold);
    CHECK(server.requests() == 2);

    // Hold lifted (e.g. the smartphone case): still refused while the hold answer is cached ...
    state = V_OCSP_CERTSTATUS_GOOD;
    reason = -1;
    lab.now += 1800;
    CHECK_FALSE(checker->decide(KeyKind::Sign, leaf.x509(), "").allowed);
    // ... allowed once it expired.
    lab.now += 1801;
    CHECK(checker->decide(KeyKind::Sign, leaf.x509(), "").allowed);
    CHECK_FALSE(checker->known_bad(leaf.x509(), ""));

    // Finally revoked: refused for good.
    state = V_OCSP_CERTSTATUS_REVOKED;
    reason = 1;
    lab.now += 3601;
    d = checker->decide(KeyKind::Sign, leaf.x509(), "");
    CHECK_FALSE(d.allowed);
    CHECK(d.device_error == device_error::kRevoked);
    lab.now += 10 * kDay;  // and stays refused on every later check
    CHECK_FALSE(checker->decide(KeyKind::Sign, leaf.x509(), "").allowed);
}

TEST_CASE("hold lifecycle over CRLs with increasing crlNumber")
{
    Lab lab;
    auto leaf = make_leaf(lab.ca, {"card-owner", 0x1234});
    auto publish = [&](long number, std::vector<Revoked> revoked) {
        lab.use_crl(make_crl(lab.ca, CrlOptions{lab.now - 60, lab.now + kDay, number, std::move(revoked)}));
    };
    lab.config.revocation.max_age = std::chrono::seconds(3600);  // cap below the CRL's nextUpdate
    publish(1, {});
    auto checker = lab.checker();
    CHECK(checker->decide(KeyKind::Sign, leaf.x509(), "").allowed);
    publish(2, {{0x1234, 6}});
    lab.now += 3600;  // max_age reached
    CHECK(checker->decide(KeyKind::Sign, leaf.x509(), "").device_error == device_error::kOnHold);
    publish(3, {});
    CHECK_FALSE(checker->decide(KeyKind::Sign, leaf.x509(), "").allowed);  // cached hold
    lab.now += 3600;
    CHECK(checker->decide(KeyKind::Sign, leaf.x509(), "").allowed);
    publish(4, {{0x1234, 0}});
    lab.now += 3600;
    CHECK(checker->decide(KeyKind::Sign, leaf.x509(), "").device_error == device_error::kRevoked);
}

TEST_CASE("house move: the signing certificate is revoked (affiliationChanged), the auth certificate still works")
{
    Lab lab(CaOptions{"C=JP,O=JPKI-LAB,OU=JPKI-LAB for digital signature,OU=Test CA"});
    auto auth_ca = make_ca(CaOptions{"C=JP,O=JPKI-LAB,OU=JPKI-LAB for user authentication,OU=Test CA"});
    write_file(lab.dir / "auth_ca.pem", to_pem(auth_ca.x509()));
    lab.config.trust.anchors = {lab.dir / "ca.pem", lab.dir / "auth_ca.pem"};
    auto sign_cert = make_leaf(lab.ca, {"sign", 0x5001});
    auto auth_cert = make_leaf(auth_ca, {"auth", 0x5001});  // same serial in the other hierarchy
    write_file(lab.dir / "sign.crl", make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 7, {{0x5001, 3}}}));
    write_file(lab.dir / "auth.crl", make_crl(auth_ca, CrlOptions{kNow - 60, kNow + kDay, 7, {}}));
    lab.config.crl.files = {lab.dir / "sign.crl", lab.dir / "auth.crl"};
    auto checker = lab.checker();

    auto sign = checker->decide(KeyKind::Sign, sign_cert.x509(), "CARD");
    CHECK_FALSE(sign.allowed);
    CHECK(sign.status.status == CertStatus::Revoked);
    CHECK(sign.status.crl_reason == 3);
    CHECK(sign.device_error == device_error::kRevoked);
    CHECK(sign.message.find("address") != std::string::npos);

    auto auth = checker->decide(KeyKind::Auth, auth_cert.x509(), "CARD");
    CHECK(auth.allowed);
    CHECK_FALSE(auth.warning);
    CHECK(auth.status.status == CertStatus::Good);
    CHECK(auth.device_error == 0);
}

TEST_CASE("cache: results live until nextUpdate, capped by max_age - Unknown not cached with unknown_cache.seconds = 0")
{
    Lab lab;
    // The short cache of Unknown (default 60 s) is tested in network_test.cpp; here it is off.
    lab.config.revocation.unknown_cache = std::chrono::seconds(0);
    auto responder = make_leaf(lab.ca, LeafOptions{"responder", 0x9000, kNow - kDay, kNow + 30 * kDay, "", "", true});
    auto leaf = make_leaf(lab.ca, {"leaf", 0x1234});
    bool down = false;
    HttpServer server([&](const HttpRequest& req) {
        OcspAnswer a;
        a.this_update = lab.now - 60;
        a.next_update = lab.now + 7200;
        HttpReply reply;
        if (down) reply.status = 503;
        reply.body = make_ocsp_response(req.body, lab.ca, responder, a);
        return reply;
    });
    lab.config.ocsp.url = server.url("/");
    lab.config.revocation.max_age = std::chrono::seconds(600);
    auto checker = lab.checker();
    CHECK(checker->status(leaf.x509(), "").status == CertStatus::Good);
    lab.now += 599;
    auto cached = checker->status(leaf.x509(), "");
    CHECK(cached.detail.find("(cached)") != std::string::npos);
    CHECK(server.requests() == 1);
    lab.now += 1;  // max_age reached before nextUpdate
    down = true;
    CHECK(checker->status(leaf.x509(), "").status == CertStatus::Unknown);
    CHECK(checker->status(leaf.x509(), "").status == CertStatus::Unknown);
    CHECK(server.requests() == 3);  // each Unknown retried
    // A clock set back before the cached check does not reuse it either.
    down = false;
    CHECK(checker->status(leaf.x509(), "").status == CertStatus::Good);
    lab.now -= 3600;
    checker->status(leaf.x509(), "");
    CHECK(server.requests() == 5);
}

TEST_CASE("known_bad: expiry without any I/O - nothing for an unchecked certificate")
{
    Lab lab;
    lab.config.revocation.mode = {"none"};
    auto leaf = make_leaf(lab.ca, {"leaf", 0x1234});
    auto checker = lab.checker();
    CHECK_FALSE(checker->known_bad(leaf.x509(), ""));
    lab.now = kLeafNotAfter + 1;
    auto bad = checker->known_bad(leaf.x509(), "");
    REQUIRE(bad);
    CHECK(bad->status == CertStatus::Expired);
}

TEST_CASE("status names and CRL reason names")
{
    CHECK(std::string(to_string(CertStatus::OnHold)) == "on-hold");
    CHECK(std::string(to_string(CertStatus::LocallySuspended)) == "locally-suspended");
    CHECK(crl_reason_name(6) == "certificateHold");
    CHECK(crl_reason_name(3) == "affiliationChanged");
    CHECK(crl_reason_name(-1) == "unspecified");
    CHECK(crl_reason_name(7) == "reason-7");
    CHECK(always_refused(CertStatus::Expired));
    CHECK_FALSE(always_refused(CertStatus::Unknown));
    CHECK_FALSE(always_refused(CertStatus::Good));
}
