// ATR historical bytes and the extended-length capability (ISO 7816-4 §8.1.1.2.7).
#include <catch2/catch.hpp>

#include <string>

#include "mynacard/apdu/atr.hpp"

using mynacard::Bytes;
namespace atr = mynacard::apdu::atr;

namespace {
Bytes hex(const std::string& s)
{
    Bytes out;
    REQUIRE(mynacard::from_hex(s, out));
    return out;
}
}  // namespace

TEST_CASE("ATR: historical bytes of the My Number card ATRs", "[apdu][atr]")
{
    // jpki-card.md §1.2, ATR (02): historical bytes 80 12 39 2F 31 C1 73 C6 01 C0.
    const Bytes atr02 = hex("3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B");
    auto hist = atr::historical_bytes(atr02);
    REQUIRE(hist);
    CHECK(mynacard::to_hex(*hist) == "8012392F31C173C601C0");
    CHECK(atr::declares_extended_length(atr02));

    // ATR (03): 73 C6 01 00 declares no extended length.
    const Bytes atr03 = hex("3B C5 FF 81 31 FB 45 80 73 C6 01 00 00");
    hist = atr::historical_bytes(atr03);
    REQUIRE(hist);
    CHECK(mynacard::to_hex(*hist) == "8073C60100");
    CHECK_FALSE(atr::declares_extended_length(atr03));

    // The old JPKI ATR has no historical bytes.
    const Bytes juki = hex("3B E0 00 FF 81 31 FE 45 14");
    hist = atr::historical_bytes(juki);
    REQUIRE(hist);
    CHECK(hist->empty());
    CHECK_FALSE(atr::declares_extended_length(juki));
}

TEST_CASE("ATR: every ATR of jpki-card.md §1.2 - only JPKI (02) declares extended length", "[apdu][atr]")
{
    // What the virtual card's switch matrix relies on to fold the ATRs into few runs: the module
    // reads nothing else from an ATR (detection is by AID).
    const std::pair<const char*, bool> atrs[] = {
        {"3B E0 00 FF 81 31 FE 45 14", false},
        {"3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B", true},
        {"3B C5 FF 81 31 FB 45 80 73 C6 01 00 00", false},
        {"3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 00 D1 D6", false},
        {"3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 B3 A1 15", false},
        {"3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F", false},
        {"3B 88 80 01 00 00 41 E0 B3 81 A1 00 3B", false},
        {"3B 88 80 01 00 4B 51 FF 00 81 D1 00 BC", false},
        {"3B 88 80 01 00 4B 51 FF B3 81 D1 00 0F", false},
        {"3B 88 80 01 00 00 14 E0 B3 81 91 00 5E", false},
    };
    for (const auto& [text, extended] : atrs) {
        CAPTURE(text);
        CHECK(atr::declares_extended_length(hex(text)) == extended);
    }
}

TEST_CASE("ATR: category 00 with a status indicator, and malformed ATRs", "[apdu][atr]")
{
    // T0 = 08: no interface bytes, 8 historical bytes: 00 | 73 00 00 40 | status 3 bytes.
    CHECK(atr::declares_extended_length(hex("3B 08 00 73 00 00 40 90 00 00")));
    CHECK_FALSE(atr::declares_extended_length(hex("3B 08 00 73 00 00 00 90 00 00")));
    // Capabilities with only 2 bytes say nothing about extended length.
    CHECK_FALSE(atr::declares_extended_length(hex("3B 03 80 72 FF")));
    // Truncated: T0 promises 10 historical bytes.
    CHECK_FALSE(atr::historical_bytes(hex("3B 0A 80 73")).has_value());
    CHECK_FALSE(atr::declares_extended_length(hex("3B 0A 80 73")));
    // TD chain running off the end.
    CHECK_FALSE(atr::historical_bytes(hex("3B 80")).has_value());
    CHECK_FALSE(atr::historical_bytes(Bytes{}).has_value());
    // A compact-TLV object longer than the historical bytes.
    CHECK_FALSE(atr::declares_extended_length(hex("3B 03 80 73 C6")));
}
