// Fuzz target: the OCSP client of the suspension checks (lib/revocation/ocsp_check.cpp and the
// HTTP exchange in http.cpp over libcurl, pin-and-suspension.md §3.5) against a responder thread on
// 127.0.0.1 that answers with the fuzz input: HTTP framing, DER parse, response status, basic
// response signature (issuer or delegated OCSPSigning responder), nonce, CertID look-up,
// freshness against the injected clock.
//
// Input: flags (1) | body
//   flags bits 0-1: 0 = body is the whole raw HTTP reply;
//                   1 = body is the DER OCSP response, sent as is in a 200 reply;
//                   2 = body parsed as an OCSP response and, if it has a basic response,
//                       re-signed by the fixed CA (the fuzzer cannot forge ECDSA);
//                   3 = likewise, re-signed by the delegated responder (its certificate included);
//         bit 2: (modes 2-3) replace the response nonces with the request's nonce;
//         bit 3: ocsp.require_nonce = true.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "../lib/revocation/sources.hpp"
#include "fuzz_input.hpp"
#include "fuzz_pki.hpp"

namespace {

using namespace mynacard;

struct Reply {
    std::uint8_t flags = 0;
    Bytes body;
};

// What the responder thread answers next; set by the fuzz loop before each check_ocsp call.
std::mutex g_mutex;
Reply g_reply;

Bytes der_of(OCSP_RESPONSE* resp)
{
    unsigned char* der = nullptr;
    const int len = i2d_OCSP_RESPONSE(resp, &der);
    Bytes out;
    if (len > 0) out.assign(der, der + len);
    OPENSSL_free(der);
    return out;
}

/// The content of `fuzzed` (single responses and response extensions) in a fresh basic
/// response, ready to sign. (OCSP_basic_sign on the parsed one would have to replace its
/// responderID, and OpenSSL frees the old CHOICE arm with the wrong type: a harness crash.)
OCSP_BASICRESP* rebuild(OCSP_BASICRESP* fuzzed)
{
    OCSP_BASICRESP* out = OCSP_BASICRESP_new();
    if (out == nullptr) return nullptr;
    for (int i = 0; i < OCSP_resp_count(fuzzed); ++i) {
        OCSP_SINGLERESP* single = OCSP_resp_get0(fuzzed, i);
        int reason = -1;
        ASN1_GENERALIZEDTIME* revtime = nullptr;
        ASN1_GENERALIZEDTIME* thisupd = nullptr;
        ASN1_GENERALIZEDTIME* nextupd = nullptr;
        const int status = OCSP_single_get0_status(single, &reason, &revtime, &thisupd, &nextupd);
        OCSP_CERTID* id = const_cast<OCSP_CERTID*>(OCSP_SINGLERESP_get0_id(single));
        if (status < 0 || thisupd == nullptr ||
            OCSP_basic_add1_status(out, id, status, reason, revtime, thisupd, nextupd) == nullptr)
            continue;
    }
    for (int i = 0; i < OCSP_BASICRESP_get_ext_count(fuzzed); ++i)
        OCSP_BASICRESP_add_ext(out, OCSP_BASICRESP_get_ext(fuzzed, i), -1);
    return out;
}

/// Modes 2-3: the fuzzed response with a valid signature (and, on request, the right nonce).
Bytes resign(const Reply& reply, ByteView request_der)
{
    const fuzz::FuzzPki& pki = fuzz::fuzz_pki();
    const unsigned char* p = reply.body.data();
    OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(reply.body.size()));
    if (resp == nullptr) return reply.body;
    OCSP_BASICRESP* fuzzed = OCSP_response_get1_basic(resp);
    OCSP_RESPONSE_free(resp);
    if (fuzzed == nullptr) return reply.body;
    OCSP_BASICRESP* basic = rebuild(fuzzed);
    OCSP_BASICRESP_free(fuzzed);
    Bytes out = reply.body;
    if (basic == nullptr) return out;
    if ((reply.flags & 4) != 0) {
        for (int i; (i = OCSP_BASICRESP_get_ext_by_NID(basic, NID_id_pkix_OCSP_Nonce, -1)) >= 0;)
            X509_EXTENSION_free(OCSP_BASICRESP_delete_ext(basic, i));
        const unsigned char* q = request_der.data();
        OCSP_REQUEST* req = d2i_OCSP_REQUEST(nullptr, &q, static_cast<long>(request_der.size()));
        if (req != nullptr) OCSP_copy_nonce(basic, req);
        OCSP_REQUEST_free(req);
    }
    const bool by_responder = (reply.flags & 3) == 3;
    if (OCSP_basic_sign(basic, by_responder ? pki.responder : pki.ca,
                        by_responder ? pki.responder_key : pki.ca_key, EVP_sha256(), nullptr,
                        by_responder ? 0UL : OCSP_NOCERTS) == 1) {
        OCSP_RESPONSE* signed_resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
        if (signed_resp != nullptr) out = der_of(signed_resp);
        OCSP_RESPONSE_free(signed_resp);
    }
    ERR_clear_error();
    OCSP_BASICRESP_free(basic);
    return out;
}

