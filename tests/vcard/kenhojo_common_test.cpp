// Kenhojo AP (jpki-card.md §1.12) and Common AP (§1.14).
#include "mynacard/apdu/tlv.hpp"
#include "vcard_test_util.hpp"

using namespace vcard_test;

TEST_CASE("vcard: Kenhojo EF 0001 and 0002 need PIN 0011 (3 tries)")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kKenhojoAid) == 0x9000);
    for (std::uint16_t fid : {0x0001, 0x0002}) {
        REQUIRE(rig.select_ef(fid) == 0x9000);
        CHECK(rig.sw(Command::read_binary(0, 17)) == 0x6982);
    }
    REQUIRE(rig.select_ef(0x0011) == 0x9000);
    CHECK(rig.verify_status() == 0x63C3);
    CHECK(rig.verify(0x80, "1111") == 0x63C2);
    CHECK(rig.verify(0x80, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x0001) == 0x9000);
    Response number = rig.send(Command::read_binary(0, 17));
    REQUIRE(number.sw.value == 0x9000);
    Bytes expected = {0xFF, 0x10, 0x0C};
    for (char c : std::string("123456789018")) expected.push_back(static_cast<std::uint8_t>(c));
    expected.insert(expected.end(), {0xFF, 0xFF});
    CHECK(number.data == expected);
    // The JPKI AP's files are not here.
    CHECK(rig.select_ef(0x000A) == 0x6A82);
}

TEST_CASE("vcard: Kenhojo PIN locks after 3 tries like the others")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kKenhojoAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0011) == 0x9000);
    CHECK(rig.verify(0x80, "0000") == 0x63C2);
    CHECK(rig.verify(0x80, "0000") == 0x63C1);
    CHECK(rig.verify(0x80, "0000") == 0x63C0);
    CHECK(rig.verify(0x80, "1234") == 0x6984);
    CHECK(rig.verify_status() == 0x6984);
    CHECK(rig.card->tries_left(0x11) == 0);
    CHECK(rig.card->tries_left(0x18) == 3);
}

TEST_CASE("vcard: Kenhojo EF 0002 is FF20 with a non-minimal length around DF21..DF25")
{
    CardRig rig;
    REQUIRE(rig.login(kKenhojoAid, 0x0011, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x0002) == 0x9000);
    const Bytes ef = rig.read_all();
    REQUIRE(ef.size() > 8);
    CHECK(ef[0] == 0xFF);
    CHECK(ef[1] == 0x20);
    // Non-minimal: a long-form length whose first length byte is 00.
    REQUIRE((ef[2] == 0x82 || ef[2] == 0x83));
    CHECK(ef[3] == 0x00);

    auto outer = mynacard::apdu::tlv::parse_element(ef);
    REQUIRE(outer);
    CHECK(outer->header.tag == 0xFF20);
    auto fields = mynacard::apdu::tlv::parse_all(outer->value);
    REQUIRE(fields);
    const PersonalData person = *test_pki().sign_person();
    auto text = [&](std::uint32_t tag) {
        auto e = mynacard::apdu::tlv::find(*fields, tag);
        REQUIRE(e);
        return std::string(e->value.begin(), e->value.end());
    };
    CHECK(text(0xDF22) == person.name);
    CHECK(text(0xDF23) == person.address);
    CHECK(text(0xDF24) == person.birth_date.substr(1));  // YYYYMMDD, without the era digit
    CHECK(text(0xDF25) == person.sex);
    // DF21 holds the u16 offset of each field's tag from the start of the file.
    auto offsets = mynacard::apdu::tlv::find(*fields, 0xDF21);
    REQUIRE(offsets);
    REQUIRE(offsets->value.size() == 8);
    const std::uint32_t tags[] = {0xDF22, 0xDF23, 0xDF24, 0xDF25};
    for (std::size_t i = 0; i < 4; ++i) {
        const std::size_t at = (static_cast<std::size_t>(offsets->value[2 * i]) << 8) | offsets->value[2 * i + 1];
        REQUIRE(at + 1 < ef.size());
        CHECK(((static_cast<std::uint32_t>(ef[at]) << 8) | ef[at + 1]) == tags[i]);
    }
}

TEST_CASE("vcard: Common AP READ RECORD 00 B2 01 0C 00 returns 01 1C + 28 characters")
{
    CardOptions options;
    options.common_serial = "AB0123456789012";
    options.municipality_code = "13101";
    options.card_expiry = "20351231";
    CardRig rig(options);
    CHECK(rig.raw({0x00, 0xB2, 0x01, 0x0C, 0x00}).sw.value == 0x6A82);  // no AP
    REQUIRE(rig.select_aid(kCommonAid) == 0x9000);
    Response r = rig.raw({0x00, 0xB2, 0x01, 0x0C, 0x00});
    REQUIRE(r.sw.value == 0x9000);
    REQUIRE(r.data.size() == 30);
    CHECK(r.data[0] == 0x01);
    CHECK(r.data[1] == 0x1C);
    CHECK(std::string(r.data.begin() + 2, r.data.end()) == "AB01234567890121310120351231");
    CHECK(rig.send(Command::read_record(1, 1, 256)).data == r.data);
    CHECK(rig.raw({0x00, 0xB2, 0x02, 0x0C, 0x00}).sw.value == 0x6A83);
    CHECK(rig.raw({0x00, 0xB2, 0x01, 0x14, 0x00}).sw.value == 0x6A82);
    // A short Le gets the exact length back (6Cxx).
    CHECK(rig.raw({0x00, 0xB2, 0x01, 0x0C, 0x10}).sw.value == 0x6C1E);
    // The JPKI AP has no records.
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.raw({0x00, 0xB2, 0x01, 0x0C, 0x00}).sw.value == 0x6A82);
}
