// Step 4: OCSP (pin-and-suspension.md §3.5) against an in-process responder on 127.0.0.1.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>

#include "http_server.hpp"
#include "lab.hpp"

using namespace revtest;
using mynacard::revocation::CertStatus;

namespace {

constexpr long kGood = 0x1000;
constexpr long kRevoked = 0x1001;
constexpr long kHeld = 0x1002;

long asked_serial(const mynacard::Bytes& request)
{
    const unsigned char* p = request.data();
    mynacard::revocation::ossl::OcspRequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
    ASN1_INTEGER* serial = nullptr;
    OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial, OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0)));
    return ASN1_INTEGER_get(serial);
}

/// Answers like the lab's `openssl ocsp` (good / keyCompromise / certificateHold), signed by
/// `signer`; `tweak` adjusts each answer.
struct Responder {
    const Identity& ca;
    const Identity* signer;
    std::function<void(OcspAnswer&)> tweak;
    int status_code = 200;

    HttpReply operator()(const HttpRequest& req) const
    {
        OcspAnswer a;
        switch (asked_serial(req.body)) {
        case kRevoked: a.status = V_OCSP_CERTSTATUS_REVOKED; a.reason = 1; break;
        case kHeld: a.status = V_OCSP_CERTSTATUS_REVOKED; a.reason = 6; break;
        case kGood: break;
        default: a.status = V_OCSP_CERTSTATUS_UNKNOWN; break;
        }
        if (tweak) tweak(a);
        HttpReply reply;
        reply.status = status_code;
        reply.body = make_ocsp_response(req.body, ca, *signer, a);
        return reply;
    }
};

struct OcspLab : Lab {
    Identity responder = make_leaf(ca, LeafOptions{"ocsp-responder", 0x9000, kNow - 30 * kDay, kNow + 30 * kDay, "", "", true});
    Identity good = make_leaf(ca, {"good", kGood});
    Identity revoked = make_leaf(ca, {"revoked", kRevoked});
    Identity held = make_leaf(ca, {"held", kHeld});

    void use(const HttpServer& server) { config.ocsp.url = server.url("/"); }
    CertStatus status_of(const Identity& leaf) { return checker()->status(leaf.x509(), "").status; }
    std::string detail_of(const Identity& leaf) { return checker()->status(leaf.x509(), "").detail; }
};

}  // namespace

TEST_CASE("OCSP: delegated responder - good / revoked / certificateHold -> Good / Revoked / OnHold")
{
    OcspLab lab;
    HttpServer server(Responder{lab.ca, &lab.responder, {}});
    lab.use(server);
    auto good = lab.checker()->status(lab.good.x509(), "");
    INFO(good.detail);
    CHECK(good.status == CertStatus::Good);
    CHECK(good.source == "ocsp:" + server.url("/"));
    CHECK(good.this_update == kNow - 60);
    CHECK(good.next_update == kNow + kDay);
    auto revoked = lab.checker()->status(lab.revoked.x509(), "");
    CHECK(revoked.status == CertStatus::Revoked);
    CHECK(revoked.crl_reason == 1);
    auto held = lab.checker()->status(lab.held.x509(), "");
    CHECK(held.status == CertStatus::OnHold);
    CHECK(held.crl_reason == 6);
    CHECK(server.requests() == 3);
}

TEST_CASE("OCSP: a response signed by the CA itself, with or without its certificate, is accepted")
{
    OcspLab lab;
    HttpServer with_cert(Responder{lab.ca, &lab.ca, {}});
    lab.use(with_cert);
    CHECK(lab.status_of(lab.held) == CertStatus::OnHold);
    HttpServer without_cert(Responder{lab.ca, &lab.ca, [](OcspAnswer& a) { a.include_signer_cert = false; }});
    lab.use(without_cert);
    CHECK(lab.status_of(lab.good) == CertStatus::Good);
}

TEST_CASE("OCSP: a response signed by an unrelated key is not trusted")
{
    OcspLab lab;
    auto stranger = make_ca(CaOptions{"C=JP,O=Elsewhere,CN=unrelated"});
    HttpServer server(Responder{lab.ca, &stranger, {}});
    lab.use(server);
    // A forged "good" for a held certificate must not win.
    HttpServer forged(Responder{lab.ca, &stranger, [](OcspAnswer& a) { a.status = V_OCSP_CERTSTATUS_GOOD; a.reason = -1; }});
    lab.use(forged);
    auto r = lab.checker()->status(lab.held.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("signature not trusted") != std::string::npos);
    // A same-DN impostor CA signing as "the CA" is refused too.
    auto impostor = make_ca(CaOptions{});
    HttpServer impostor_server(Responder{lab.ca, &impostor, [](OcspAnswer& a) { a.status = V_OCSP_CERTSTATUS_GOOD; a.reason = -1; }});
    lab.use(impostor_server);
    CHECK(lab.status_of(lab.held) == CertStatus::Unknown);
}

