// transceive(): 61xx GET RESPONSE chains, 6Cxx re-issue, counting and RAII transactions, all
// against a ScriptedTransport (exact expected bytes).
#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "mynacard/apdu/transaction.hpp"
#include "scripted_transport.hpp"

using mynacard::Bytes;
using mynacard::Errc;
using mynacard::apdu::Command;
using mynacard::apdu::Disposition;
using mynacard::apdu::Transaction;
using mynacard::apdu::transceive;
using mynacard::test::ScriptedTransport;

namespace {

Bytes hex(const std::string& s)
{
    Bytes out;
    REQUIRE(mynacard::from_hex(s, out));
    return out;
}

Bytes bytes_from(std::uint8_t first, std::size_t n)
{
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(first + i);
    return out;
}

Bytes with_sw(Bytes data, std::uint16_t sw)
{
    data.push_back(static_cast<std::uint8_t>(sw >> 8));
    data.push_back(static_cast<std::uint8_t>(sw & 0xFF));
    return data;
}

}  // namespace

TEST_CASE("transceive: plain exchange returns data and SW", "[apdu][transceive]")
{
    ScriptedTransport card;
    card.expect("00 A4 02 0C 02 00 0A", "90 00").expect("00 B0 00 00 04", "30 82 05 1C 90 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto sel = transceive(*tx, Command::select_ef(0x000A));
    REQUIRE(sel);
    CHECK(sel->sw.ok());
    auto rd = transceive(*tx, Command::read_binary(0, 4));
    REQUIRE(rd);
    CHECK(rd->data == hex("30 82 05 1C"));
    CHECK(tx->apdu_count() == 2);
    CHECK(card.finished());
}

TEST_CASE("transceive: non-9000 is a value, not an error", "[apdu][transceive]")
{
    ScriptedTransport card;
    card.expect("00 B0 10 00 00", "6B 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command::read_binary(0x1000, 256));
    REQUIRE(r);
    CHECK(r->sw.value == 0x6B00);
    CHECK(r->data.empty());
    CHECK(card.finished());
}

TEST_CASE("transceive: 61xx chains are fetched with GET RESPONSE and concatenated",
          "[apdu][transceive]")
{
    const Bytes part1 = bytes_from(0x00, 0x10);
    const Bytes part2 = bytes_from(0x40, 256);
    const Bytes part3 = bytes_from(0x90, 5);
    ScriptedTransport card;
    card.expect(hex("80 2A 00 80 03 AA BB CC 00"), with_sw(part1, 0x6100))  // 61 00 = 256 more
        .expect(hex("00 C0 00 00 00"), with_sw(part2, 0x6105))
        .expect(hex("00 C0 00 00 05"), with_sw(part3, 0x9000));
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    const auto before = mynacard::apdu::total_apdus();
    auto r = transceive(*tx, Command::jpki_compute_signature(hex("AA BB CC")));
    REQUIRE(r);
    CHECK(r->sw.ok());
    Bytes expected = part1;
    expected.insert(expected.end(), part2.begin(), part2.end());
    expected.insert(expected.end(), part3.begin(), part3.end());
    CHECK(r->data == expected);
    CHECK(tx->apdu_count() == 3);
    CHECK(mynacard::apdu::total_apdus() - before == 3);
    CHECK(card.finished());
}

TEST_CASE("transceive: the final SW of a chain is returned", "[apdu][transceive]")
{
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", "61 02").expect("00 C0 00 00 02", "01 02 62 82");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command::read_binary(0, 256));
    REQUIRE(r);
    CHECK(r->sw.value == 0x6282);
    CHECK(r->data == hex("01 02"));
    CHECK(card.finished());
}

TEST_CASE("transceive: 6Cxx re-issues once with the exact Le", "[apdu][transceive]")
{
    ScriptedTransport card;
    card.expect(hex("00 B0 00 00 00"), hex("6C 10"))
        .expect(hex("00 B0 00 00 10"), with_sw(bytes_from(0x20, 0x10), 0x9000));
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command::read_binary(0, 256));
    REQUIRE(r);
    CHECK(r->sw.ok());
    CHECK(r->data == bytes_from(0x20, 0x10));
    CHECK(tx->apdu_count() == 2);
    CHECK(card.finished());
}

TEST_CASE("transceive: 6C00 means Le 256; a second 6Cxx is returned, not looped",
          "[apdu][transceive]")
{
    ScriptedTransport card;
    card.expect("00 CA 01 01 05", "6C 00")
        .expect("00 CA 01 01 00", "6C 07");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command(0x00, 0xCA, 0x01, 0x01, {}, 5));
    REQUIRE(r);
    CHECK(r->sw.value == 0x6C07);
    CHECK(tx->apdu_count() == 2);
    CHECK(card.finished());
}

