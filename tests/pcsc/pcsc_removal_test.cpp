// Card removal in the middle of a read, and reinsertion, through pcscd + vpcd.
#include <atomic>
#include <thread>

#include "pcsc_test_util.hpp"

using namespace pcsc_test;

namespace {

bool is_clean_removal(Errc code)
{
    return code == Errc::CardRemoved || code == Errc::CardAbsent || code == Errc::NoReader;
}

}  // namespace

TEST_CASE("pcsc: card pulled after N APDUs mid-read gives a clean error - reinsertion works")
{
    REQUIRE(in_pcsc_env());
    CardOptions options;
    options.faults.remove_after_apdus = 4;  // SELECT AP, SELECT EF, 2 READ BINARY, then gone
    VpcdCard card(options, test_pki());
    PcscContext ctx = context();
    auto transport = ctx.connect(card.reader());
    REQUIRE(transport);
    {
        auto tx = Transaction::begin(**transport);
        REQUIRE(tx);
        auto cert = read_certificate(*tx, 0x000A);
        REQUIRE_FALSE(cert);
        INFO(cert.error().message());
        CHECK(is_clean_removal(cert.error().code));
    }
    CHECK(card.link().wait_absent(card.reader(), std::chrono::seconds(5)));
    // The old connection stays unusable.
    auto again = (*transport)->transmit(Bytes{0x00, 0xA4, 0x04, 0x0C, 0x01, 0x00});
    REQUIRE_FALSE(again);
    CHECK(is_clean_removal(again.error().code));

    // Reinsert (no more faults): a new connection reads the certificate.
    card.card().set_faults({});
    card.link().insert();
    REQUIRE(card.link().wait_present(card.reader(), std::chrono::seconds(10)));
    auto fresh = ctx.connect(card.reader());
    REQUIRE(fresh);
    auto tx = Transaction::begin(**fresh);
    REQUIRE(tx);
    auto cert = read_certificate(*tx, 0x000A);
    REQUIRE(cert);
    CHECK(*cert == test_pki().auth_der);
}

TEST_CASE("pcsc: automatic reinsertion after remove_after + reinsert_after")
{
    REQUIRE(in_pcsc_env());
    CardOptions options;
    options.faults.remove_after_apdus = 2;
    options.faults.reinsert_after = std::chrono::milliseconds(1500);
    VpcdCard card(options, test_pki());
    PcscContext ctx = context();
    {
        auto transport = ctx.connect(card.reader());
        REQUIRE(transport);
        auto tx = Transaction::begin(**transport);
        REQUIRE(tx);
        auto cert = read_certificate(*tx, 0x000A);
        REQUIRE_FALSE(cert);
        INFO(cert.error().message());
        CHECK(is_clean_removal(cert.error().code));
    }
    CHECK(card.link().wait_absent(card.reader(), std::chrono::seconds(5)));
    card.card().set_faults({});
    REQUIRE(card.link().wait_present(card.reader(), std::chrono::seconds(10)));
    auto transport = ctx.connect(card.reader());
    REQUIRE(transport);
    auto tx = Transaction::begin(**transport);
    REQUIRE(tx);
    auto cert = read_certificate(*tx, 0x000A);
    REQUIRE(cert);
    CHECK(*cert == test_pki().auth_der);
}

TEST_CASE("pcsc: link.remove() from another thread during reads: clean error, no crash")
{
    REQUIRE(in_pcsc_env());
    CardOptions options;
    options.apdu_latency = std::chrono::milliseconds(5);
    VpcdCard card(options, test_pki());
    PcscContext ctx = context();
    auto transport = ctx.connect(card.reader());
    REQUIRE(transport);
    std::atomic<int> reads{0};
    std::thread puller([&] {
        while (reads.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        card.link().remove();
    });
    std::optional<mynacard::Error> failure;
    for (int i = 0; i < 1000 && !failure; ++i) {
        auto tx = Transaction::begin(**transport);
        if (!tx) {
            failure = tx.error();
            break;
        }
        auto cert = read_certificate(*tx, 0x000A);
        if (!cert) failure = cert.error();
        else CHECK(*cert == test_pki().auth_der);
        ++reads;
    }
    // A loop that ended before the third read (a read failing for another reason) must not
    // leave the puller waiting for reads that never come: the test fails below instead of
    // hanging until ctest's timeout.
    reads = 1000;
    puller.join();
    REQUIRE(failure);
    INFO(failure->message());
    CHECK(is_clean_removal(failure->code));
    REQUIRE(card.link().wait_absent(card.reader(), std::chrono::seconds(5)));
    REQUIRE(card.insert_card());
    auto fresh = ctx.connect(card.reader());
    REQUIRE(fresh);
    auto tx = Transaction::begin(**fresh);
    REQUIRE(tx);
    CHECK(read_certificate(*tx, 0x000A));
}
