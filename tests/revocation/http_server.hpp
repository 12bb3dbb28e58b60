// A tiny HTTP/1.0 server on 127.0.0.1 (ephemeral port, loopback only) in a thread of the test,
// standing in for an OCSP responder or a CRL distribution point, over TLS when given a
// certificate (https), or for an HTTP proxy (it records each request line: a proxied request
// names the absolute URL, an https one is a CONNECT). It can also accept and never answer (the
// "slow responder" case). Stopped and joined by the destructor.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <mutex>
#include <optional>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mynacard/bytes.hpp"

namespace revtest {

struct HttpRequest {
    std::string method;
    std::string path;  ///< as sent: "/x", or "http://host:port/x" to a proxy, "host:port" for CONNECT
    std::string host;  ///< the Host header
    mynacard::Bytes body;
};

/// The server's certificate and key for https (borrowed; must outlive the server).
struct TlsIdentity {
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
};

struct HttpReply {
    int status = 200;
    std::string content_type = "application/ocsp-response";
    mynacard::Bytes body;
};

class HttpServer {
public:
    using Handler = std::function<HttpReply(const HttpRequest&)>;
    enum class Mode { Answer, Silent };

    explicit HttpServer(Handler handler, Mode mode = Mode::Answer, std::optional<TlsIdentity> tls = std::nullopt);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    int port() const { return m_port; }
    std::string url(const std::string& path = "/") const;
    int requests() const { return m_requests.load(); }
    /// The request lines received so far ("POST /ocsp", "GET http://127.0.0.1:1/a.crl", ...).
    std::vector<std::string> request_lines() const;

    /// A port on 127.0.0.1 where nothing listens (bound, then closed): connection refused.
    static int unused_port();

private:
    void run();
    void serve(int fd);
    std::optional<std::string> read_request(int fd, void* ssl, HttpRequest& req);

    Handler m_handler;
    Mode m_mode;
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_requests{0};
    std::optional<TlsIdentity> m_tls;
    void* m_ssl_ctx = nullptr;  ///< SSL_CTX when m_tls
    mutable std::mutex m_lines_mutex;
    std::vector<std::string> m_lines;
    std::vector<int> m_held;  ///< Silent mode: accepted connections kept open
    std::thread m_thread;
};

}  // namespace revtest
