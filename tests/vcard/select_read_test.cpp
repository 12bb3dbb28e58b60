// SELECT and READ BINARY on the JPKI AP (jpki-card.md §1.3-§1.5).
#include <cstring>

#include "vcard_test_util.hpp"

using namespace vcard_test;

namespace {

std::size_t der_length(const Bytes& b)
{
    // 30 82 LL LL: every test certificate is 256..65535 bytes.
    REQUIRE(b.size() >= 4);
    REQUIRE(b[0] == 0x30);
    REQUIRE(b[1] == 0x82);
    return 4 + ((static_cast<std::size_t>(b[2]) << 8) | b[3]);
}

}  // namespace

TEST_CASE("vcard: SELECT AP by AID, unknown AID 6A82, only P2=0C")
{
    CardRig rig;
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.select_aid(kKenhojoAid) == 0x9000);
    CHECK(rig.select_aid(kCommonAid) == 0x9000);
    CHECK(rig.select_aid({0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x02}) == 0x6A82);
    // SELECT AP with no FCI is 00 A4 04 0C; asking for an FCI is not modelled.
    CHECK(rig.raw({0x00, 0xA4, 0x04, 0x00, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}).sw.value == 0x6A86);
    CHECK(rig.card->stats().selects == 5);
}

TEST_CASE("vcard: SELECT EF needs an AP, P1=02 P2=0C - path, MF and 3F00 fail as on the card")
{
    CardRig rig;
    // Right after power-on: no AP. SELECT MF answers 6A86, SELECT EF 6A82.
    CHECK(rig.raw({0x00, 0xA4, 0x00, 0x00}).sw.value == 0x6A86);
    CHECK(rig.select_ef(0x000A) == 0x6A82);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    // With an AP selected SELECT MF answers 9000 and does nothing.
    CHECK(rig.raw({0x00, 0xA4, 0x00, 0x00}).sw.value == 0x9000);
    for (std::uint16_t fid : {0x0001, 0x0002, 0x0006, 0x0008, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B})
        CHECK(rig.select_ef(fid) == 0x9000);
    CHECK(rig.select_ef(0x3F00) == 0x6A82);
    CHECK(rig.select_ef(0x0005) == 0x6A82);
    CHECK(rig.raw({0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00}).sw.value == 0x6A82);
    // Path selection (P1=09) does not work.
    CHECK(rig.raw({0x00, 0xA4, 0x09, 0x0C, 0x02, 0x00, 0x0A}).sw.value == 0x6A86);
    CHECK(rig.raw({0x00, 0xA4, 0x02, 0x00, 0x02, 0x00, 0x0A}).sw.value == 0x6A86);
    CHECK(rig.raw({0x00, 0xA4, 0x02, 0x0C, 0x01, 0x0A}).sw.value == 0x6700);
}

TEST_CASE("vcard: with padded-ef, certificate EFs hold the DER followed by FF filler, read in chunks")
{
    CardOptions padded;
    padded.padded_ef = true;
    CardRig rig(padded);
    const TestPki& pki = test_pki();
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    struct Ef { std::uint16_t fid; const Bytes* der; };
    for (const Ef& ef : {Ef{0x000A, &pki.auth_der}, Ef{0x000B, &pki.auth_ca_der}, Ef{0x0002, &pki.sign_ca_der}}) {
        REQUIRE(rig.select_ef(ef.fid) == 0x9000);
        const Bytes all = rig.read_all();
        REQUIRE(all.size() > ef.der->size());
        CHECK(der_length(all) == ef.der->size());
        CHECK(Bytes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(ef.der->size())) == *ef.der);
        for (std::size_t i = ef.der->size(); i < all.size(); ++i) REQUIRE(all[i] == 0xFF);
    }
}

