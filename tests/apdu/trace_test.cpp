// APDU trace: format, timing, and that PIN bytes of VERIFY / CHANGE REFERENCE DATA never appear.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mynacard/apdu/trace.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "scripted_transport.hpp"

using mynacard::SecureBytes;
using mynacard::apdu::Command;
using mynacard::apdu::Transaction;
using mynacard::apdu::transceive;
using mynacard::test::ScriptedTransport;
namespace trace = mynacard::apdu::trace;

namespace {

struct Capture {
    std::vector<std::string> lines;
    Capture()
    {
        trace::set_sink([this](const std::string& l) { lines.push_back(l); });
    }
    ~Capture() { trace::set_sink(nullptr); }
    std::string all() const
    {
        std::string out;
        for (const auto& l : lines) out += l + "\n";
        return out;
    }
};

// Every way the PIN bytes could leak into text: spaced hex, packed hex, ASCII.
void check_no_pin(const std::string& text, const std::string& pin_ascii)
{
    mynacard::Bytes pin(pin_ascii.begin(), pin_ascii.end());
    CHECK(text.find(mynacard::to_hex(pin, ' ')) == std::string::npos);
    CHECK(text.find(mynacard::to_hex(pin)) == std::string::npos);
    CHECK(text.find(pin_ascii) == std::string::npos);
}

}  // namespace

TEST_CASE("trace: one line per direction with reader, bytes, SW and time", "[apdu][trace]")
{
    Capture cap;
    CHECK(trace::enabled());
    ScriptedTransport card("Virtual PCD 00 00");
    card.expect("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "90 00")
        .expect("00 A4 02 0C 02 00 99", "6A 82");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    mynacard::Bytes aid;
    REQUIRE(mynacard::from_hex("D392F000260100000001", aid));
    REQUIRE(transceive(*tx, Command::select_aid(aid)));
    REQUIRE(transceive(*tx, Command::select_ef(0x0099)));
    REQUIRE(cap.lines.size() == 4);
    CHECK(cap.lines[0] == "[apdu] Virtual PCD 00 00 > 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
    CHECK(cap.lines[1].rfind("[apdu] Virtual PCD 00 00 < 90 00 (", 0) == 0);
    CHECK(cap.lines[1].find(" ms)") != std::string::npos);
    CHECK(cap.lines[3].rfind("[apdu] Virtual PCD 00 00 < 6A 82 (", 0) == 0);
    CHECK(cap.lines[3].find("not found") != std::string::npos);  // meaning from the SW table
}

TEST_CASE("trace: VERIFY and CHANGE REFERENCE DATA data is never shown", "[apdu][trace]")
{
    Capture cap;
    ScriptedTransport card("reader");
    card.expect("00 20 00 80 04 31 39 37 33", "63 C2")
        .expect("00 20 00 80 04 31 39 37 33", "90 00")
        .expect("00 24 01 80 06 38 32 36 34 35 30", "90 00")
        .expect("00 20 00 80", "63 C3")
        .expect("00 20 00 80 04 31 39 37 33", "61 02")  // odd card: chained answer to VERIFY
        .expect("00 C0 00 00 02", "00 00 90 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes{'1', '9', '7', '3'})));
    REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes{'1', '9', '7', '3'})));
    REQUIRE(transceive(*tx, Command::change_reference_data(0x01, 0x80,
                                                           SecureBytes{'8', '2', '6', '4', '5', '0'})));
    REQUIRE(transceive(*tx, Command::verify_status(0x80)));
    REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes{'1', '9', '7', '3'})));
    CHECK(card.finished());

    const std::string text = cap.all();
    INFO(text);
    check_no_pin(text, "1973");
    check_no_pin(text, "826450");
    CHECK(cap.lines.at(0) == "[apdu] reader > 00 20 00 80 04 <redacted 4 bytes>");
    CHECK(cap.lines.at(4) == "[apdu] reader > 00 24 01 80 06 <redacted 6 bytes>");
    CHECK(cap.lines.at(6) == "[apdu] reader > 00 20 00 80");
    CHECK(cap.lines.at(1).find("63 C2") != std::string::npos);
}

