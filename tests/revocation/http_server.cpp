#include "http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <cstring>
#include <stdexcept>

namespace revtest {
namespace {

int listen_loopback(int& port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket");
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 8) != 0) {
        ::close(fd);
        throw std::runtime_error("bind/listen 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
}

}  // namespace

HttpServer::HttpServer(Handler handler, Mode mode, std::optional<TlsIdentity> tls)
    : m_handler(std::move(handler)), m_mode(mode), m_tls(tls)
{
    if (m_tls) {
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        if (ctx == nullptr || SSL_CTX_use_certificate(ctx, m_tls->cert) != 1 ||
            SSL_CTX_use_PrivateKey(ctx, m_tls->key) != 1)
            throw std::runtime_error("TLS server context");
        m_ssl_ctx = ctx;
    }
    m_listen = listen_loopback(m_port);
    m_thread = std::thread([this] { run(); });
}

HttpServer::~HttpServer()
{
    m_stop = true;
    m_thread.join();
    for (int fd : m_held) ::close(fd);
    ::close(m_listen);
    if (m_ssl_ctx != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(m_ssl_ctx));
}

std::string HttpServer::url(const std::string& path) const
{
    return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port) + path;
}

std::vector<std::string> HttpServer::request_lines() const
{
    std::lock_guard lock(m_lines_mutex);
    return m_lines;
}

int HttpServer::unused_port()
{
    int port = 0;
    int fd = listen_loopback(port);
    ::close(fd);
    return port;
}

void HttpServer::run()
{
    while (!m_stop) {
        pollfd p{m_listen, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        ++m_requests;
        if (m_mode == Mode::Silent) {
            m_held.push_back(fd);  // never answered; closed when the server stops
            continue;
        }
        serve(fd);
        ::close(fd);
    }
}

namespace {

ssize_t io_read(int fd, SSL* ssl, char* buf, std::size_t n)
{
    if (ssl == nullptr) return ::read(fd, buf, n);
    const int r = SSL_read(ssl, buf, static_cast<int>(n));
    return r > 0 ? r : -1;
}

bool io_write_all(int fd, SSL* ssl, const std::string& out)
{
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ssl != nullptr ? SSL_write(ssl, out.data() + done, static_cast<int>(out.size() - done))
                                   : ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

std::optional<std::string> HttpServer::read_request(int fd, void* ssl_ptr, HttpRequest& req)
{
    SSL* ssl = static_cast<SSL*>(ssl_ptr);
    std::string data;
    std::size_t header_end = std::string::npos;
    std::size_t content_length = 0;
    char buf[4096];
    for (;;) {
        if (ssl == nullptr || SSL_pending(ssl) == 0) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0) return std::nullopt;
        }
        ssize_t n = io_read(fd, ssl, buf, sizeof buf);
        if (n <= 0) return std::nullopt;
        data.append(buf, static_cast<std::size_t>(n));
        if (header_end == std::string::npos) {
            header_end = data.find("\r\n\r\n");
            if (header_end == std::string::npos) continue;
            std::string headers = data.substr(0, header_end);
            for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            auto cl = headers.find("content-length:");
            if (cl != std::string::npos) content_length = std::stoul(headers.substr(cl + 15));
            auto host = headers.find("\r\nhost:");
            if (host != std::string::npos) {
                auto start = data.find_first_not_of(' ', host + 7);
                req.host = data.substr(start, data.find("\r\n", start) - start);
            }
        }
        if (data.size() >= header_end + 4 + content_length) break;
    }
    std::size_t sp1 = data.find(' ');
    std::size_t sp2 = data.find(' ', sp1 + 1);
    req.method = data.substr(0, sp1);
    req.path = data.substr(sp1 + 1, sp2 - sp1 - 1);
    req.body.assign(data.begin() + static_cast<long>(header_end + 4), data.end());
    return req.method + " " + req.path;
}

void HttpServer::serve(int fd)
{
    SSL* ssl = nullptr;
    if (m_ssl_ctx != nullptr) {
        ssl = SSL_new(static_cast<SSL_CTX*>(m_ssl_ctx));
        timeval tv{2, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1) {
            SSL_free(ssl);
            return;  // e.g. the client refused our certificate
        }
    }
    HttpRequest req;
    if (auto line = read_request(fd, ssl, req)) {
        {
            std::lock_guard lock(m_lines_mutex);
            m_lines.push_back(*line);
        }
        HttpReply reply = m_handler(req);
        std::string head = "HTTP/1.0 " + std::to_string(reply.status) + (reply.status == 200 ? " OK" : " Error") +
                           "\r\nContent-Type: " + reply.content_type +
                           "\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
        (void)io_write_all(fd, ssl, head + std::string(reply.body.begin(), reply.body.end()));
    }
    if (ssl != nullptr) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
}

}  // namespace revtest
