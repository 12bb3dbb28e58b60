// Name resolution is bounded by the look-up's timeout (issue 10 §4: "a resolver with a
// timeout"). Run by run-with-dead-dns.sh: /etc/resolv.conf points at 127.0.0.1:53, where this
// test listens on UDP and never answers, so getaddrinfo alone would wait 2 x 5 s; libcurl's
// threaded resolver gives up when [ocsp] timeout.seconds is over.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "lab.hpp"

using namespace revtest;
using mynacard::revocation::CertStatus;

namespace {

/// UDP 127.0.0.1:53 that counts datagrams and answers none.
class DeadDns {
public:
    DeadDns()
    {
        m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(53);
        m_bound = m_fd >= 0 && ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        if (m_bound) m_thread = std::thread([this] { run(); });
    }
    ~DeadDns()
    {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
        if (m_fd >= 0) ::close(m_fd);
    }
    bool bound() const { return m_bound; }
    int queries() const { return m_queries.load(); }

private:
    void run()
    {
        char buf[512];
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 50) > 0 && ::recv(m_fd, buf, sizeof buf, 0) > 0) ++m_queries;
        }
    }
    int m_fd = -1;
    bool m_bound = false;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_queries{0};
    std::thread m_thread;
};

}  // namespace

TEST_CASE("a DNS server that never answers costs the look-up's timeout, not the resolver's")
{
    DeadDns dns;
    REQUIRE(dns.bound());
    Lab lab;
    auto leaf = make_leaf(lab.ca, {"leaf", 0x1000});
    lab.config.ocsp.url = "http://ocsp.mynacard.test/ocsp";  // resolved through the dead server
    lab.config.ocsp.timeout = std::chrono::seconds(2);
    const auto start = std::chrono::steady_clock::now();
    auto r = lab.checker()->status(leaf.x509(), "");
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(r.detail);
    CHECK(r.status == CertStatus::Unknown);
    CHECK(r.detail.find("timed out") != std::string::npos);
    CHECK(dns.queries() >= 1);                        // the name really went to the resolver
    CHECK(took < std::chrono::milliseconds(4500));     // glibc alone: 2 attempts x 5 s
    CHECK(took >= std::chrono::milliseconds(1500));

    // A CRL URL likewise ([crl] timeout.seconds).
    lab.config.ocsp.url.clear();
    lab.config.crl.urls = {"http://crl.mynacard.test/ca.crl"};
    lab.config.crl.timeout = std::chrono::seconds(1);
    const auto crl_start = std::chrono::steady_clock::now();
    auto crl = lab.checker()->status(leaf.x509(), "");
    CHECK(crl.status == CertStatus::Unknown);
    CHECK(std::chrono::steady_clock::now() - crl_start < std::chrono::milliseconds(3500));
}
