// VpcdLink against a scripted vpcd (a TCP listener on 127.0.0.1 in this process): framing,
// control codes, APDUs, removal/reinsertion, reconnection after vpcd drops the connection, and
// Faults::remove_after_apdus with reinsert_after. No pcscd involved.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "vcard/vpcd_link.hpp"
#include "vcard_test_util.hpp"

using namespace vcard_test;

namespace {

/// The vpcd side: listens, accepts one card at a time, sends framed messages.
class FakeVpcd {
public:
    FakeVpcd()
    {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_listen >= 0);
        int one = 1;
        ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(m_listen, 4) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        m_port = ntohs(addr.sin_port);
    }
    ~FakeVpcd()
    {
        drop();
        ::close(m_listen);
    }
    int port() const { return m_port; }

    /// Waits for the card to connect.
    bool accept(std::chrono::milliseconds timeout = std::chrono::seconds(5))
    {
        pollfd p{m_listen, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
        m_card = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        return m_card >= 0;
    }
    void drop()
    {
        if (m_card >= 0) ::close(m_card);
        m_card = -1;
    }
    /// True when the card closed its side (read returns 0 or an error within the timeout).
    bool card_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5))
    {
        pollfd p{m_card, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
        std::uint8_t b;
        return ::recv(m_card, &b, 1, 0) <= 0;
    }
    void send(const Bytes& payload)
    {
        Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8), static_cast<std::uint8_t>(payload.size())};
        frame.insert(frame.end(), payload.begin(), payload.end());
        REQUIRE(::send(m_card, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size()));
    }
    std::optional<Bytes> receive()
    {
        std::uint8_t header[2];
        if (!read_exact(header, 2)) return std::nullopt;
        Bytes payload((static_cast<std::size_t>(header[0]) << 8) | header[1]);
        if (!payload.empty() && !read_exact(payload.data(), payload.size())) return std::nullopt;
        return payload;
    }
    std::optional<Bytes> exchange(const Bytes& apdu)
    {
        send(apdu);
        return receive();
    }

private:
    bool read_exact(std::uint8_t* p, std::size_t n)
    {
        while (n > 0) {
            pollfd pfd{m_card, POLLIN, 0};
            if (::poll(&pfd, 1, 5000) != 1) return false;
            const ssize_t r = ::recv(m_card, p, n, 0);
            if (r <= 0) return false;
            p += r;
            n -= static_cast<std::size_t>(r);
        }
        return true;
    }
    int m_listen = -1;
    int m_card = -1;
    int m_port = 0;
};

const Bytes kSelectJpki = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};

}  // namespace

TEST_CASE("vpcd link: ATR on control 04, APDUs answered, power controls reach the card")
{
    FakeVpcd vpcd;
    auto card = std::make_shared<VirtualJpkiCard>(test_pki());
    VpcdLink link(card, "127.0.0.1", vpcd.port());
    REQUIRE(vpcd.accept());
    for (int i = 0; i < 100 && !link.connected(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(link.connected());
    vpcd.send({0x04});
    CHECK(vpcd.receive() == card->atr());
    vpcd.send({0x01});  // power on: no reply
    CHECK(vpcd.exchange(kSelectJpki) == Bytes{0x90, 0x00});
    CHECK(vpcd.exchange({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18}) == Bytes{0x90, 0x00});
    CHECK(vpcd.exchange({0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'}) == Bytes{0x90, 0x00});
    CHECK(card->verified(0x18));
    vpcd.send({0x02});  // warm reset: login kept (jpki-card.md §1.9 assumption)
    vpcd.send({0x04});
    CHECK(vpcd.receive() == card->atr());
    CHECK(card->verified(0x18));
    vpcd.send({0x00});  // power off: login gone
    vpcd.send({0x04});
    CHECK(vpcd.receive() == card->atr());
    CHECK_FALSE(card->verified(0x18));
    CHECK_FALSE(card->powered());
    // An APDU to an unpowered card powers it up (vpcd may deliver a stale power-down).
    CHECK(vpcd.exchange(kSelectJpki) == Bytes{0x90, 0x00});
    CHECK(card->powered());
}

TEST_CASE("vpcd link: remove closes the connection, insert reconnects")
{
    FakeVpcd vpcd;
    auto card = std::make_shared<VirtualJpkiCard>(test_pki());
    VpcdLink link(card, "127.0.0.1", vpcd.port());
    REQUIRE(vpcd.accept());
    link.remove();
    CHECK_FALSE(link.connected());
    CHECK(vpcd.card_closed());
    vpcd.drop();
    CHECK_FALSE(vpcd.accept(std::chrono::milliseconds(300)));  // stays out
    link.insert();
    REQUIRE(vpcd.accept());
    CHECK(vpcd.exchange(kSelectJpki) == Bytes{0x90, 0x00});
}

TEST_CASE("vpcd link: reconnects when vpcd drops the connection, and waits for vpcd to listen")
{
    auto card = std::make_shared<VirtualJpkiCard>(test_pki());
    std::optional<FakeVpcd> vpcd(std::in_place);
    const int port = vpcd->port();
    VpcdLink link(card, "127.0.0.1", port);
    REQUIRE(vpcd->accept());
    vpcd->drop();  // vpcd side closes (pcscd restart)
    REQUIRE(vpcd->accept());
    CHECK(vpcd->exchange(kSelectJpki) == Bytes{0x90, 0x00});
}

TEST_CASE("vpcd link: remove_after_apdus pulls the card, reinsert_after brings it back")
{
    FakeVpcd vpcd;
    CardOptions options;
    options.faults.remove_after_apdus = 2;
    options.faults.reinsert_after = std::chrono::milliseconds(300);
    auto card = std::make_shared<VirtualJpkiCard>(test_pki(), options);
    VpcdLink link(card, "127.0.0.1", vpcd.port());
    REQUIRE(vpcd.accept());
    CHECK(vpcd.exchange(kSelectJpki) == Bytes{0x90, 0x00});
    CHECK(vpcd.exchange(kSelectJpki) == Bytes{0x90, 0x00});  // the 2nd is still answered
    CHECK(vpcd.card_closed());
    vpcd.drop();
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(vpcd.accept());
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(250));
    CHECK(vpcd.exchange(kSelectJpki) == Bytes{0x90, 0x00});  // counted from the new power-on
}

TEST_CASE("vpcd link: empty host and port 0 take MYNACARD_VPCD_HOST/PORT")
{
    FakeVpcd vpcd;
    ::setenv("MYNACARD_VPCD_HOST", "127.0.0.1", 1);
    ::setenv("MYNACARD_VPCD_PORT", std::to_string(vpcd.port()).c_str(), 1);
    auto card = std::make_shared<VirtualJpkiCard>(test_pki());
    VpcdLink link(card, "", 0);
    REQUIRE(vpcd.accept());
    CHECK(vpcd.exchange(kSelectJpki) == Bytes{0x90, 0x00});
    CHECK(&link.card() == card.get());
}
