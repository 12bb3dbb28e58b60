// PcscTransport with a card present, through the private pcscd + vpcd (tools/dev/pcsc-env.sh).
// The card is a minimal vpcd client written here (an "echo card"), so these tests exercise the
// transport's own rules: connect, transactions, ATR -> extended length, reset by another party
// (reconnect + CardReset + epoch), removal (CardRemoved) and reinsertion. The JPKI behaviour
// through the same path is tested with the virtual JPKI card (tests/support/vcard).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "mynacard/apdu/pcsc.hpp"
#include "mynacard/apdu/transaction.hpp"

using mynacard::Bytes;
using mynacard::Errc;
using mynacard::apdu::Command;
using mynacard::apdu::Disposition;
using mynacard::apdu::PcscContext;
using mynacard::apdu::ReaderInfo;
using mynacard::apdu::Transaction;
using namespace std::chrono_literals;

namespace {

std::string env_or(const char* name, const char* fallback)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : fallback;
}

bool read_exact(int fd, std::uint8_t* p, std::size_t n)
{
    while (n > 0) {
        const ssize_t r = ::read(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

bool write_frame(int fd, const Bytes& payload)
{
    Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8),
                static_cast<std::uint8_t>(payload.size() & 0xFF)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    return ::write(fd, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size());
}

// vpcd protocol (vsmartcard): 2-byte big-endian length + payload. One-byte payloads from vpcd
// are control codes: 00 power off, 01 power on, 02 reset, 04 "send your ATR". Longer payloads
// are APDUs, answered with a response frame.
class EchoCard {
public:
    explicit EchoCard(Bytes atr) : m_atr(std::move(atr)) { insert(); }
    ~EchoCard() { remove(); }

    void insert()
    {
        remove();
        m_stop = false;
        m_thread = std::thread([this] { serve(); });
    }
    void remove()
    {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
    }
    int resets() const { return m_resets.load(); }
    int apdus() const { return m_apdus.load(); }

private:
    void serve()
    {
        const int port = std::atoi(env_or("MYNACARD_VPCD_PORT", "35963").c_str());
        int fd = -1;
        for (int i = 0; i < 100 && !m_stop; ++i) {
            fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(static_cast<std::uint16_t>(port));
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
            ::close(fd);
            fd = -1;
            std::this_thread::sleep_for(50ms);
        }
        if (fd < 0) return;
        while (!m_stop) {
            pollfd p{fd, POLLIN, 0};
            const int ready = ::poll(&p, 1, 50);
            if (ready < 0) break;
            if (ready == 0) continue;
            std::uint8_t len[2];
            if (!read_exact(fd, len, 2)) break;
            Bytes msg(static_cast<std::size_t>(len[0] << 8 | len[1]));
            if (!read_exact(fd, msg.data(), msg.size())) break;
            if (msg.size() == 1) {
                if (msg[0] == 0x04 && !write_frame(fd, m_atr)) break;
                if (msg[0] == 0x02 || msg[0] == 0x00) ++m_resets;
                continue;
            }
            ++m_apdus;
            if (!write_frame(fd, answer(msg))) break;
        }
        ::close(fd);  // vpcd sees the card leave
    }

    // READ BINARY answers Le bytes (Le from the short or extended field) of 0x5A; anything else
    // 90 00.
    static Bytes answer(const Bytes& apdu)
    {
        if (apdu.size() >= 5 && apdu[1] == 0xB0) {
            std::size_t le = 0;
            if (apdu.size() == 5) le = apdu[4] ? apdu[4] : 256;
            else if (apdu.size() == 7 && apdu[4] == 0) le = (apdu[5] << 8 | apdu[6]) ? (apdu[5] << 8 | apdu[6]) : 65536;
            Bytes out(le, 0x5A);
            out.push_back(0x90);
            out.push_back(0x00);
            return out;
        }
        return {0x90, 0x00};
    }

    Bytes m_atr;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_resets{0};
    std::atomic<int> m_apdus{0};
    std::thread m_thread;
};

const Bytes kAtrExtended{0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12,
                         0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B};
const Bytes kAtrShortOnly{0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01, 0x00, 0x00};

bool wait_present(const PcscContext& ctx, const std::string& reader, bool present,
                  std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto list = ctx.list_readers();
        if (list)
            for (const ReaderInfo& r : *list)
                if (r.name == reader && r.card_present == present) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

}  // namespace

TEST_CASE("pcsc card: connect, ATR, transaction, short and extended reads", "[apdu][pcsc]")
{
    const std::string reader = env_or("MYNACARD_VPCD_READER", "Virtual PCD 00 00");
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    REQUIRE(wait_present(*ctx, reader, false, 10s));
    {
        EchoCard card(kAtrExtended);
        REQUIRE(wait_present(*ctx, reader, true, 10s));
        auto list = ctx->list_readers();
        REQUIRE(list);
        for (const auto& r : *list)
            if (r.name == reader) CHECK(r.atr == kAtrExtended);

        auto t = ctx->connect(reader);
        REQUIRE(t);
        auto& transport = **t;
        CHECK(transport.atr() == kAtrExtended);
        CHECK(transport.extended_length());  // 73 C6 01 C0
        CHECK(transport.name() == reader);

        auto tx = Transaction::begin(transport);
        REQUIRE(tx);
        auto r = transceive(*tx, Command::read_binary(0, 256));
        REQUIRE(r);
        CHECK(r->sw.ok());
        CHECK(r->data == Bytes(256, 0x5A));
        auto big = transceive(*tx, Command::read_binary(0, 1500));  // extended Le
        REQUIRE(big);
        CHECK(big->data.size() == 1500);
        CHECK(tx->apdu_count() == 2);
    }
    REQUIRE(wait_present(*ctx, reader, false, 10s));
    {
        EchoCard card(kAtrShortOnly);
        REQUIRE(wait_present(*ctx, reader, true, 10s));
        auto t = ctx->connect(reader);
        REQUIRE(t);
        CHECK_FALSE((*t)->extended_length());  // 73 C6 01 00
        auto tx = Transaction::begin(**t);
        REQUIRE(tx);
        auto refused = transceive(*tx, Command::read_binary(0, 1500));
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == Errc::LengthOutOfRange);
    }
    // Leave the reader empty for the next test: pcscd must see this card go before another
    // connects, or the next test would talk to a stale slot.
    REQUIRE(wait_present(*ctx, reader, false, 10s));
}

TEST_CASE("pcsc card: reset by another party reconnects and reports CardReset", "[apdu][pcsc]")
{
    const std::string reader = env_or("MYNACARD_VPCD_READER", "Virtual PCD 00 00");
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    REQUIRE(wait_present(*ctx, reader, false, 10s));  // the previous test's card has left
    EchoCard card(kAtrExtended);
    REQUIRE(wait_present(*ctx, reader, true, 10s));
    auto ours = ctx->connect(reader);
    REQUIRE(ours);
    auto other_ctx = PcscContext::establish();
    REQUIRE(other_ctx);
    auto other = other_ctx->connect(reader);
    REQUIRE(other);

    const auto epoch0 = (*ours)->reset_epoch();
    auto reset_result = (*other)->reset(Disposition::Reset);  // another process warm-resets
    INFO((reset_result ? std::string("ok") : reset_result.error().message()));
    REQUIRE(reset_result);

    // transmit: the command is not executed, the caller learns the security state is gone.
    const Bytes select{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A};
    auto lost = (*ours)->transmit(select);
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code == Errc::CardReset);
    // SCardTransmit refused before sending: the one case where a VERIFY may be sent afterwards
    // (issue 10 §2).
    CHECK(lost.error().not_sent);
    CHECK((*ours)->reset_epoch() > epoch0);
    // ... and the transport works again.
    auto again = (*ours)->transmit(select);
    REQUIRE(again);
    CHECK(*again == Bytes{0x90, 0x00});

    // begin_transaction: reconnects silently, bumps the epoch, succeeds.
    const auto epoch1 = (*ours)->reset_epoch();
    REQUIRE((*other)->reset(Disposition::Unpower));
    auto tx = Transaction::begin(**ours);
    REQUIRE(tx);
    CHECK((*ours)->reset_epoch() > epoch1);
    auto r = transceive(*tx, Command::select_ef(0x000A));
    REQUIRE(r);
    CHECK(r->sw.ok());
}