TEST_CASE("trace: response data is hidden while a ResponseRedaction lives, and only then", "[apdu][trace]")
{
    Capture cap;
    ScriptedTransport card("reader");
    card.expect("00 B0 00 00 00", "4B 4F 42 45 90 00")
        .expect("00 B0 00 04 00", "61 02")  // chained: the GET RESPONSE data is hidden too
        .expect("00 C0 00 00 02", "4E 41 90 00")
        .expect("00 B0 00 06 00", "6B 00")
        .expect("00 B0 00 00 00", "4F 4B 90 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    CHECK_FALSE(trace::responses_redacted());
    {
        const trace::ResponseRedaction outer;
        {
            const trace::ResponseRedaction nested;
            REQUIRE(transceive(*tx, Command::read_binary(0, 256)));
        }
        CHECK(trace::responses_redacted());  // the outer scope still holds
        REQUIRE(transceive(*tx, Command::read_binary(4, 256)));
        CHECK(transceive(*tx, Command::read_binary(6, 256)));
    }
    CHECK_FALSE(trace::responses_redacted());
    REQUIRE(transceive(*tx, Command::read_binary(0, 256)));
    CHECK(card.finished());

    const std::string text = cap.all();
    INFO(text);
    CHECK(text.find("4B 4F 42 45") == std::string::npos);
    CHECK(text.find("4E 41") == std::string::npos);
    CHECK(cap.lines.at(1).rfind("[apdu] reader < <redacted 4 bytes> 90 00 (", 0) == 0);
    CHECK(text.find("< <redacted 2 bytes> 90 00") != std::string::npos);
    CHECK(text.find("< 6B 00") != std::string::npos);     // a bare status word is still shown
    CHECK(cap.lines.back().rfind("[apdu] reader < 4F 4B 90 00 (", 0) == 0);  // after: in full
}

TEST_CASE("trace: render_command redacts every secret-carrying command form", "[apdu][trace]")
{
    // Extended Lc (a 300-byte "PIN" is absurd, but the redaction must not depend on length).
    const Command ext(0x00, 0x20, 0x00, 0x80, SecureBytes(300, 0x41), 16);
    const std::string r = trace::render_command(ext);
    CHECK(r == "00 20 00 80 00 01 2C <redacted 300 bytes> 00 10");
    CHECK(r.find("41 41") == std::string::npos);
    // Case 4 short with Le, non-secret: data shown.
    CHECK(trace::render_command(Command(0x80, 0x2A, 0x00, 0x80, SecureBytes{1, 2}, 256)) ==
          "80 2A 00 80 02 01 02 00");
    // Proprietary CLA with INS 24 (e.g. 80 24): still redacted.
    CHECK(trace::render_command(Command(0x80, 0x24, 0x00, 0x80, SecureBytes{'9', '9'})) ==
          "80 24 00 80 02 <redacted 2 bytes>");
    // A command encode() refuses still renders (so a failed exchange can be traced).
    CHECK(trace::render_command(Command::read_binary(0, 65536)) == "00 B0 00 00 00 00 00");
}

TEST_CASE("trace: a sink set to nullptr switches tracing off", "[apdu][trace]")
{
    std::vector<std::string> lines;
    trace::set_sink([&](const std::string& l) { lines.push_back(l); });
    trace::note("hello");
    trace::set_sink(nullptr);
    CHECK_FALSE(trace::enabled());
    trace::note("not recorded");
    ScriptedTransport card;
    card.expect("00 A4 02 0C 02 00 01", "90 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    REQUIRE(transceive(*tx, Command::select_ef(1)));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "[apdu] hello");
}

// Run only by the test below, in a fresh process whose environment sets MYNACARD_TRACE (the
// variable is read once per process, so it cannot be set from inside a test that already traced).
TEST_CASE("trace child: one VERIFY with MYNACARD_TRACE set", "[.trace-child]")
{
    REQUIRE(std::getenv("MYNACARD_TRACE") != nullptr);
    ScriptedTransport card("child reader");
    card.expect("00 20 00 80 04 31 32 33 34", "90 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    REQUIRE(transceive(*tx, Command::verify(0x80, SecureBytes{'1', '2', '3', '4'})));
    CHECK(trace::enabled());
    CHECK(card.finished());
}

TEST_CASE("trace: MYNACARD_TRACE=<path> appends to that file", "[apdu][trace]")
{
    char path[] = "/tmp/mynacard-trace-test.XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, "earlier line\n", 13) == 13);
    close(fd);

    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("MYNACARD_TRACE", path, 1);
        execl("/proc/self/exe", "apdu_tests", "trace child: one VERIFY with MYNACARD_TRACE set",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    // Read with stdio: g++ 12's -Wnull-dereference misfires on istreambuf_iterator.
    std::string text;
    if (std::FILE* f = std::fopen(path, "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        std::fclose(f);
    }
    std::remove(path);
    INFO(text);
    CHECK(text.rfind("earlier line\n", 0) == 0);  // appended, not truncated
    CHECK(text.find("[apdu] child reader > 00 20 00 80 04 <redacted 4 bytes>\n") != std::string::npos);
    CHECK(text.find("[apdu] child reader < 90 00 (") != std::string::npos);
    check_no_pin(text, "1234");
}
