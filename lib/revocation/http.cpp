#include "http.hpp"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

namespace mynacard::revocation {
namespace {

// curl_global_init once per process; never cleaned up (the module may be unloaded while another
// library of the application still uses libcurl, and cleanup is not thread-safe).
std::once_flag g_curl_init;
CURLcode g_curl_init_rc = CURLE_OK;

CURLcode ensure_curl()
{
    std::call_once(g_curl_init, [] {
        g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        // A look-up that timed out while resolving leaves libcurl's resolver thread to finish
        // getaddrinfo on its own (CURLOPT_QUICK_EXIT below). If the application then unloads the
        // PKCS#11 module, libcurl must stay mapped under that thread: mark it RTLD_NODELETE.
        Dl_info info{};
        if (dladdr(reinterpret_cast<void*>(&curl_easy_init), &info) != 0 && info.dli_fname != nullptr)
            (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    });
    return g_curl_init_rc;
}

struct EasyDeleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

std::string lower(std::string s)
{
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Result<void> check_url(const std::string& url)
{
    const std::string l = lower(url);
    if (!l.starts_with("http://") && !l.starts_with("https://"))
        return Unexpected(Errc::InvalidArgument, "not an http:// or https:// URL: " + url);
    return {};
}

struct Sink {
    Bytes data;
    std::size_t max_bytes = 0;
    bool too_large = false;
};

std::size_t on_body(char* ptr, std::size_t size, std::size_t n, void* user)
{
    auto* sink = static_cast<Sink*>(user);
    const std::size_t len = size * n;
    if (sink->data.size() + len > sink->max_bytes) {
        sink->too_large = true;
        return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    sink->data.insert(sink->data.end(), reinterpret_cast<unsigned char*>(ptr), reinterpret_cast<unsigned char*>(ptr) + len);
    return len;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel != nullptr && cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

long clamp_seconds(std::chrono::seconds s)
{
    return static_cast<long>(std::clamp<long long>(s.count(), 1, 3600));
}

/// POST when `body` is set, else GET.
Result<Bytes> exchange(const std::string& url, const std::string* content_type, const ByteView* body,
                       const std::string& expected_type, const HttpOptions& options)
{
    MYNACARD_TRY_VOID(check_url(url));
    if (ensure_curl() != CURLE_OK) return Unexpected(Errc::Internal, "libcurl initialisation failed");
    std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
    if (!curl) return Unexpected(Errc::Internal, "libcurl: cannot create a handle");
    CURL* c = curl.get();

    Sink sink;
    sink.max_bytes = options.limits.max_bytes;
    char errbuf[CURL_ERROR_SIZE] = {};
    const long timeout = clamp_seconds(options.limits.timeout);
    const long connect_timeout = std::min(timeout, clamp_seconds(options.limits.connect_timeout));

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&](const std::string& h) {
        curl_slist* l = curl_slist_append(headers.get(), h.c_str());
        if (l != nullptr) {
            (void)headers.release();
            headers.reset(l);
        }
        return l != nullptr;
    };

    bool ok = curl_easy_setopt(c, CURLOPT_URL, url.c_str()) == CURLE_OK &&
              // Only http and https, also for anything the proxy settings could bring in.
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              // Redirects are not followed: the endpoint is what the configuration names (and
              // a redirect could lead past no_proxy or to another scheme).
              curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              // The module runs in other programs' threads: no SIGALRM for timeouts (the
              // threaded resolver needs none).
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              // When the timeout (or a cancel) strikes during name resolution, do not wait for
              // getaddrinfo to return (it has no timeout: resolv.conf's, up to 30 s): the
              // resolver thread is detached and ends by itself.
              curl_easy_setopt(c, CURLOPT_QUICK_EXIT, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_timeout) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.limits.max_bytes)) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(options.cancel)) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERAGENT, "mynacard") == CURLE_OK &&
              // Peer and host name verification stay on (libcurl's defaults); a configured CA
              // file replaces the system store.
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
    if (ok && options.ca_file) ok = curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file->c_str()) == CURLE_OK;
    if (ok && body != nullptr) {
        ok = curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_POSTFIELDS, reinterpret_cast<const char*>(body->data())) == CURLE_OK &&
             curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size())) == CURLE_OK &&
             add_header("Content-Type: " + *content_type) && add_header("Expect:");
    }
    if (ok && !expected_type.empty()) ok = add_header("Accept: " + expected_type);
    if (ok && headers) ok = curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK;
    if (!ok) return Unexpected(Errc::Internal, "libcurl: an option was refused (" + url + ")");

    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED)
            return Unexpected(Errc::Transport, "response larger than " + std::to_string(options.limits.max_bytes) + " bytes: " + url);
        if (rc == CURLE_ABORTED_BY_CALLBACK) return Unexpected(Errc::Cancelled, "cancelled: " + url);
        std::string why = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
        long os_errno = 0;
        if (curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0)
            why += std::string(" (") + std::strerror(static_cast<int>(os_errno)) + ")";
        if (rc == CURLE_OPERATION_TIMEDOUT)
            return Unexpected(Errc::Timeout, "timed out after " + std::to_string(timeout) + " s: " + url + " (" + why + ")");
        return Unexpected(Errc::Transport, url + ": " + why);
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
        std::string what = "HTTP status " + std::to_string(code);
        if (code >= 300 && code < 400) {
            char* location = nullptr;
            curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
            what += " (redirects are not followed" + (location != nullptr ? std::string(": ") + location : std::string()) + ")";
        }
        return Unexpected(Errc::Transport, what + ": " + url);
    }
    if (!expected_type.empty()) {
        char* type = nullptr;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
        std::string got = type != nullptr ? lower(type) : std::string();
        got = got.substr(0, got.find(';'));
        while (!got.empty() && got.back() == ' ') got.pop_back();
        if (got != lower(expected_type))
            return Unexpected(Errc::Transport, "unexpected content type \"" + got + "\" (expected " + expected_type + "): " + url);
    }
    return std::move(sink.data);
}

}  // namespace

HttpOptions http_options_for(const Config& config, HttpPurpose purpose, const std::atomic<bool>* cancel)
{
    HttpOptions o;
    if (purpose == HttpPurpose::Ocsp) {
        o.limits.timeout = config.ocsp.timeout;
        o.limits.max_bytes = config.ocsp.max_response_bytes;
    } else {
        o.limits.timeout = config.crl.timeout;
        o.limits.max_bytes = config.crl.max_bytes;
    }
    // Resolving, connecting and the TLS handshake may use all of it; the transfer what is left.
    o.limits.connect_timeout = o.limits.timeout;
    o.ca_file = config.revocation.ca_file;
    o.cancel = cancel;
    return o;
}

Result<Bytes> http_post(const std::string& url, const std::string& content_type, ByteView body,
                        const std::string& expected_type, const HttpOptions& options)
{
    return exchange(url, &content_type, &body, expected_type, options);
}

Result<Bytes> http_get(const std::string& url, const HttpOptions& options)
{
    return exchange(url, nullptr, nullptr, std::string(), options);
}

}  // namespace mynacard::revocation