TEST_CASE("OCSP: a responder certificate issued by the CA but without the OCSPSigning EKU is refused")
{
    OcspLab lab;
    auto plain = make_leaf(lab.ca, LeafOptions{"not-a-responder", 0x9001, kNow - kDay, kNow + kDay});
    HttpServer server(Responder{lab.ca, &plain, {}});
    lab.use(server);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("OCSPSigning") != std::string::npos);
}

TEST_CASE("OCSP: an expired responder certificate (by the injected clock) is refused")
{
    OcspLab lab;
    auto old = make_leaf(lab.ca, LeafOptions{"old-responder", 0x9002, kNow - 60 * kDay, kNow - kDay, "", "", true});
    HttpServer server(Responder{lab.ca, &old, {}});
    lab.use(server);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
}

TEST_CASE("OCSP: nonce mismatch is refused - a missing nonce only when require_nonce = false")
{
    OcspLab lab;
    HttpServer wrong(Responder{lab.ca, &lab.responder, [](OcspAnswer& a) { a.nonce = OcspAnswer::Nonce::Wrong; }});
    lab.use(wrong);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("nonce mismatch") != std::string::npos);
    lab.config.ocsp.require_nonce = false;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);  // a mismatch is never accepted

    HttpServer none(Responder{lab.ca, &lab.responder, [](OcspAnswer& a) { a.nonce = OcspAnswer::Nonce::None; }});
    lab.use(none);
    lab.config.ocsp.require_nonce = true;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("no nonce") != std::string::npos);
    lab.config.ocsp.require_nonce = false;
    CHECK(lab.status_of(lab.good) == CertStatus::Good);
}

TEST_CASE("OCSP: status unknown, and an answer for another certificate, give Unknown")
{
    OcspLab lab;
    HttpServer server(Responder{lab.ca, &lab.responder, {}});
    lab.use(server);
    auto stranger_leaf = make_leaf(lab.ca, {"not-in-index", 0x7777});
    CHECK(lab.status_of(stranger_leaf) == CertStatus::Unknown);
    CHECK(lab.detail_of(stranger_leaf).find("does not know") != std::string::npos);

    HttpServer other(Responder{lab.ca, &lab.responder, [](OcspAnswer& a) { a.wrong_serial = true; }});
    lab.use(other);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("does not cover") != std::string::npos);
}

TEST_CASE("OCSP: freshness - nextUpdate + grace.seconds, thisUpdate + leeway - revoked counts even when stale")
{
    OcspLab lab;
    // Distinct values, so the test tells which allowance is applied where (issue 10 §4: the
    // nextUpdate overrun is revocation.grace as documented, leeway is clock skew only).
    lab.config.ocsp.leeway = std::chrono::seconds(300);
    lab.config.revocation.grace = std::chrono::seconds(900);
    std::time_t this_update = kNow - 60;
    std::optional<std::time_t> next_update = kNow + 3600;
    HttpServer server(Responder{lab.ca, &lab.responder, [&](OcspAnswer& a) {
                                    a.this_update = this_update;
                                    a.next_update = next_update;
                                }});
    lab.use(server);
    lab.now = kNow + 3600 + 900;
    CHECK(lab.status_of(lab.good) == CertStatus::Good);
    lab.now = kNow + 3600 + 901;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("stale") != std::string::npos);
    CHECK(lab.status_of(lab.revoked) == CertStatus::Revoked);
    // grace = 0: stale right after nextUpdate, whatever the leeway.
    lab.config.revocation.grace = std::chrono::seconds(0);
    lab.now = kNow + 3600;
    CHECK(lab.status_of(lab.good) == CertStatus::Good);
    lab.now = kNow + 3600 + 1;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);

    // thisUpdate in the future: accepted within the leeway (clock skew), refused beyond it.
    lab.now = kNow;
    this_update = kNow + 300;
    CHECK(lab.status_of(lab.good) == CertStatus::Good);
    this_update = kNow + 301;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("in the future") != std::string::npos);
    // No nextUpdate: revocation.max_age bounds the age of thisUpdate.
    this_update = kNow - 60;
    next_update.reset();
    lab.config.revocation.max_age = std::chrono::seconds(600);
    lab.now = kNow - 60 + 600 + 300;
    CHECK(lab.status_of(lab.good) == CertStatus::Good);
    lab.now += 1;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
}

TEST_CASE("OCSP: require_nonce defaults to false - a pre-produced response (RFC 5019, no nonce) is accepted while fresh")
{
    OcspLab lab;
    CHECK_FALSE(lab.config.ocsp.require_nonce);  // the Config default the module and card-cp use
    std::time_t next_update = kNow + 3600;
    HttpServer none(Responder{lab.ca, &lab.responder, [&](OcspAnswer& a) {
                                  a.nonce = OcspAnswer::Nonce::None;
                                  a.next_update = next_update;
                              }});
    lab.use(none);
    CHECK(lab.status_of(lab.good) == CertStatus::Good);
    // Freshness is then what bounds a replay: the same response after nextUpdate + grace is stale.
    lab.now = next_update + lab.config.revocation.grace.count() + 1;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("stale") != std::string::npos);
    // A wrong nonce is still refused.
    lab.now = kNow;
    HttpServer wrong(Responder{lab.ca, &lab.responder, [](OcspAnswer& a) { a.nonce = OcspAnswer::Nonce::Wrong; }});
    lab.use(wrong);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
}