Bytes http_reply(ByteView request_body)
{
    Reply reply;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        reply = g_reply;
    }
    if ((reply.flags & 3) == 0) return reply.body;
    const Bytes body = (reply.flags & 3) == 1 ? reply.body : resign(reply, request_body);
    const std::string head = "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    Bytes out(head.begin(), head.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

/// Reads one HTTP request (headers + Content-Length body), bounded; returns the body.
Bytes read_request(int fd)
{
    std::string text;
    char buf[4096];
    std::size_t need = std::string::npos;
    while (text.size() < (1U << 20)) {
        if (need != std::string::npos && text.size() >= need) break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        const auto end = text.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
            std::size_t length = 0;
            for (const char* name : {"Content-Length:", "content-length:"})
                if (auto at = text.find(name); at != std::string::npos && at < end)
                    length = std::strtoul(text.c_str() + at + std::string(name).size(), nullptr, 10);
            need = end + 4 + length;
        }
    }
    const auto end = text.find("\r\n\r\n");
    if (end == std::string::npos) return {};
    return Bytes(text.begin() + static_cast<std::ptrdiff_t>(end + 4), text.end());
}

/// The responder: one connection at a time, answer, close. Started once, runs until exit.
std::string start_responder()
{
    std::signal(SIGPIPE, SIG_IGN);  // a client that gives up early must not kill the harness
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener, 8) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        std::abort();
    std::thread([listener] {
        for (;;) {
            const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            const Bytes request = read_request(fd);
            const Bytes reply = http_reply(request);
            std::size_t done = 0;
            while (done < reply.size()) {
                const ssize_t n = ::send(fd, reply.data() + done, reply.size() - done, MSG_NOSIGNAL);
                if (n <= 0) break;
                done += static_cast<std::size_t>(n);
            }
            ::shutdown(fd, SHUT_WR);
            char drain[256];
            while (::recv(fd, drain, sizeof drain, 0) > 0) {
            }
            ::close(fd);
        }
    }).detach();
    return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/ocsp";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const std::string url = start_responder();
    const fuzz::FuzzPki& pki = fuzz::fuzz_pki();
    fuzz::ByteReader in(ByteView(data, size));
    const std::uint8_t flags = in.u8();
    const ByteView body = in.rest();
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_reply.flags = flags;
        g_reply.body.assign(body.begin(), body.end());
    }

    Config config;
    config.ocsp.require_nonce = (flags & 8) != 0;
    config.ocsp.timeout = std::chrono::seconds(5);
    config.ocsp.max_response_bytes = 65536;
    revocation::SourceInput source;
    source.leaf = pki.leaf;
    source.issuer = pki.ca;
    source.now = fuzz::kNow;
    source.config = &config;

    const revocation::StatusResult r = revocation::check_ocsp(source, url);
    if (fuzz::verbose())
        std::fprintf(stderr, "%s: %s\n", revocation::to_string(r.status), r.detail.c_str());
    if (r.status != revocation::CertStatus::Unknown && r.source != "ocsp:" + url) __builtin_trap();
    if (r.status == revocation::CertStatus::OnHold && r.crl_reason != 6) __builtin_trap();
    return 0;
}
