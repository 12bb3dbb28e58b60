// Command APDU codec: ISO 7816-4 §5.1-5.2 cases 1-4, short and extended, and the factories.
#include <catch2/catch.hpp>

#include <string>

#include "mynacard/apdu/command.hpp"

using mynacard::Bytes;
using mynacard::ByteView;
using mynacard::Errc;
using mynacard::SecureBytes;
using mynacard::apdu::Command;

namespace {

Bytes hex(const std::string& s)
{
    Bytes out;
    REQUIRE(mynacard::from_hex(s, out));
    return out;
}

SecureBytes filled(std::size_t n, std::uint8_t first = 0)
{
    SecureBytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(first + i);
    return out;
}

std::string encoded_hex(const Command& c, bool extended)
{
    auto r = c.encode(extended);
    REQUIRE(r.has_value());
    return mynacard::to_hex(view(*r));
}

// Expected encodings built by hand from the spec layout (not from the encoder).
std::string head() { return "00B00000"; }
std::string data_hex(std::size_t n)
{
    auto d = filled(n);
    return mynacard::to_hex(view(d));
}

}  // namespace

TEST_CASE("encode: the four cases in short form", "[apdu][command]")
{
    struct Row {
        const char* name;
        std::size_t lc;
        std::optional<std::size_t> le;
        std::string expected;
    };
    auto row = GENERATE(values<Row>({
        {"case 1", 0, std::nullopt, head()},
        {"case 2S Le=1", 0, 1, head() + "01"},
        {"case 2S Le=255", 0, 255, head() + "FF"},
        {"case 2S Le=256 is 00", 0, 256, head() + "00"},
        {"case 3S Lc=1", 1, std::nullopt, head() + "01" + data_hex(1)},
        {"case 3S Lc=255", 255, std::nullopt, head() + "FF" + data_hex(255)},
        {"case 4S Lc=2 Le=256", 2, 256, head() + "02" + data_hex(2) + "00"},
        {"case 4S Lc=255 Le=1", 255, 1, head() + "FF" + data_hex(255) + "01"},
    }));
    INFO(row.name);
    const Command c(0x00, 0xB0, 0x00, 0x00, filled(row.lc), row.le);
    // Short lengths never switch to the extended form, whether or not it is allowed.
    CHECK(encoded_hex(c, false) == row.expected);
    CHECK(encoded_hex(c, true) == row.expected);
}

TEST_CASE("encode: extended form only when allowed and needed", "[apdu][command]")
{
    struct Row {
        const char* name;
        std::size_t lc;
        std::optional<std::size_t> le;
        std::string expected;
    };
    auto row = GENERATE(values<Row>({
        {"case 2E Le=257", 0, 257, head() + "000101"},
        {"case 2E Le=65535", 0, 65535, head() + "00FFFF"},
        {"case 2E Le=65536 is 0000", 0, 65536, head() + "000000"},
        {"case 3E Lc=256", 256, std::nullopt, head() + "000100" + data_hex(256)},
        {"case 3E Lc=65535", 65535, std::nullopt, head() + "00FFFF" + data_hex(65535)},
        {"case 4E Lc=256 Le=256", 256, 256, head() + "000100" + data_hex(256) + "0100"},
        {"case 4E Lc=1 Le=65536 (Le forces both fields long)", 1, 65536,
         head() + "000001" + data_hex(1) + "0000"},
        {"case 4E Lc=300 Le=2", 300, 2, head() + "00012C" + data_hex(300) + "0002"},
    }));
    INFO(row.name);
    const Command c(0x00, 0xB0, 0x00, 0x00, filled(row.lc), row.le);
    CHECK(encoded_hex(c, true) == row.expected);

    // Not allowed: an error, never a truncated short APDU.
    auto refused = c.encode(false);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == Errc::LengthOutOfRange);
}

TEST_CASE("encode: lengths out of range are errors", "[apdu][command]")
{
    SECTION("Lc 65536")
    {
        const Command c(0x00, 0xD6, 0x00, 0x00, filled(65536));
        auto r = c.encode(true);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::LengthOutOfRange);
    }
    SECTION("Le 65537")
    {
        auto r = Command(0x00, 0xB0, 0, 0, {}, 65537).encode(true);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::LengthOutOfRange);
    }
    SECTION("Le 0")
    {
        auto r = Command(0x00, 0xB0, 0, 0, {}, 0).encode(true);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::LengthOutOfRange);
    }
}