TEST_CASE("OCSP: responder down (connection refused) or slow (timeout) gives Unknown quickly")
{
    OcspLab lab;
    lab.config.ocsp.url = "http://127.0.0.1:" + std::to_string(HttpServer::unused_port()) + "/";
    lab.config.ocsp.timeout = std::chrono::seconds(5);
    auto refused_start = std::chrono::steady_clock::now();
    auto refused = lab.checker()->status(lab.good.x509(), "");
    CHECK(refused.status == CertStatus::Unknown);
    CHECK(refused.detail.find("unreachable") != std::string::npos);
    CHECK(refused.detail.find("Connection refused") != std::string::npos);
    // A refusal fails at once, not after the timeout (OpenSSL's own connect would retry).
    CHECK(std::chrono::steady_clock::now() - refused_start < std::chrono::seconds(2));

    HttpServer silent([](const HttpRequest&) { return HttpReply{}; }, HttpServer::Mode::Silent);
    lab.use(silent);
    lab.config.ocsp.timeout = std::chrono::seconds(1);
    auto start = std::chrono::steady_clock::now();
    auto slow = lab.checker()->status(lab.good.x509(), "");
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(slow.status == CertStatus::Unknown);
    CHECK(slow.detail.find("timed out") != std::string::npos);
    CHECK(took < std::chrono::seconds(4));
    CHECK(silent.requests() == 1);
}

TEST_CASE("OCSP: HTTP errors, oversized and garbage responses give Unknown")
{
    OcspLab lab;
    Responder base{lab.ca, &lab.responder, {}};
    Responder failing = base;
    failing.status_code = 500;
    HttpServer error_server(failing);
    lab.use(error_server);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);

    HttpServer big(base);
    lab.use(big);
    lab.config.ocsp.max_response_bytes = 100;
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    lab.config.ocsp.max_response_bytes = 65536;

    HttpServer garbage([](const HttpRequest&) {
        HttpReply r;
        r.body = mynacard::Bytes{0x30, 0x03, 0x0A, 0x01, 0x03};  // tryLater, no body
        return r;
    });
    lab.use(garbage);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
    CHECK(lab.detail_of(lab.good).find("responder said") != std::string::npos);

    HttpServer junk([](const HttpRequest&) {
        HttpReply r;
        r.body = mynacard::Bytes(64, 0x30);
        return r;
    });
    lab.use(junk);
    CHECK(lab.status_of(lab.good) == CertStatus::Unknown);
}

TEST_CASE("OCSP: url = aia uses the certificate's AIA - offline disables OCSP - Unknown falls back to the CRL")
{
    OcspLab lab;
    HttpServer server(Responder{lab.ca, &lab.responder, {}});
    auto with_aia = make_leaf(lab.ca, LeafOptions{"aia", kHeld, utc(2025, 10, 27), kLeafNotAfter, server.url("/")});
    lab.config.ocsp.url = "aia";
    auto r = lab.checker()->status(with_aia.x509(), "");
    CHECK(r.status == CertStatus::OnHold);
    CHECK(r.source == "ocsp:" + server.url("/"));
    CHECK(lab.detail_of(lab.good).find("no http OCSP URL") != std::string::npos);

    lab.config.revocation.offline = true;
    int before = server.requests();
    auto offline = lab.checker()->status(with_aia.x509(), "");
    CHECK(offline.status == CertStatus::Unknown);
    CHECK(offline.detail.find("offline") != std::string::npos);
    CHECK(server.requests() == before);

    // Offline with a CRL file: the CRL answers.
    lab.use_crl(make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 1, {{kHeld, 6}}}));
    CHECK(lab.checker()->status(with_aia.x509(), "").status == CertStatus::OnHold);

    // Online, OCSP down: the CRL answers; mode order is respected.
    lab.config.revocation.offline = false;
    lab.config.ocsp.url = "http://127.0.0.1:" + std::to_string(HttpServer::unused_port()) + "/";
    auto fallback = lab.checker()->status(lab.held.x509(), "");
    CHECK(fallback.status == CertStatus::OnHold);
    CHECK(fallback.source.rfind("crl:", 0) == 0);
    lab.config.revocation.mode = {"crl", "ocsp"};
    CHECK(lab.checker()->status(lab.good.x509(), "").source.rfind("crl:", 0) == 0);
    lab.config.revocation.mode = {"none"};
    auto none = lab.checker()->status(lab.good.x509(), "");
    CHECK(none.status == CertStatus::Unknown);
    CHECK(none.detail == "no revocation source");
}
