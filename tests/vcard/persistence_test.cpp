// VirtualJpkiCard::persistent: PIN values and counters survive a new card object.
#include <filesystem>
#include <fstream>

#include "vcard_test_util.hpp"

using namespace vcard_test;

namespace {

std::filesystem::path fresh_dir(const char* name)
{
    const auto dir = std::filesystem::path(MYNACARD_BINARY_DIR) / "vcard-state" / name;
    std::filesystem::remove_all(dir);
    return dir;
}

}  // namespace

TEST_CASE("vcard: persistent card round trip of counters and changed PINs")
{
    const auto dir = fresh_dir("roundtrip");
    {
        std::shared_ptr<VirtualJpkiCard> card = VirtualJpkiCard::persistent(dir, test_pki());
        VirtualCardTransport transport(card);
        CHECK(std::filesystem::exists(dir / "card-state.json"));
        auto send = [&](const Bytes& apdu) { return Response::parse(*transport.transmit(apdu))->sw.value; };
        REQUIRE(send({0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}) == 0x9000);
        REQUIRE(send({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B}) == 0x9000);
        CHECK(send({0x00, 0x20, 0x00, 0x80, 0x06, 'W', 'R', 'O', 'N', 'G', '1'}) == 0x63C4);
        REQUIRE(send({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18}) == 0x9000);
        REQUIRE(send({0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'}) == 0x9000);
        REQUIRE(send({0x00, 0x24, 0x01, 0x80, 0x04, '4', '3', '2', '1'}) == 0x9000);
    }
    std::shared_ptr<VirtualJpkiCard> reloaded = VirtualJpkiCard::persistent(dir, test_pki());
    CHECK(reloaded->tries_left(0x1B) == 4);
    CHECK(reloaded->tries_left(0x18) == 3);
    CHECK(reloaded->options().auth_pin.value == "4321");
    CHECK_FALSE(reloaded->verified(0x18));  // a new power-on
    CardRig check;  // a non-persistent card is unaffected
    CHECK(check.card->tries_left(0x1B) == 5);

    VirtualCardTransport transport(reloaded);
    auto send = [&](const Bytes& apdu) { return Response::parse(*transport.transmit(apdu))->sw.value; };
    REQUIRE(send({0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}) == 0x9000);
    REQUIRE(send({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18}) == 0x9000);
    CHECK(send({0x00, 0x20, 0x00, 0x80, 0x04, '4', '3', '2', '1'}) == 0x9000);
}

TEST_CASE("vcard: a locked PIN stays locked across reloads")
{
    const auto dir = fresh_dir("locked");
    {
        CardOptions options;
        options.auth_pin.tries_left = 1;
        std::shared_ptr<VirtualJpkiCard> card = VirtualJpkiCard::persistent(dir, test_pki(), options);
        VirtualCardTransport transport(card);
        auto send = [&](const Bytes& apdu) { return Response::parse(*transport.transmit(apdu))->sw.value; };
        REQUIRE(send({0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}) == 0x9000);
        REQUIRE(send({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18}) == 0x9000);
        CHECK(send({0x00, 0x20, 0x00, 0x80, 0x04, '0', '0', '0', '0'}) == 0x63C0);
    }
    // The stored state wins over the options given on reload.
    auto reloaded = VirtualJpkiCard::persistent(dir, test_pki(), CardOptions{});
    CHECK(reloaded->tries_left(0x18) == 0);
}

TEST_CASE("vcard: a malformed state file is ignored, not fatal")
{
    const auto dir = fresh_dir("malformed");
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "card-state.json") << "{ this is not json";
    auto card = VirtualJpkiCard::persistent(dir, test_pki());
    CHECK(card->tries_left(0x18) == 3);
    // ... and is replaced by a good one.
    auto again = VirtualJpkiCard::persistent(dir, test_pki());
    CHECK(again->tries_left(0x18) == 3);
    std::ifstream in(dir / "card-state.json");
    std::string text, line;
    while (std::getline(in, line)) text += line;
    CHECK(text.find("\"tries_left\"") != std::string::npos);
}
