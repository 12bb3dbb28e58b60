// The network side of the look-ups (issue 10 §4): libcurl over http and https (a local TLS
// responder whose CA is given with [revocation] ca_file), the proxy settings of the environment
// (http_proxy, https_proxy, no_proxy) against a local stand-in proxy that records requests, no
// redirects, the short cache of Unknown, look-ups that never block other callers, cancel().
// Every server is an in-process thread on 127.0.0.1.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "../config/env_guard.hpp"
#include "http_server.hpp"
#include "lab.hpp"

using namespace revtest;
using mynacard::revocation::CertStatus;
using Clock = std::chrono::steady_clock;

namespace {

constexpr long kGood = 0x1000;

long asked_serial(const mynacard::Bytes& request)
{
    const unsigned char* p = request.data();
    mynacard::revocation::ossl::OcspRequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request.size())));
    if (!req) return -1;
    ASN1_INTEGER* serial = nullptr;
    OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial, OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0)));
    return ASN1_INTEGER_get(serial);
}

struct NetLab : Lab {
    Identity good = make_leaf(ca, {"good", kGood});
    // The https server's own hierarchy: unrelated to the JPKI anchors (TLS only protects the
    // transport; the OCSP response is still checked against the anchors).
    Identity tls_ca = make_ca(CaOptions{"C=JP,O=mynacard tests,CN=TLS test CA"});
    Identity tls_server;

    NetLab()
    {
        write_file(dir / "tls-ca.pem", to_pem(tls_ca.x509()));
        // libcurl checks the server certificate against the real clock, not the injected one.
        const std::time_t real_now = std::time(nullptr);
        LeafOptions o{"127.0.0.1", 0x5000, real_now - kDay, real_now + 365 * kDay};
        o.tls_server = true;
        tls_server = make_leaf(tls_ca, o);
    }

    TlsIdentity tls() const { return TlsIdentity{tls_server.x509(), tls_server.key.get()}; }

    /// An OCSP responder (signed by the CA itself) that says "good" for kGood.
    HttpServer::Handler responder()
    {
        return [this](const HttpRequest& req) {
            HttpReply reply;
            if (req.method != "POST") {
                reply.status = 405;
                return reply;
            }
            OcspAnswer a;
            a.status = asked_serial(req.body) == kGood ? V_OCSP_CERTSTATUS_GOOD : V_OCSP_CERTSTATUS_UNKNOWN;
            reply.body = make_ocsp_response(req.body, ca, ca, a);
            return reply;
        };
    }
};

/// Clears every proxy variable libcurl reads, for the duration of a test.
void no_proxies(EnvGuard& env)
{
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                             "no_proxy", "NO_PROXY"})
        env.unset(name);
}

/// The environment without proxy variables, for the lifetime of the object that derives from it.
struct NoProxies {
    EnvGuard env;
    NoProxies() { no_proxies(env); }
};

/// The start of the hanging-responder tests: no proxies, and a NetLab whose only source is an
/// OCSP responder (`silent`) that accepts connections and never answers, asked with `timeout`.
struct SilentResponderLab : NoProxies, NetLab {
    HttpServer silent{[](const HttpRequest&) { return HttpReply{}; }, HttpServer::Mode::Silent};

    explicit SilentResponderLab(std::chrono::seconds timeout)
    {
        config.ocsp.url = silent.url("/");
        config.ocsp.timeout = timeout;
    }
};

}  // namespace

