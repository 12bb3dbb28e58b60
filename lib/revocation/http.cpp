#include "http.hpp"

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/httperr.h>

#include <algorithm>

#include "ossl.hpp"

namespace mynacard::revocation {
namespace {

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

}  // namespace

Result<Bytes> http_post(const std::string& url, const std::string& content_type, ByteView body,
                        const std::string& expected_type, const HttpLimits& limits)
{
    MYNACARD_TRY_VOID(check_url(url));
    int use_ssl = 0;
    char* host = nullptr;
    char* port = nullptr;
    char* path = nullptr;
    OSSL_HTTP_parse_url(url.c_str(), &use_ssl, nullptr, &host, &port, nullptr, &path, nullptr, nullptr);
    ossl::BioPtr req(BIO_new_mem_buf(body.data(), static_cast<int>(body.size())));
    std::time_t started = std::time(nullptr);
    BIO* response = OSSL_HTTP_transfer(nullptr, host, port, path, 0, nullptr, nullptr, nullptr, nullptr, nullptr,
                                       nullptr, 0, nullptr, content_type.c_str(), req.get(),
                                       expected_type.empty() ? nullptr : expected_type.c_str(), 1,
                                       limits.max_bytes, timeout_seconds(limits), 0);
    OPENSSL_free(host);
    OPENSSL_free(port);
    OPENSSL_free(path);
    return finish(response, url, limits, started);
}

Result<Bytes> http_get(const std::string& url, const HttpLimits& limits)
{
    MYNACARD_TRY_VOID(check_url(url));
    std::time_t started = std::time(nullptr);
    BIO* response = OSSL_HTTP_get(url.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                                  nullptr, 1, limits.max_bytes, timeout_seconds(limits));
    return finish(response, url, limits, started);
}

}  // namespace mynacard::revocation
