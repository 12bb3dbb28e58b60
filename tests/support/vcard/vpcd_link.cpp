// VpcdLink: the vpcd side of vsmartcard's protocol (virtualsmartcard docs, "Creating a virtual
// smart card"): vpcd listens, the virtual card connects. Every message is a 2-byte big-endian
// length and a payload; vpcd sends 1-byte control codes (00 power off, 01 power on, 02 reset,
// 04 get ATR: we reply with the ATR; the others get no reply) or an APDU (we reply with the
// response). pcscd sees the card while the TCP connection is up: closing it is a removal,
// reconnecting an insertion. vpcd polls presence by asking for the ATR, so that must be quick.
#include "vpcd_link.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>

#include "card_apdu.hpp"
#include "pcsc_probe.hpp"

namespace mynacard::vcard {
namespace {

using clock_type = std::chrono::steady_clock;

int connect_tcp(const std::string& host, int port)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list) != 0) return -1;
    int fd = -1;
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

bool read_exact(int fd, std::uint8_t* p, std::size_t n)
{
    while (n > 0) {
        const ssize_t r = ::recv(fd, p, n, 0);
        if (r == 0) return false;
        if (r < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += r;
        n -= static_cast<std::size_t>(r);
        // vpcd's driver writes a frame's length and its body in two send() calls without
        // TCP_NODELAY, so Nagle holds the body until our ACK of the length, and a delayed ACK
        // would cost ~40 ms per APDU. TCP_QUICKACK is not sticky on Linux (tcp(7)): set it
        // again after every read.
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    }
    return true;
}

bool send_message(int fd, ByteView payload)
{
    if (payload.size() > 0xFFFF) return false;
    Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8),
                static_cast<std::uint8_t>(payload.size() & 0xFF)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    std::size_t sent = 0;
    while (sent < frame.size()) {
        const ssize_t w = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        sent += static_cast<std::size_t>(w);
    }
    return true;
}