TEST_CASE("https: OCSP and a CRL from a local TLS responder whose CA is [revocation] ca_file")
{
    EnvGuard env;
    no_proxies(env);
    NetLab lab;
    HttpServer server(lab.responder(), HttpServer::Mode::Answer, lab.tls());
    REQUIRE(server.url("/").rfind("https://127.0.0.1:", 0) == 0);
    lab.config.ocsp.url = server.url("/ocsp");
    lab.config.revocation.ca_file = lab.dir / "tls-ca.pem";
    auto r = lab.checker()->status(lab.good.x509(), "");
    INFO(r.detail);
    CHECK(r.status == CertStatus::Good);
    CHECK(r.source == "ocsp:" + server.url("/ocsp"));
    CHECK(server.request_lines() == std::vector<std::string>{"POST /ocsp"});

    // Without ca_file the system store is used, which does not know the test CA: the TLS
    // handshake fails, the source is Unknown (never "good" from an unauthenticated server).
    lab.config.revocation.ca_file.reset();
    lab.config.revocation.unknown_cache = std::chrono::seconds(0);
    auto untrusted = lab.checker()->status(lab.good.x509(), "");
    CHECK(untrusted.status == CertStatus::Unknown);
    CHECK(untrusted.detail.find("unreachable") != std::string::npos);
    CHECK(untrusted.detail.find("certificate") != std::string::npos);

    // A CRL over https.
    auto crl = make_crl(lab.ca, CrlOptions{kNow - 60, kNow + kDay, 1, {}});
    HttpServer crl_server([&](const HttpRequest& req) {
        HttpReply reply;
        reply.content_type = "application/pkix-crl";
        reply.status = req.method == "GET" && req.path == "/ca.crl" ? 200 : 404;
        reply.body = crl;
        return reply;
    }, HttpServer::Mode::Answer, lab.tls());
    lab.config.ocsp.url.clear();
    lab.config.crl.urls = {crl_server.url("/ca.crl")};
    lab.config.revocation.ca_file = lab.dir / "tls-ca.pem";
    auto via_crl = lab.checker()->status(lab.good.x509(), "");
    INFO(via_crl.detail);
    CHECK(via_crl.status == CertStatus::Good);
    CHECK(via_crl.source == "crl:" + crl_server.url("/ca.crl"));
}

TEST_CASE("proxy: http_proxy is honoured, no_proxy bypasses it, https goes through CONNECT")
{
    EnvGuard env;
    no_proxies(env);
    NetLab lab;
    HttpServer origin(lab.responder());
    // The stand-in proxy answers a proxied request itself, like a forwarding proxy would.
    HttpServer proxy(lab.responder());
    lab.config.ocsp.url = origin.url("/ocsp");
    lab.config.revocation.unknown_cache = std::chrono::seconds(0);

    env.set("http_proxy", "http://127.0.0.1:" + std::to_string(proxy.port()));
    auto proxied = lab.checker()->status(lab.good.x509(), "");
    INFO(proxied.detail);
    CHECK(proxied.status == CertStatus::Good);
    CHECK(proxy.request_lines() == std::vector<std::string>{"POST " + origin.url("/ocsp")});
    CHECK(origin.requests() == 0);

    env.set("no_proxy", "127.0.0.1");
    auto direct = lab.checker()->status(lab.good.x509(), "");
    CHECK(direct.status == CertStatus::Good);
    CHECK(origin.request_lines() == std::vector<std::string>{"POST /ocsp"});
    CHECK(proxy.requests() == 1);

    // https through the proxy: a CONNECT tunnel to the origin (refused here by the stand-in,
    // which answers 405 to anything but POST: the look-up is then Unknown).
    env.unset("no_proxy");
    HttpServer tls_origin(lab.responder(), HttpServer::Mode::Answer, lab.tls());
    HttpServer tls_proxy(lab.responder());
    env.set("https_proxy", "http://127.0.0.1:" + std::to_string(tls_proxy.port()));
    lab.config.ocsp.url = tls_origin.url("/ocsp");
    lab.config.revocation.ca_file = lab.dir / "tls-ca.pem";
    auto tunnelled = lab.checker()->status(lab.good.x509(), "");
    CHECK(tunnelled.status == CertStatus::Unknown);
    CHECK(tls_proxy.request_lines() == std::vector<std::string>{"CONNECT 127.0.0.1:" + std::to_string(tls_origin.port())});
    CHECK(tls_origin.requests() == 0);
}

