// PC/SC without a card: runs under tools/dev/pcsc-env.sh (private pcscd with two empty vpcd
// readers). Card-present tests live with the virtual card (tests/support/vcard).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "mynacard/apdu/pcsc.hpp"

using mynacard::Errc;
using mynacard::apdu::PcscContext;
using mynacard::apdu::ReaderInfo;
using namespace std::chrono_literals;

namespace {

std::string env_or(const char* name, const char* fallback)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : fallback;
}

const ReaderInfo* find_reader(const std::vector<ReaderInfo>& readers, const std::string& name)
{
    auto it = std::find_if(readers.begin(), readers.end(),
                           [&](const ReaderInfo& r) { return r.name == name; });
    return it == readers.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("pcsc: both vpcd readers are listed, empty", "[apdu][pcsc]")
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    auto readers = ctx->list_readers();
    REQUIRE(readers);
    for (const char* var : {"MYNACARD_VPCD_READER", "MYNACARD_VPCD_READER2"}) {
        const std::string name = env_or(var, "");
        INFO(var << " = " << name);
        REQUIRE_FALSE(name.empty());
        const ReaderInfo* r = find_reader(*readers, name);
        REQUIRE(r != nullptr);
        CHECK_FALSE(r->card_present);
        CHECK(r->atr.empty());
        CHECK_FALSE(r->exclusive_in_use);
    }
}

TEST_CASE("pcsc: connecting to an empty reader is CardAbsent", "[apdu][pcsc]")
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    auto t = ctx->connect(env_or("MYNACARD_VPCD_READER", "Virtual PCD 00 00"));
    REQUIRE_FALSE(t);
    INFO(t.error().message());
    CHECK(t.error().code == Errc::CardAbsent);
}

TEST_CASE("pcsc: an unknown reader is NoReader", "[apdu][pcsc]")
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    auto t = ctx->connect("No Such Reader 99 99");
    REQUIRE_FALSE(t);
    INFO(t.error().message());
    CHECK(t.error().code == Errc::NoReader);
}

TEST_CASE("pcsc: wait_for_change times out when nothing changes", "[apdu][pcsc]")
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    auto readers = ctx->list_readers();
    REQUIRE(readers);
    const auto start = std::chrono::steady_clock::now();
    auto r = ctx->wait_for_change(*readers, 300ms);
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Timeout);
    CHECK(took >= 250ms);
    CHECK(took < 5s);
}

TEST_CASE("pcsc: wait_for_change returns at once when `known` is stale", "[apdu][pcsc]")
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    auto r = ctx->wait_for_change({}, 5s);  // we "knew" no readers: two are there
    REQUIRE(r);
    CHECK(r->size() >= 2);
}

TEST_CASE("pcsc: cancel() from another thread wakes wait_for_change", "[apdu][pcsc]")
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    auto readers = ctx->list_readers();
    REQUIRE(readers);
    const auto start = std::chrono::steady_clock::now();
    std::thread canceller([&] {
        std::this_thread::sleep_for(300ms);
        ctx->cancel();
    });
    auto r = ctx->wait_for_change(*readers, 20s);
    canceller.join();
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Cancelled);
    CHECK(took < 10s);
}

// Run only by the test below, in a fresh process (pcsc-lite reads PCSCLITE_CSOCK_NAME once per
// process, and this one has talked to the private pcscd already).
TEST_CASE("pcsc child: establish without pcscd", "[.pcsc-child]")
{
    REQUIRE(std::getenv("PCSCLITE_CSOCK_NAME") != nullptr);
    auto ctx = mynacard::apdu::PcscContext::establish();
    REQUIRE_FALSE(ctx);
    INFO(ctx.error().message());
    CHECK(ctx.error().code == Errc::NoService);
}

TEST_CASE("pcsc: no pcscd is NoService", "[apdu][pcsc]")
{
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/mynacard-no-pcscd.comm", 1);
        execl("/proc/self/exe", "apdu_pcsc_tests", "pcsc child: establish without pcscd",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("pcsc: a moved-from or abandoned context is inert", "[apdu][pcsc]")
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    PcscContext moved = std::move(*ctx);
    auto gone = ctx->list_readers();  // moved-from: an error, not a crash
    REQUIRE_FALSE(gone);
    REQUIRE(moved.list_readers());
    moved.abandon();
    CHECK_FALSE(moved.list_readers());
    moved.cancel();  // no-op, no crash
}
