// A tiny HTTP/1.0 server on 127.0.0.1 (ephemeral port, loopback only) in a thread of the test,
// standing in for an OCSP responder or a CRL distribution point. It can also accept and never
// answer (the "slow responder" case). Stopped and joined by the destructor.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "mynacard/bytes.hpp"

namespace revtest {

struct HttpRequest {
    std::string method;
    std::string path;
    mynacard::Bytes body;
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

    explicit HttpServer(Handler handler, Mode mode = Mode::Answer);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    int port() const { return m_port; }
    std::string url(const std::string& path = "/") const;
    int requests() const { return m_requests.load(); }

    /// A port on 127.0.0.1 where nothing listens (bound, then closed): connection refused.
    static int unused_port();

private:
    void run();
    void serve(int fd);

    Handler m_handler;
    Mode m_mode;
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_requests{0};
    std::vector<int> m_held;  ///< Silent mode: accepted connections kept open
    std::thread m_thread;
};

}  // namespace revtest
