// Kenhojo AP (jpki-card.md §1.12): number and attributes behind PIN 0011.
#include <catch2/catch.hpp>

#include "session_fixture.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

TEST_CASE("Kenhojo: number and four attributes after the PIN", "[jpki][kenhojo]")
{
    vcard::CardOptions card_options;
    card_options.my_number = "987654321012";
    VirtualReader reader(card_options);
    auto session = open(reader);
    auto data = session.read_kenhojo(secure("1234"));
    REQUIRE(data);
    const vcard::PersonalData person;
    CHECK(data->my_number == "987654321012");
    CHECK(data->attributes.name == person.name);
    CHECK(data->attributes.address == person.address);
    CHECK(data->attributes.birth_date == person.birth_date.substr(1));  // EYYYYMMDD -> YYYYMMDD
    CHECK(data->attributes.sex == person.sex);
    // Back on the JPKI AP afterwards, and the JPKI PINs are untouched.
    CHECK(session.pin_status(PinKind::Auth)->tries_left == 3);
    CHECK(session.read_certificate(CertKind::Auth));
}

TEST_CASE("Kenhojo: an address over 256 bytes is read by its header length", "[jpki][kenhojo]")
{
    vcard::PkiOptions o;
    o.person = vcard::person_with_long_address();
    const auto pki = vcard::TestPki::generate(o);
    for (bool extended : {false, true}) {
        vcard::CardOptions card_options;
        card_options.support_extended_length = extended;
        VirtualReader reader(card_options, pki);
        auto session = open(reader);
        auto data = session.read_kenhojo(secure("1234"));
        REQUIRE(data);
        CHECK(data->attributes.address == o.person.address);
    }
}

TEST_CASE("Kenhojo: wrong PIN counts down its own counter, then locks", "[jpki][kenhojo][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    auto r = session.read_kenhojo(secure("0000"));
    CHECK(r.error().code == Errc::PinIncorrect);
    CHECK(r.error().tries_left == 2);
    CHECK(reader.card->tries_left(0x18) == 3);
    CHECK(session.pin_status(PinKind::Kenhojo)->tries_left == 2);
    (void)session.read_kenhojo(secure("0000"));
    VerifyOptions deny;
    deny.final_try = FinalTryPolicy::Deny;
    CHECK(session.read_kenhojo(secure("0000"), deny).error().code == Errc::FinalTryRefused);
    CHECK(session.read_kenhojo(secure("0000")).error().code == Errc::PinLocked);
    const auto sent = reader.card->stats().verify_with_data;
    CHECK(session.read_kenhojo(secure("1234")).error().code == Errc::PinLocked);
    CHECK(reader.card->stats().verify_with_data == sent);
    // The JPKI side still works.
    CHECK(session.verify_pin(PinKind::Auth, secure("1234")));
}