TEST_CASE("vcard: READ BINARY offsets, short answer near the end, 6B00 at and past the end")
{
    CardRig rig;
    const Bytes& der = test_pki().auth_der;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x000A) == 0x9000);
    const std::size_t size = rig.read_all().size();

    Response head = rig.send(Command::read_binary(0, 7));
    CHECK(head.sw.value == 0x9000);
    CHECK(head.data == Bytes(der.begin(), der.begin() + 7));
    Response mid = rig.send(Command::read_binary(100, 16));
    CHECK(mid.data == Bytes(der.begin() + 100, der.begin() + 116));

    Response tail = rig.send(Command::read_binary(static_cast<std::uint16_t>(size - 10), 256));
    CHECK(tail.sw.value == 0x9000);
    CHECK(tail.data.size() == 10);
    CHECK(rig.sw(Command::read_binary(static_cast<std::uint16_t>(size), 256)) == 0x6B00);
    CHECK(rig.sw(Command::read_binary(static_cast<std::uint16_t>(size + 1000), 1)) == 0x6B00);
    CHECK(rig.sw(Command::read_binary(0x7FFF, 1)) == 0x6B00);
}

TEST_CASE("vcard: READ BINARY with an extended Le returns the whole EF at once")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x000A) == 0x9000);
    const Bytes chunked = rig.read_all();
    // 00 B0 00 00 00 00 00: case 2E, Le 0000 = 65536.
    Response whole = rig.raw({0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00});
    CHECK(whole.sw.value == 0x9000);
    CHECK(whole.data == chunked);

    CardOptions no_extended;
    no_extended.support_extended_length = false;
    CardRig short_only(no_extended);
    CHECK_FALSE(short_only.transport.extended_length());
    REQUIRE(short_only.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(short_only.select_ef(0x000A) == 0x9000);
    // The card answers 6700; the in-process transport, like a short-APDU reader, refuses the
    // APDU before the card sees it (switches_test.cpp, "no-extended").
    CHECK(short_only.card->process(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}) == Bytes{0x67, 0x00});
    CHECK_FALSE(short_only.transport.transmit(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST_CASE("vcard: READ BINARY without a current EF, on a PIN or key EF, or via SFI")
{
    CardRig rig;
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x6986);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x6986);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x6981);
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x6981);
    // Short EF identifier: 00 B0 8A 00 04 reads EF 000A without a SELECT (jpki-card.md §1.5).
    Response sfi = rig.raw({0x00, 0xB0, 0x8A, 0x00, 0x04});
    CHECK(sfi.sw.value == 0x9000);
    CHECK(sfi.data == Bytes(test_pki().auth_der.begin(), test_pki().auth_der.begin() + 4));
    // A case-1 READ BINARY (no Le) is a wrong length.
    CHECK(rig.raw({0x00, 0xB0, 0x00, 0x00}).sw.value == 0x6700);
    CHECK(rig.card->stats().read_binary == 6);
}

TEST_CASE("vcard: EF 0006 is a 160-byte CK_TOKEN_INFO labelled JPKIAPICCTOKEN2")
{
    CardOptions options;
    options.common_serial = "XY0000000000042";
    CardRig rig(options);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0006) == 0x9000);
    const Bytes info = rig.read_all();
    REQUIRE(info.size() == 160);
    const std::string label(info.begin(), info.begin() + 32);
    CHECK(label == "JPKIAPICCTOKEN2                 ");
    CHECK(std::string(info.begin() + 80, info.begin() + 96) == "XY0000000000042 ");
    // ulMaxPinLen @116 and ulMinPinLen @120, big-endian 32-bit.
    CHECK(Bytes(info.begin() + 116, info.begin() + 124) == Bytes{0, 0, 0, 16, 0, 0, 0, 4});

    CardOptions other;
    other.token_label = "JPKIAPICCTOKEN";
    CardRig juki(other);
    REQUIRE(juki.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(juki.select_ef(0x0006) == 0x9000);
    Response first = juki.send(Command::read_binary(0, 32));
    CHECK(std::string(first.data.begin(), first.data.end()) == "JPKIAPICCTOKEN                  ");
}