TEST_CASE("pcsc card: our own reset(Unpower) bumps the epoch and keeps working", "[apdu][pcsc]")
{
    const std::string reader = env_or("MYNACARD_VPCD_READER", "Virtual PCD 00 00");
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    REQUIRE(wait_present(*ctx, reader, false, 10s));  // the previous test's card has left
    EchoCard card(kAtrExtended);
    REQUIRE(wait_present(*ctx, reader, true, 10s));
    auto t = ctx->connect(reader);
    REQUIRE(t);
    const int resets_before = card.resets();
    const auto epoch = (*t)->reset_epoch();
    REQUIRE((*t)->reset(Disposition::Unpower));
    CHECK((*t)->reset_epoch() == epoch + 1);
    CHECK(card.resets() > resets_before);  // the card really saw power go away
    auto r = (*t)->transmit(Bytes{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A});
    REQUIRE(r);
    CHECK(*r == Bytes{0x90, 0x00});
}

TEST_CASE("pcsc card: removal gives CardRemoved; reinsertion is seen and works", "[apdu][pcsc]")
{
    const std::string reader = env_or("MYNACARD_VPCD_READER", "Virtual PCD 00 00");
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    REQUIRE(wait_present(*ctx, reader, false, 10s));  // the previous test's card has left
    EchoCard card(kAtrExtended);
    REQUIRE(wait_present(*ctx, reader, true, 10s));
    auto t = ctx->connect(reader);
    REQUIRE(t);
    auto before = ctx->list_readers();
    REQUIRE(before);

    card.remove();
    auto changed = ctx->wait_for_change(*before, 10s);
    REQUIRE(changed);
    for (const auto& r : *changed)
        if (r.name == reader) CHECK_FALSE(r.card_present);

    const Bytes select{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A};
    auto gone = (*t)->transmit(select);
    REQUIRE_FALSE(gone);
    INFO(gone.error().message());
    CHECK(gone.error().code == Errc::CardRemoved);
    CHECK_FALSE(gone.error().not_sent);  // a failed exchange may have reached the card
    // The transport stays unusable, with the same clean error.
    auto still = (*t)->transmit(select);
    REQUIRE_FALSE(still);
    CHECK(still.error().code == Errc::CardRemoved);
    auto tx = Transaction::begin(**t);
    REQUIRE_FALSE(tx);
    CHECK(tx.error().code == Errc::CardRemoved);
    CHECK_FALSE((*t)->reset(Disposition::Unpower));

    card.insert();
    auto back = ctx->wait_for_change(*changed, 10s);
    REQUIRE(back);
    bool present = false;
    for (const auto& r : *back)
        if (r.name == reader) present = r.card_present;
    CHECK(present);
    auto t2 = ctx->connect(reader);
    REQUIRE(t2);
    auto ok = (*t2)->transmit(select);
    REQUIRE(ok);
    CHECK(*ok == Bytes{0x90, 0x00});
}