TEST_CASE("transceive: 6Cxx on a GET RESPONSE and 61xx after a re-issue", "[apdu][transceive]")
{
    ScriptedTransport card;
    card.expect("00 B0 00 00 08", "6C 04")
        .expect("00 B0 00 00 04", "61 03")
        .expect("00 C0 00 00 03", "6C 02")
        .expect("00 C0 00 00 02", "AA BB 90 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command::read_binary(0, 8));
    REQUIRE(r);
    CHECK(r->sw.ok());
    CHECK(r->data == hex("AA BB"));
    CHECK(tx->apdu_count() == 4);
    CHECK(card.finished());
}

TEST_CASE("transceive: an endless 61xx card is cut off", "[apdu][transceive]")
{
    ScriptedTransport card;
    card.expect("00 B0 00 00 01", "61 01");
    for (int i = 0; i < 64; ++i) card.expect("00 C0 00 00 01", "00 61 01");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command::read_binary(0, 1));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::MalformedResponse);
    CHECK(tx->apdu_count() == 65);
    CHECK(card.finished());  // exactly 64 GET RESPONSE rounds, no 65th
}

TEST_CASE("transceive: a chain longer than 65536 bytes is cut off", "[apdu][transceive]")
{
    // A misbehaving card that answers more than asked: 65000 bytes, then 600 more.
    ScriptedTransport card;
    card.expect(hex("00 B0 00 00 00"), with_sw(Bytes(65000, 0x5A), 0x6100))
        .expect(hex("00 C0 00 00 00"), with_sw(Bytes(600, 0xA5), 0x9000));
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command::read_binary(0, 256));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::MalformedResponse);
    CHECK(card.finished());

    // Exactly 65536 is still fine.
    ScriptedTransport edge;
    edge.expect(hex("00 B0 00 00 00"), with_sw(Bytes(65000, 0x5A), 0x6100))
        .expect(hex("00 C0 00 00 00"), with_sw(Bytes(536, 0xA5), 0x9000));
    auto tx2 = Transaction::begin(edge);
    REQUIRE(tx2);
    auto ok = transceive(*tx2, Command::read_binary(0, 256));
    REQUIRE(ok);
    CHECK(ok->data.size() == 65536);
    CHECK(edge.finished());
}

TEST_CASE("transceive: transport errors and short responses propagate", "[apdu][transceive]")
{
    SECTION("card removed during a GET RESPONSE")
    {
        ScriptedTransport card;
        card.expect("00 B0 00 00 00", "61 10")
            .expect_error("00 C0 00 00 10", mynacard::Error(Errc::CardRemoved, "pulled"));
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        auto r = transceive(*tx, Command::read_binary(0, 256));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::CardRemoved);
        CHECK(card.finished());
    }
    SECTION("one-byte answer")
    {
        ScriptedTransport card;
        card.expect("00 B0 00 00 00", "90");
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        auto r = transceive(*tx, Command::read_binary(0, 256));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::MalformedResponse);
    }
    SECTION("extended length needed but the transport does not allow it: nothing is sent")
    {
        ScriptedTransport card;
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        auto r = transceive(*tx, Command::read_binary(0, 1000));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::LengthOutOfRange);
        CHECK(card.sent().empty());
        CHECK(tx->apdu_count() == 0);
    }
    SECTION("extended length when the transport allows it")
    {
        ScriptedTransport card;
        card.set_extended_length(true);
        card.expect("00 B0 00 00 00 03 E8", "01 90 00");
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        auto r = transceive(*tx, Command::read_binary(0, 1000));
        REQUIRE(r);
        CHECK(card.finished());
    }
}