TEST_CASE("vcard: EF 0008 tells which certificates exist - an under-15 card has no EF 0001")
{
    CardRig adult;
    REQUIRE(adult.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(adult.select_ef(0x0008) == 0x9000);
    CHECK(adult.read_all() == Bytes{0x8F, 0x8F, 0x00});

    CardOptions options;
    options.has_sign_certificate = false;
    CardRig child(options);
    REQUIRE(child.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(child.select_ef(0x0008) == 0x9000);
    CHECK(child.read_all() == Bytes{0x00, 0x8F, 0x00});
    CHECK(child.select_ef(0x0001) == 0x6A82);
    CHECK(child.select_ef(0x001A) == 0x6A82);
    CHECK(child.select_ef(0x000A) == 0x9000);
}

TEST_CASE("vcard: EF 0001 (sign cert) answers 6982 until the sign password is verified")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0001) == 0x9000);  // SELECT itself succeeds
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x6982);
    // The auth PIN does not open it.
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x0001) == 0x9000);
    CHECK(rig.sw(Command::read_binary(0, 4)) == 0x6982);
    REQUIRE(rig.login(kJpkiAid, 0x001B, "ABC123") == 0x9000);
    REQUIRE(rig.select_ef(0x0001) == 0x9000);
    const Bytes all = rig.read_all();
    const Bytes& der = test_pki().sign_der;
    CHECK(Bytes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(der.size())) == der);
}

TEST_CASE("vcard: a sign certificate over 2 KB is served whole")
{
    PkiOptions options;
    options.key_bits = 1024;
    options.person = person_with_long_address();
    const TestPki pki = TestPki::generate(options);
    REQUIRE(pki.sign_der.size() > 2048);
    auto card = std::make_shared<VirtualJpkiCard>(pki);
    VirtualCardTransport transport(card);
    auto send = [&](const Bytes& apdu) { return Response::parse(*transport.transmit(apdu)).value(); };
    REQUIRE(send({0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}).sw.value == 0x9000);
    REQUIRE(send({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B}).sw.value == 0x9000);
    REQUIRE(send({0x00, 0x20, 0x00, 0x80, 0x06, 'A', 'B', 'C', '1', '2', '3'}).sw.value == 0x9000);
    REQUIRE(send({0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01}).sw.value == 0x9000);
    Bytes all;
    for (;;) {
        Response r = send({0x00, 0xB0, static_cast<std::uint8_t>(all.size() >> 8),
                           static_cast<std::uint8_t>(all.size() & 0xFF), 0x00});
        if (r.sw.value == 0x6B00) break;
        REQUIRE(r.sw.value == 0x9000);
        all.insert(all.end(), r.data.begin(), r.data.end());
        if (r.data.size() < 256) break;
    }
    REQUIRE(all.size() == pki.sign_der.size());  // the EF ends with the DER (no padded-ef)
    CHECK(all == pki.sign_der);
}

TEST_CASE("vcard: unknown INS 6D00, bad CLA 6E00, channels 6881, secure messaging 6882/69FC")
{
    CardRig rig;
    CHECK(rig.raw({0x00, 0x84, 0x00, 0x00, 0x08}).sw.value == 0x6D00);
    CHECK(rig.raw({0x00, 0xCA, 0x01, 0x00, 0x00}).sw.value == 0x6D00);
    CHECK(rig.raw({0xA0, 0xA4, 0x04, 0x0C, 0x01, 0x00}).sw.value == 0x6E00);
    CHECK(rig.raw({0xFF, 0xB0, 0x00, 0x00, 0x01}).sw.value == 0x6E00);
    CHECK(rig.raw({0x80, 0xB0, 0x00, 0x00, 0x01}).sw.value == 0x6E00);  // ISO INS needs CLA 00
    CHECK(rig.raw({0x00, 0x2A, 0x00, 0x80, 0x01, 0x00, 0x00}).sw.value == 0x6E00);  // 2A needs CLA 80
    CHECK(rig.raw({0x01, 0xB0, 0x00, 0x00, 0x01}).sw.value == 0x6881);
    CHECK(rig.raw({0x0C, 0xA4, 0x04, 0x0C, 0x01, 0x00}).sw.value == 0x6882);
    CHECK(rig.raw({0x0C, 0xB0, 0x00, 0x00, 0x01}).sw.value == 0x69FC);
    // Malformed lengths.
    CHECK(rig.raw({0x00, 0xA4, 0x04, 0x0C, 0x05, 0x01}).sw.value == 0x6700);
    CHECK(rig.raw({0x00, 0xA4}).sw.value == 0x6700);
}
