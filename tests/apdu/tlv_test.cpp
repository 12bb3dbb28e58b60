// Lenient BER-TLV (ISO 7816-4 §5.2.2, X.690 §8.1; card quirks in jpki-card.md §1.11).
#include <catch2/catch.hpp>

#include <string>

#include "mynacard/apdu/tlv.hpp"

using mynacard::Bytes;
using mynacard::Errc;
namespace tlv = mynacard::apdu::tlv;

namespace {
Bytes hex(const std::string& s)
{
    Bytes out;
    REQUIRE(mynacard::from_hex(s, out));
    return out;
}
}  // namespace

TEST_CASE("tlv: headers with one- and multi-byte tags and every length form", "[apdu][tlv]")
{
    struct Row {
        std::string raw;
        std::uint32_t tag;
        bool constructed;
        std::size_t header_length;
        std::size_t value_length;
    };
    auto row = GENERATE(values<Row>({
        {"04 03", 0x04, false, 2, 3},
        {"30 82 05 1C", 0x30, true, 4, 0x51C},           // certificate header
        {"FF 40 82 00 9F", 0xFF40, true, 5, 0x9F},       // non-minimal length (MYNA test)
        {"DF 21 81 05", 0xDF21, false, 4, 5},
        {"DF 21 05", 0xDF21, false, 3, 5},
        {"9F 81 01 00", 0x9F8101, false, 4, 0},          // three-byte tag
        {"5F 1F 84 00 00 00 10", 0x5F1F, false, 7, 16},  // four length bytes, leading zeros
        {"81 00", 0x81, false, 2, 0},
    }));
    INFO(row.raw);
    auto h = tlv::parse_header(hex(row.raw));
    REQUIRE(h);
    CHECK(h->tag == row.tag);
    CHECK(h->constructed == row.constructed);
    CHECK(h->header_length == row.header_length);
    CHECK(h->value_length == row.value_length);
    CHECK(h->total() == row.header_length + row.value_length);
}

TEST_CASE("tlv: malformed headers are errors", "[apdu][tlv]")
{
    auto raw = GENERATE(as<std::string>{},
        "",                 // empty
        "30",               // no length
        "30 80",            // indefinite length
        "30 82 01",         // length truncated
        "30 85 00 00 00 00 01",  // length field wider than 4 bytes
        "DF",               // tag truncated
        "DF 81",            // tag continuation truncated
        "DF 81 81 81 01 00");  // tag longer than 4 bytes
    INFO(raw);
    auto h = tlv::parse_header(hex(raw));
    REQUIRE_FALSE(h);
    CHECK(h.error().code == Errc::MalformedResponse);
}

TEST_CASE("tlv: element values must lie inside the buffer", "[apdu][tlv]")
{
    const Bytes ok = hex("04 03 AA BB CC");
    auto e = tlv::parse_element(ok);
    REQUIRE(e);
    CHECK(Bytes(e->value.begin(), e->value.end()) == hex("AA BB CC"));
    CHECK(e->value.data() == ok.data() + 2);  // a view, not a copy

    const Bytes short_value = hex("04 04 AA BB CC");
    auto bad = tlv::parse_element(short_value);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::MalformedResponse);

    // A huge declared length must not wrap around.
    auto huge = tlv::parse_element(hex("04 84 FF FF FF FF AA"));
    REQUIRE_FALSE(huge);
    CHECK(huge.error().code == Errc::MalformedResponse);

    // parse_header needs only the header: learn a certificate's size from its first bytes.
    auto h = tlv::parse_header(hex("30 82 05 1C 30 82"));
    REQUIRE(h);
    CHECK(h->total() == 0x51C + 4);
}

TEST_CASE("tlv: parse_all walks elements and stops at 00/FF filler", "[apdu][tlv]")
{
    // Kenhojo-like record: FF20 wrapper with non-minimal length, then erased flash.
    const Bytes data = hex("DF 21 02 41 42  FF 40 82 00 03 01 02 03  DF 22 00  FF FF FF FF");
    auto all = tlv::parse_all(data);
    REQUIRE(all);
    REQUIRE(all->size() == 3);
    CHECK((*all)[0].header.tag == 0xDF21);
    CHECK((*all)[1].header.tag == 0xFF40);
    CHECK((*all)[1].header.value_length == 3);
    CHECK((*all)[2].header.tag == 0xDF22);
    CHECK((*all)[2].value.empty());

    auto found = tlv::find(*all, 0xFF40);
    REQUIRE(found);
    CHECK(Bytes(found->value.begin(), found->value.end()) == hex("01 02 03"));
    CHECK_FALSE(tlv::find(*all, 0xDF23).has_value());

    SECTION("00 filler")
    {
        auto r = tlv::parse_all(hex("04 01 AA 00 00 04 01 BB"));
        REQUIRE(r);
        CHECK(r->size() == 1);
    }
    SECTION("a single trailing FF is filler")
    {
        auto r = tlv::parse_all(hex("04 01 AA FF"));
        REQUIRE(r);
        CHECK(r->size() == 1);
    }
    SECTION("empty input is an empty list")
    {
        auto r = tlv::parse_all({});
        REQUIRE(r);
        CHECK(r->empty());
    }
    SECTION("a broken element after good ones is an error, not a partial list")
    {
        auto r = tlv::parse_all(hex("04 01 AA 04 05 BB"));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::MalformedResponse);
    }
    SECTION("nested: the value of a constructed element parses again")
    {
        const Bytes raw = hex("FF 10 84 00 00 00 05 DF 21 02 31 32");
        auto outer = tlv::parse_element(raw);
        REQUIRE(outer);
        CHECK(outer->header.constructed);
        auto inner = tlv::parse_all(outer->value);
        REQUIRE(inner);
        REQUIRE(inner->size() == 1);
        CHECK((*inner)[0].header.tag == 0xDF21);
    }
}
