#include "http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

HttpServer::HttpServer(Handler handler, Mode mode) : m_handler(std::move(handler)), m_mode(mode)
{
    m_listen = listen_loopback(m_port);
    m_thread = std::thread([this] { run(); });
}

HttpServer::~HttpServer()
{
    m_stop = true;
    m_thread.join();
    for (int fd : m_held) ::close(fd);
    ::close(m_listen);
}

std::string HttpServer::url(const std::string& path) const
{
    return "http://127.0.0.1:" + std::to_string(m_port) + path;
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

void HttpServer::serve(int fd)
{
    std::string data;
    std::size_t header_end = std::string::npos;
    std::size_t content_length = 0;
    char buf[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) return;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return;
        data.append(buf, static_cast<std::size_t>(n));
        if (header_end == std::string::npos) {
            header_end = data.find("\r\n\r\n");
            if (header_end == std::string::npos) continue;
            std::string headers = data.substr(0, header_end);
            for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            auto cl = headers.find("content-length:");
            if (cl != std::string::npos) content_length = std::stoul(headers.substr(cl + 15));
        }
        if (data.size() >= header_end + 4 + content_length) break;
    }
    HttpRequest req;
    std::size_t sp1 = data.find(' ');
    std::size_t sp2 = data.find(' ', sp1 + 1);
    req.method = data.substr(0, sp1);
    req.path = data.substr(sp1 + 1, sp2 - sp1 - 1);
    req.body.assign(data.begin() + static_cast<long>(header_end + 4), data.end());
    HttpReply reply = m_handler(req);
    std::string head = "HTTP/1.0 " + std::to_string(reply.status) + (reply.status == 200 ? " OK" : " Error") +
                       "\r\nContent-Type: " + reply.content_type +
                       "\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
    std::string out = head + std::string(reply.body.begin(), reply.body.end());
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::write(fd, out.data() + done, out.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace revtest
