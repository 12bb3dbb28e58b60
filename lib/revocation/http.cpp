#include "http.hpp"

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/httperr.h>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "ossl.hpp"

namespace mynacard::revocation {
namespace {

/// Connects with a deadline. OpenSSL's own connect (BIO_do_connect_retry) keeps retrying a
/// refused connection until the timeout, which would turn "responder down" into a full timeout
/// on every check; here a refusal fails at once. (Name resolution uses getaddrinfo, which has
/// no timeout of its own; configured endpoints are normally IP literals or local names.)
Result<int> connect_with_deadline(const char* host, const char* port, std::chrono::steady_clock::time_point deadline)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (int rc = ::getaddrinfo(host, port, &hints, &list); rc != 0)
        return Unexpected(Errc::Transport, std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc));
    std::string last = "no address";
    for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            pollfd p{fd, POLLOUT, 0};
            int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
            if (ready <= 0) {
                ::close(fd);
                ::freeaddrinfo(list);
                return Unexpected(Errc::Timeout, std::string("connect to ") + host + ":" + port + " timed out");
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc == 0) {
            ::freeaddrinfo(list);
            return fd;
        }
        last = std::strerror(errno);
        ::close(fd);
    }
    ::freeaddrinfo(list);
    return Unexpected(Errc::Transport, std::string("connect to ") + host + ":" + port + ": " + last);
}

Result<void> check_url(const std::string& url)
{
    int use_ssl = 0;
    char* host = nullptr;
    char* port = nullptr;
    char* path = nullptr;
    int ok = OSSL_HTTP_parse_url(url.c_str(), &use_ssl, nullptr, &host, &port, nullptr, &path, nullptr, nullptr);
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    if (ok != 1) {
        ossl::drain_errors();
        return Unexpected(Errc::InvalidArgument, "not a valid URL: " + url);
    }
    if (use_ssl != 0) return Unexpected(Errc::InvalidArgument, "https is not supported (use http; the data is signed): " + url);
    return {};
}

int timeout_seconds(const HttpLimits& limits)
{
    return static_cast<int>(std::clamp<long long>(limits.timeout.count(), 1, 3600));
}

Result<Bytes> finish(BIO* response, const std::string& url, const HttpLimits& limits, std::time_t started)
{
    if (response == nullptr) {
        unsigned long code = ERR_peek_last_error();
        std::string why = ossl::drain_errors();
        bool timed_out = ERR_GET_REASON(code) == HTTP_R_RETRY_TIMEOUT ||
                         std::time(nullptr) - started >= static_cast<std::time_t>(timeout_seconds(limits));
        return Unexpected(timed_out ? Errc::Timeout : Errc::Transport,
                          (timed_out ? "timed out after " + std::to_string(timeout_seconds(limits)) + " s: " : std::string()) +
                              url + (why.empty() ? std::string() : " (" + why + ")"));
    }
    ossl::BioPtr owner(response);
    Bytes out;
    unsigned char buf[4096];
    for (;;) {
        int n = BIO_read(response, buf, sizeof buf);
        if (n <= 0) break;
        out.insert(out.end(), buf, buf + n);
        if (out.size() > limits.max_bytes)
            return Unexpected(Errc::Transport, "response larger than " + std::to_string(limits.max_bytes) + " bytes: " + url);
    }
    ossl::drain_errors();
    return out;
}

/// POST when `body` is set, else GET (no redirects: endpoints come from configuration).
Result<Bytes> exchange(const std::string& url, const char* content_type, const ByteView* body,
                       const char* expected_type, const HttpLimits& limits)
{
    MYNACARD_TRY_VOID(check_url(url));
    int use_ssl = 0;
    char* host = nullptr;
    char* port = nullptr;
    char* path = nullptr;
    OSSL_HTTP_parse_url(url.c_str(), &use_ssl, nullptr, &host, &port, nullptr, &path, nullptr, nullptr);
    std::time_t started = std::time(nullptr);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds(limits));
    auto fd = connect_with_deadline(host, port, deadline);
    if (!fd) {
        OPENSSL_free(host);
        OPENSSL_free(port);
        OPENSSL_free(path);
        return Unexpected(fd.error().code, fd.error().context + " (" + url + ")");
    }
    // The connected socket is handed to OpenSSL's HTTP client, which then only does the
    // exchange, bounded by what is left of the timeout (rbio set too: with rbio NULL it would
    // try to connect the BIO again). No proxy: the endpoint is configured.
    ossl::BioPtr socket(BIO_new_socket(*fd, BIO_CLOSE));
    if (!socket) ::close(*fd);
    ossl::BioPtr req(body != nullptr ? BIO_new_mem_buf(body->data(), static_cast<int>(body->size())) : nullptr);
    auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now()).count();
    BIO* response = !socket || (body != nullptr && !req)
                        ? nullptr
                        : OSSL_HTTP_transfer(nullptr, host, port, path, 0, nullptr, nullptr, socket.get(), socket.get(),
                                             nullptr, nullptr, 0, nullptr, content_type, req.get(), expected_type, 1,
                                             limits.max_bytes, static_cast<int>(std::max<long long>(left, 1)), 0);
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    return finish(response, url, limits, started);
}

}  // namespace

Result<Bytes> http_post(const std::string& url, const std::string& content_type, ByteView body,
                        const std::string& expected_type, const HttpLimits& limits)
{
    return exchange(url, content_type.c_str(), &body, expected_type.empty() ? nullptr : expected_type.c_str(), limits);
}

Result<Bytes> http_get(const std::string& url, const HttpLimits& limits)
{
    return exchange(url, nullptr, nullptr, nullptr, limits);
}

}  // namespace mynacard::revocation