TEST_CASE("redirects are not followed")
{
    EnvGuard env;
    no_proxies(env);
    NetLab lab;
    HttpServer target(lab.responder());
    HttpServer redirecting([&](const HttpRequest&) {
        HttpReply reply;
        reply.status = 302;
        reply.content_type = "text/plain";
        return reply;
    });
    lab.config.ocsp.url = redirecting.url("/ocsp");
    auto r = lab.checker()->status(lab.good.x509(), "");
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("HTTP status 302") != std::string::npos);
    CHECK(r.detail.find("redirects are not followed") != std::string::npos);
    CHECK(target.requests() == 0);
}

TEST_CASE("Unknown is remembered for unknown_cache.seconds: a hanging responder costs one timeout")
{
    SilentResponderLab lab(std::chrono::seconds(1));
    lab.config.revocation.unknown_cache = std::chrono::seconds(60);
    auto checker = lab.checker();

    auto first = checker->status(lab.good.x509(), "");
    CHECK(first.status == CertStatus::Unknown);
    CHECK(first.detail.find("timed out") != std::string::npos);
    CHECK(lab.silent.requests() == 1);

    const auto start = Clock::now();
    lab.now += 59;
    auto second = checker->status(lab.good.x509(), "");
    CHECK(second.status == CertStatus::Unknown);
    CHECK(second.detail.find("(cached)") != std::string::npos);
    CHECK(Clock::now() - start < std::chrono::milliseconds(500));
    CHECK(lab.silent.requests() == 1);  // no network request

    lab.now += 2;  // past unknown_cache: asked again
    (void)checker->status(lab.good.x509(), "");
    CHECK(lab.silent.requests() == 2);

    // 0 = never remembered.
    lab.config.revocation.unknown_cache = std::chrono::seconds(0);
    auto uncached = lab.checker();
    (void)uncached->status(lab.good.x509(), "");
    (void)uncached->status(lab.good.x509(), "");
    CHECK(lab.silent.requests() == 4);
}

TEST_CASE("a look-up in progress blocks neither known_bad nor other callers; concurrent checks share it")
{
    SilentResponderLab lab(std::chrono::seconds(3));
    auto checker = lab.checker();

    auto a = std::async(std::launch::async, [&] { return checker->status(lab.good.x509(), ""); });
    while (lab.silent.requests() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // While the responder hangs: known_bad (what C_Login asks) answers at once.
    const auto start = Clock::now();
    CHECK_FALSE(checker->known_bad(lab.good.x509(), "").has_value());
    CHECK(Clock::now() - start < std::chrono::milliseconds(200));
    // A second check of the same certificate waits for the first one's answer, no second request.
    auto b = std::async(std::launch::async, [&] { return checker->status(lab.good.x509(), ""); });
    auto ra = a.get();
    auto rb = b.get();
    CHECK(ra.status == CertStatus::Unknown);
    CHECK(rb.status == CertStatus::Unknown);
    CHECK(lab.silent.requests() == 1);
}

TEST_CASE("cancel() aborts a look-up in progress and is not cached as the certificate's status")
{
    SilentResponderLab lab(std::chrono::seconds(20));
    auto checker = lab.checker();
    const auto start = Clock::now();
    auto a = std::async(std::launch::async, [&] { return checker->status(lab.good.x509(), ""); });
    while (lab.silent.requests() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    checker->cancel();
    auto r = a.get();
    CHECK(Clock::now() - start < std::chrono::seconds(5));
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("cancelled") != std::string::npos);
    // Later look-ups fail at once without a request.
    auto later = checker->status(lab.good.x509(), "");
    CHECK(later.status == CertStatus::Unknown);
    CHECK(later.detail.find("(cached)") == std::string::npos);
    CHECK(lab.silent.requests() == 1);
}