TEST_CASE("Transaction: RAII begin/end, move, explicit end", "[apdu][transaction]")
{
    ScriptedTransport card;
    {
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        CHECK(card.in_transaction());
        Transaction moved(std::move(*tx));
        CHECK(card.in_transaction());
    }
    CHECK(card.transactions_begun() == 1);
    CHECK(card.transactions_ended() == 1);  // once, although two objects were destroyed
    CHECK(card.last_end_disposition() == Disposition::Leave);

    {
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        tx->end(Disposition::Unpower);
        CHECK_FALSE(card.in_transaction());
        auto r = transceive(*tx, Command::select_ef(1));
        REQUIRE_FALSE(r);  // ended: nothing is sent
        CHECK(card.sent().empty());
    }
    CHECK(card.transactions_ended() == 2);
    CHECK(card.last_end_disposition() == Disposition::Unpower);
    CHECK(card.reset_epoch() == 1);

    card.fail_next_begin(mynacard::Error(Errc::CardRemoved, "gone"));
    auto failed = Transaction::begin(card);
    REQUIRE_FALSE(failed);
    CHECK(failed.error().code == Errc::CardRemoved);
    CHECK(card.finished());
}

TEST_CASE("ScriptedTransport fails loudly on a command off the script", "[apdu][scripted]")
{
    ScriptedTransport card("strict");
    card.expect("00 A4 02 0C 02 00 0A", "90 00");
    auto tx = Transaction::begin(card);
    REQUIRE(tx);
    auto r = transceive(*tx, Command::select_ef(0x000B));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::Internal);
    CHECK_FALSE(card.finished());
    REQUIRE(card.failures().size() == 1);
    CHECK(card.failures()[0].find("00 A4 02 0C 02 00 0A") != std::string::npos);
    CHECK(card.failures()[0].find("00 A4 02 0C 02 00 0B") != std::string::npos);
    // Consume the step so the destructor stays quiet apart from the recorded failure.
    auto ok = transceive(*tx, Command::select_ef(0x000A));
    REQUIRE(ok);
    CHECK(card.remaining() == 0);
    CHECK_FALSE(card.finished());  // the failure stays on record
}

TEST_CASE("transaction limits: the APDU and time bounds of one operation; the command over a bound is not sent",
          "[apdu][transceive]")
{
    using mynacard::apdu::TransactionLimits;
    const TransactionLimits saved = mynacard::apdu::transaction_limits();
    SECTION("APDUs")
    {
        mynacard::apdu::set_transaction_limits(TransactionLimits{3, std::chrono::milliseconds(60000)});
        ScriptedTransport card;
        for (int i = 0; i < 3; ++i) card.expect("00 B0 00 00 01", "AA 90 00");
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        for (int i = 0; i < 3; ++i) REQUIRE(transceive(*tx, Command::read_binary(0, 1)));
        auto over = transceive(*tx, Command::read_binary(0, 1));
        REQUIRE_FALSE(over);
        CHECK(over.error().code == Errc::CardUnresponsive);
        CHECK(over.error().not_sent);
        CHECK(card.finished());  // exactly three reached the card
        // A new transaction (the next operation) starts with a fresh budget.
        tx->end(Disposition::Leave);
        card.expect("00 B0 00 00 01", "AA 90 00");
        auto next = Transaction::begin(card);
        REQUIRE(next);
        CHECK(transceive(*next, Command::read_binary(0, 1)));
    }
    SECTION("time")
    {
        mynacard::apdu::set_transaction_limits(TransactionLimits{256, std::chrono::milliseconds(50)});
        ScriptedTransport card;
        card.expect("00 B0 00 00 01", "AA 90 00");
        auto tx = Transaction::begin(card);
        REQUIRE(tx);
        REQUIRE(transceive(*tx, Command::read_binary(0, 1)));
        std::this_thread::sleep_for(std::chrono::milliseconds(80));  // a card that takes its time
        auto late = transceive(*tx, Command::read_binary(0, 1));
        REQUIRE_FALSE(late);
        CHECK(late.error().code == Errc::Timeout);
        CHECK(card.finished());
    }
    mynacard::apdu::set_transaction_limits(saved);
    CHECK(mynacard::apdu::transaction_limits().max_apdus == 256);
}
