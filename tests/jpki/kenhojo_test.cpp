// Kenhojo AP (jpki-card.md §1.12): number and attributes behind PIN 0011.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "mynacard/apdu/trace.hpp"
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

namespace {

/// How many 16-byte windows of `secret` (taken at every 16th byte) appear in the trace text,
/// leaving out windows that also occur in `public_der` (the signing certificate shares its
/// issuer name and algorithm identifiers with the CA certificates, which are public).
std::size_t windows_in_trace(const std::string& text, const Bytes& secret, const std::vector<Bytes>& public_der = {})
{
    std::size_t found = 0;
    for (std::size_t at = 0; at + 16 <= secret.size(); at += 16) {
        const ByteView window(secret.data() + at, 16);
        const bool is_public = std::any_of(public_der.begin(), public_der.end(), [&](const Bytes& der) {
            return std::search(der.begin(), der.end(), window.begin(), window.end()) != der.end();
        });
        if (!is_public && text.find(to_hex(window, ' ')) != std::string::npos) ++found;
    }
    return found;
}

}  // namespace

TEST_CASE("trace: the Kenhojo data and the signing certificate never reach the APDU trace",
          "[jpki][kenhojo][trace]")
{
    std::string text;
    apdu::trace::set_sink([&text](const std::string& line) { text += line + "\n"; });
    vcard::CardOptions card_options;
    card_options.my_number = "987654321012";
    VirtualReader reader(card_options);
    const auto& pki = vcard::TestPki::shared_default();
    {
        auto session = open(reader);
        REQUIRE(session.read_kenhojo(secure("1234")));
        REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
        REQUIRE(*session.read_certificate(CertKind::Sign) == pki.sign_der);
        REQUIRE(*session.read_certificate(CertKind::Auth) == pki.auth_der);
    }
    apdu::trace::set_sink(nullptr);
    INFO(text);
    const std::string number = "987654321012";
    CHECK(text.find(to_hex(Bytes(number.begin(), number.end()), ' ')) == std::string::npos);
    const vcard::PersonalData person;
    const Bytes address(person.address.begin(), person.address.begin() + 12);
    CHECK(text.find(to_hex(address, ' ')) == std::string::npos);
    CHECK(windows_in_trace(text, pki.sign_der, {pki.auth_der, pki.auth_ca_der, pki.sign_ca_der}) == 0);
    CHECK(text.find("<redacted") != std::string::npos);
    // The public auth certificate is traced in full: the hex form above is the trace's own.
    CHECK(windows_in_trace(text, pki.auth_der) > pki.auth_der.size() / 32);
}