/// Closes with a TCP reset instead of a FIN. vpcd treats a FIN that arrives between its send
/// and its receive as a successful 0-byte response (ifd-vpcd returns IFD_SUCCESS when recv
/// returns 0), which no real reader would report; a reset makes that exchange fail as a pulled
/// card does, and pcscd then sees the card gone.
void close_abortively(int fd)
{
    const linger abort_on_close{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    ::close(fd);
}

std::string env_or(const char* name, const std::string& fallback)
{
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

}  // namespace

struct VpcdLink::Impl {
    enum class End { Stop, Removed, Pulled, Dropped, Reset };

    std::shared_ptr<VirtualJpkiCard> card;
    std::string host;
    int port = 0;

    std::mutex mutex;
    std::condition_variable changed;
    bool stop = false;
    bool want_connected = true;
    bool connected = false;
    std::optional<clock_type::time_point> reinsert_at;
    int wake_pipe[2] = {-1, -1};
    std::thread thread;

    void wake()
    {
        changed.notify_all();
        const std::uint8_t b = 1;
        [[maybe_unused]] const ssize_t w = ::write(wake_pipe[1], &b, 1);
    }

    void set_connected(bool value)
    {
        {
            std::lock_guard lock(mutex);
            connected = value;
        }
        changed.notify_all();
    }

    /// Waits until the link should be connected. False when stopping.
    bool wait_until_wanted()
    {
        std::unique_lock lock(mutex);
        for (;;) {
            if (stop) return false;
            if (reinsert_at && clock_type::now() >= *reinsert_at) {
                reinsert_at.reset();
                want_connected = true;
            }
            if (want_connected) return true;
            if (reinsert_at) changed.wait_until(lock, *reinsert_at);
            else changed.wait(lock);
        }
    }

    /// Sleeps `d` unless stopped or asked to change state first.
    void pause(std::chrono::milliseconds d)
    {
        std::unique_lock lock(mutex);
        changed.wait_for(lock, d, [&] { return stop || !want_connected; });
    }

    bool refuses(ByteView apdu) const
    {
        if (card->options().support_extended_length) return false;
        const auto parsed = detail::parse_card_command(apdu);
        return parsed && parsed->extended;
    }

    End serve(int fd)
    {
        for (;;) {
            pollfd fds[2] = {{fd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                return End::Dropped;
            }
            if (fds[1].revents & POLLIN) {
                std::uint8_t drain[64];
                while (::read(wake_pipe[0], drain, sizeof drain) > 0) {}
                std::lock_guard lock(mutex);
                if (stop) return End::Stop;
                if (!want_connected) return End::Removed;
            }
            if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            std::uint8_t header[2];
            if (!read_exact(fd, header, 2)) return End::Dropped;
            const std::size_t length = (static_cast<std::size_t>(header[0]) << 8) | header[1];
            Bytes payload(length);
            if (length > 0 && !read_exact(fd, payload.data(), length)) return End::Dropped;
            if (length == 1) {
                switch (payload[0]) {
                case 0x00: card->power_off(); break;
                case 0x01: card->power_on(); break;
                case 0x02: card->warm_reset(); break;
                case 0x04:
                    if (!send_message(fd, card->atr())) return End::Dropped;
                    break;
                default: break;  // unknown control byte: ignored, as vpicc does
                }
                continue;
            }
            if (length == 0) continue;
            // vpcd delivers a power-down meant for a card that was already removed to the next
            // card that connects (its vicc_poweroff accepts the new connection first), and
            // pcscd's power-up may come only after a client's first APDU. A reader powers a card
            // before talking to it, so an APDU to an unpowered card powers it up here (cold:
            // no selection, no verified PIN) instead of getting the empty answer vpcd would
            // pass on as a 0-byte response.
            if (!card->powered()) card->power_on();
            if (refuses(payload)) {
                // Switch no-extended: a reader that cannot carry an extended-length APDU refuses
                // it without involving the card. vpcd's protocol cannot fail one exchange (an
                // empty answer leaves pcscd's SCardTransmit waiting forever; closing the
                // connection is a removal), so the "reader" answers 67 00 (wrong length) itself;
                // the card's APDU counter does not move.
                if (!send_message(fd, Bytes{0x67, 0x00})) return End::Dropped;
                continue;
            }
            const Bytes response = card->process(payload);
            // Faults::drop_after_ins / reset_after_ins: the card ran it, the answer never leaves.
            if (const LinkFault f = card->take_link_fault(); f != LinkFault::None)
                return f == LinkFault::Drop ? End::Pulled : End::Reset;
            if (!send_message(fd, response)) return End::Dropped;
            if (card->pulled()) return End::Pulled;  // Faults::remove_after_apdus
        }
    }

    void run()
    {
        while (wait_until_wanted()) {
            const int fd = connect_tcp(host, port);
            if (fd < 0) {
                pause(std::chrono::milliseconds(100));  // vpcd not listening yet: retry
                continue;
            }
            set_connected(true);
            const End end = serve(fd);
            card->power_off();  // removed from the reader: no power (before vpcd can see it go)
            close_abortively(fd);
            set_connected(false);
            if (end == End::Stop) return;
            if (end == End::Pulled) {
                const auto delay = card->options().faults.reinsert_after;
                std::lock_guard lock(mutex);
                want_connected = false;
                if (delay) reinsert_at = clock_type::now() + *delay;
            } else if (end == End::Dropped) {
                pause(std::chrono::milliseconds(100));  // vpcd went away: reconnect when back
            }
        }
    }
};

VpcdLink::VpcdLink(std::shared_ptr<VirtualJpkiCard> card, std::string host, int port)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->card = std::move(card);
    m_impl->host = host.empty() ? env_or("MYNACARD_VPCD_HOST", "127.0.0.1") : std::move(host);
    m_impl->port = port > 0 ? port : std::atoi(env_or("MYNACARD_VPCD_PORT", "35963").c_str());
    if (::pipe2(m_impl->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::runtime_error(std::string("VpcdLink: pipe2: ") + std::strerror(errno));
    m_impl->thread = std::thread([impl = m_impl.get()] { impl->run(); });
}

VpcdLink::~VpcdLink()
{
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->stop = true;
    }
    m_impl->wake();
    if (m_impl->thread.joinable()) m_impl->thread.join();
    ::close(m_impl->wake_pipe[0]);
    ::close(m_impl->wake_pipe[1]);
}

void VpcdLink::remove()
{
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->want_connected = false;
        m_impl->reinsert_at.reset();
    }
    m_impl->wake();
    // Return once the socket is closed, so a following wait_absent() observes this removal.
    std::unique_lock lock(m_impl->mutex);
    m_impl->changed.wait_for(lock, std::chrono::seconds(5), [&] { return !m_impl->connected; });
}

void VpcdLink::insert()
{
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->want_connected = true;
        m_impl->reinsert_at.reset();
    }
    m_impl->wake();
}

bool VpcdLink::connected() const
{
    std::lock_guard lock(m_impl->mutex);
    return m_impl->connected;
}

bool VpcdLink::wait_present(const std::string& reader, std::chrono::milliseconds timeout)
{
    return wait_for_reader_state(reader, true, timeout);
}

bool VpcdLink::wait_absent(const std::string& reader, std::chrono::milliseconds timeout)
{
    return wait_for_reader_state(reader, false, timeout);
}

VirtualJpkiCard& VpcdLink::card() noexcept
{
    return *m_impl->card;
}

}  // namespace mynacard::vcard