TEST_CASE("parse: every case decodes and re-encodes byte for byte", "[apdu][command]")
{
    struct Row {
        std::string raw;
        std::size_t lc;
        std::optional<std::size_t> le;
        bool extended;
    };
    auto row = GENERATE(values<Row>({
        {"00A4040C", 0, std::nullopt, false},
        {"00B0000000", 0, 256, false},
        {"00B0000010", 0, 16, false},
        {"00A4020C020018", 2, std::nullopt, false},
        {"802A008003AABBCC00", 3, 256, false},
        {"00B00000000000", 0, 65536, true},   // NFCPY's whole-EF read (jpki-card.md §1.5)
        {"00B00000000100", 0, 256, true},     // extended form of a short-able Le is kept
        {"00DA0000000003AABBCC", 3, std::nullopt, true},
        {"802A0080000003AABBCC0000", 3, 65536, true},
    }));
    INFO(row.raw);
    const Bytes raw = hex(row.raw);
    auto parsed = Command::parse(raw);
    REQUIRE(parsed.has_value());
    CHECK(parsed->cla() == raw[0]);
    CHECK(parsed->ins() == raw[1]);
    CHECK(parsed->data().size() == row.lc);
    CHECK(parsed->le() == row.le);
    CHECK(parsed->extended_form() == row.extended);
    CHECK(encoded_hex(*parsed, true) == row.raw);
}

TEST_CASE("parse: malformed lengths are refused", "[apdu][command]")
{
    auto raw_hex = GENERATE(as<std::string>{},
        "",              // nothing
        "00A404",        // short header
        "00A4040C00AB",  // 00 then one byte: neither 2S nor an extended field
        "00A4040C03AABB",        // Lc 3, 2 data bytes
        "00A4040C02AABBCCDD",    // Lc 2, 2 extra bytes
        "00A4040C000000AA",      // extended Lc 0 with data
        "00A4040C000002AA",      // extended Lc 2, 1 byte
        "00A4040C000001AABB");   // extended Lc 1, then a 1-byte Le field
    INFO(raw_hex);
    const Bytes raw = hex(raw_hex);
    auto r = Command::parse(raw);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Errc::LengthOutOfRange);
}

TEST_CASE("factories encode as the card expects", "[apdu][command]")
{
    const Bytes jpki_aid = hex("D392F000260100000001");
    CHECK(encoded_hex(Command::select_aid(jpki_aid), false) == "00A4040C0AD392F000260100000001");
    CHECK(encoded_hex(Command::select_ef(0x0018), false) == "00A4020C020018");
    CHECK(encoded_hex(Command::read_binary(0x0100, 256), false) == "00B0010000");
    CHECK(encoded_hex(Command::read_binary(0x7FFF, 1), false) == "00B07FFF01");
    CHECK(encoded_hex(Command::read_record(1, 1, 256), false) == "00B2010C00");
    CHECK(encoded_hex(Command::verify(0x80, SecureBytes{'1', '2', '3', '4'}), false) ==
          "0020008004" "31323334");
    CHECK(encoded_hex(Command::verify_status(0x80), false) == "00200080");
    CHECK(encoded_hex(Command::change_reference_data(0x01, 0x80, SecureBytes{'5', '6', '7', '8'}),
                      false) == "0024018004" "35363738");
    CHECK(encoded_hex(Command::get_response(0x10), false) == "00C0000010");
    CHECK(encoded_hex(Command::get_response(256), false) == "00C0000000");
    const Bytes digest_info(51, 0x30);
    CHECK(encoded_hex(Command::jpki_compute_signature(digest_info), false) ==
          "802A008033" + mynacard::to_hex(digest_info) + "00");
    CHECK(Command::verify(0x80, SecureBytes{'1'}).carries_secret());
    CHECK(Command::change_reference_data(1, 0x80, SecureBytes{'1'}).carries_secret());
    CHECK_FALSE(Command::select_ef(0x0018).carries_secret());
}

TEST_CASE("factories refuse arguments they cannot encode", "[apdu][command]")
{
    SECTION("READ BINARY offset above 7FFF would address a short EF instead")
    {
        auto r = Command::read_binary(0x8000, 16).encode(true);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::LengthOutOfRange);
    }
    SECTION("READ RECORD SFI outside 1..30")
    {
        CHECK_FALSE(Command::read_record(1, 0, 16).encode(true));
        CHECK_FALSE(Command::read_record(1, 31, 16).encode(true));
        CHECK(Command::read_record(1, 30, 16).encode(true));
    }
}

TEST_CASE("with_le replaces only Le", "[apdu][command]")
{
    const Command c = Command::read_binary(0x0010, 256);
    CHECK(encoded_hex(c.with_le(0x12), false) == "00B0001012");
    CHECK(encoded_hex(c.with_le(std::nullopt), false) == "00B00010");
}
