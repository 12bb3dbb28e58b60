// PIN safety (issue 3 "the user's card must never be locked by us"; pin-and-suspension.md §1.5,
// §1.6) against the virtual card, whose counters we inspect directly.
#include <catch2/catch.hpp>

#include "session_fixture.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

namespace {

constexpr int kAuthEf = 0x18;
constexpr int kSignEf = 0x1B;
constexpr int kKenhojoEf = 0x11;

VerifyOptions policy(FinalTryPolicy p, bool confirmed = false)
{
    VerifyOptions o;
    o.final_try = p;
    o.final_try_confirmed = confirmed;
    return o;
}

}  // namespace

TEST_CASE("PIN: a malformed PIN never reaches the card", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    const auto apdus = session.apdu_count();
    struct Case {
        PinKind kind;
        const char* pin;
        Errc code;
    };
    const Case cases[] = {
        {PinKind::Auth, "123", Errc::PinLengthInvalid},      {PinKind::Auth, "12345", Errc::PinLengthInvalid},
        {PinKind::Auth, "12a4", Errc::PinCharactersInvalid}, {PinKind::Sign, "ABC12", Errc::PinLengthInvalid},
        {PinKind::Sign, "ABCDEFGHIJ1234567", Errc::PinLengthInvalid},
        {PinKind::Sign, "ÄBC123", Errc::PinCharactersInvalid}, {PinKind::Sign, "ABC_123", Errc::PinCharactersInvalid},
        {PinKind::Kenhojo, "1", Errc::PinLengthInvalid},
    };
    for (const auto& c : cases) {
        CAPTURE(c.pin);
        auto r = session.verify_pin(c.kind, secure(c.pin));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == c.code);
        const KeyKind key = c.kind == PinKind::Sign ? KeyKind::Sign : KeyKind::Auth;
        CHECK(session.sign_with_pin(key, secure(c.pin), Bytes(51, 1)).error().code == c.code);
    }
    CHECK(session.change_pin(PinKind::Auth, secure("1234"), secure("12")).error().code == Errc::PinLengthInvalid);
    CHECK(session.change_pin(PinKind::Sign, secure("ABC123"), secure("ABCDEF")).error().code ==
          Errc::PinCharactersInvalid);
    CHECK(session.read_kenhojo(secure("12")).error().code == Errc::PinLengthInvalid);
    CHECK(session.apdu_count() == apdus);
    CHECK(reader.card->stats().verify_with_data == 0);
    CHECK(reader.card->tries_left(kAuthEf) == 3);
    CHECK(reader.card->tries_left(kSignEf) == 5);
    CHECK(reader.card->tries_left(kKenhojoEf) == 3);
}

TEST_CASE("PIN: 100 status queries change nothing", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    for (int i = 0; i < 100; ++i) {
        auto auth = session.pin_status(PinKind::Auth);
        auto sign = session.pin_status(PinKind::Sign);
        auto kenhojo = session.pin_status(PinKind::Kenhojo);
        REQUIRE(auth);
        REQUIRE(sign);
        REQUIRE(kenhojo);
        CHECK(auth->tries_left == 3);
        CHECK(sign->tries_left == 5);
        CHECK(kenhojo->tries_left == 3);
        CHECK_FALSE(auth->count_low());
    }
    CHECK(reader.card->stats().verify_with_data == 0);
    CHECK(reader.card->stats().verify_empty == 300);
    CHECK(reader.card->tries_left(kAuthEf) == 3);
    CHECK(reader.card->tries_left(kSignEf) == 5);
    CHECK(reader.card->tries_left(kKenhojoEf) == 3);
}

TEST_CASE("PIN: auth locks after 3 wrong tries, then no VERIFY is ever sent", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    auto r = session.verify_pin(PinKind::Auth, secure("0000"));
    CHECK(r.error().code == Errc::PinIncorrect);
    CHECK(r.error().tries_left == 2);
    CHECK(r.error().sw == 0x63C2);
    CHECK(session.pin_status(PinKind::Auth)->count_low());
    r = session.verify_pin(PinKind::Auth, secure("0000"));
    CHECK(r.error().tries_left == 1);
    CHECK(session.pin_status(PinKind::Auth)->final_try());
    r = session.verify_pin(PinKind::Auth, secure("0000"));
    CHECK(r.error().code == Errc::PinLocked);  // 63C0: this attempt blocked it
    CHECK(r.error().tries_left == 0);
    CHECK(reader.card->tries_left(kAuthEf) == 0);
    CHECK(session.pin_status(PinKind::Auth)->locked());

    const auto sent = reader.card->stats().verify_with_data;
    CHECK(sent == 3);
    for (const char* pin : {"1234", "0000"}) {
        auto again = session.verify_pin(PinKind::Auth, secure(pin));
        CHECK(again.error().code == Errc::PinLocked);
        CHECK(again.error().tries_left == 0);
        CHECK(session.sign_with_pin(KeyKind::Auth, secure(pin), Bytes(51, 1)).error().code == Errc::PinLocked);
        CHECK(session.change_pin(PinKind::Auth, secure(pin), secure("5678")).error().code == Errc::PinLocked);
    }
    CHECK(reader.card->stats().verify_with_data == sent);
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
}

TEST_CASE("PIN: sign password locks after 5; the counters are independent", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    for (int expected = 4; expected >= 1; --expected) {
        auto r = session.verify_pin(PinKind::Sign, secure("WRONG1"));
        CHECK(r.error().code == Errc::PinIncorrect);
        CHECK(r.error().tries_left == expected);
        CHECK(reader.card->tries_left(kAuthEf) == 3);
    }
    CHECK(session.verify_pin(PinKind::Sign, secure("WRONG1")).error().code == Errc::PinLocked);
    CHECK(reader.card->tries_left(kSignEf) == 0);
    // The auth PIN and the Kenhojo PIN are untouched and still work.
    CHECK(session.pin_status(PinKind::Auth)->tries_left == 3);
    CHECK(session.pin_status(PinKind::Kenhojo)->tries_left == 3);
    CHECK(session.verify_pin(PinKind::Auth, secure("1234")));
    CHECK(session.logged_in(KeyKind::Auth));
    CHECK_FALSE(session.logged_in(KeyKind::Sign));
}

TEST_CASE("PIN: locking auth leaves the sign password usable", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    for (int i = 0; i < 3; ++i) (void)session.verify_pin(PinKind::Auth, secure("9999"));
    CHECK(reader.card->tries_left(kAuthEf) == 0);
    CHECK(reader.card->tries_left(kSignEf) == 5);
    CHECK(session.verify_pin(PinKind::Sign, secure("ABC123")));
}

TEST_CASE("PIN: a correct entry resets the counter", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    (void)session.verify_pin(PinKind::Auth, secure("0000"));
    (void)session.verify_pin(PinKind::Auth, secure("0000"));
    CHECK(reader.card->tries_left(kAuthEf) == 1);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    CHECK(reader.card->tries_left(kAuthEf) == 3);
}

TEST_CASE("PIN: lower case sign passwords are folded to upper case", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Sign, secure("abc123")));
    CHECK(reader.card->tries_left(kSignEf) == 5);
    CHECK(session.logged_in(KeyKind::Sign));
}

TEST_CASE("PIN: final-try policies", "[jpki][pin]")
{
    vcard::CardOptions card_options;
    card_options.auth_pin.tries_left = 1;
    VirtualReader reader(card_options);
    auto session = open(reader);
    REQUIRE(session.pin_status(PinKind::Auth)->final_try());

    SECTION("deny refuses even the right PIN, nothing sent")
    {
        auto r = session.verify_pin(PinKind::Auth, secure("1234"), policy(FinalTryPolicy::Deny));
        CHECK(r.error().code == Errc::FinalTryRefused);
        CHECK(r.error().tries_left == 1);
        CHECK(session.sign_with_pin(KeyKind::Auth, secure("1234"), Bytes(51, 1), policy(FinalTryPolicy::Deny))
                  .error()
                  .code == Errc::FinalTryRefused);
        CHECK(reader.card->stats().verify_with_data == 0);
        CHECK(reader.card->tries_left(kAuthEf) == 1);
    }
    SECTION("confirm without the confirmation refuses; with it, sends")
    {
        auto r = session.verify_pin(PinKind::Auth, secure("0000"), policy(FinalTryPolicy::Confirm));
        CHECK(r.error().code == Errc::FinalTryRefused);
        CHECK(reader.card->stats().verify_with_data == 0);
        r = session.verify_pin(PinKind::Auth, secure("1234"), policy(FinalTryPolicy::Confirm, true));
        CHECK(r);
        CHECK(reader.card->stats().verify_with_data == 1);
        CHECK(reader.card->tries_left(kAuthEf) == 3);
    }
    SECTION("allow sends the final try")
    {
        auto r = session.verify_pin(PinKind::Auth, secure("0000"), policy(FinalTryPolicy::Allow));
        CHECK(r.error().code == Errc::PinLocked);
        CHECK(reader.card->tries_left(kAuthEf) == 0);
    }
    SECTION("the policy does not matter when tries remain")
    {
        CHECK(session.verify_pin(PinKind::Sign, secure("ABC123"), policy(FinalTryPolicy::Deny)));
    }
}

TEST_CASE("PIN: a counter already at 0 is never sent a VERIFY (6984 and 6983 cards)", "[jpki][pin]")
{
    for (bool sw_6983 : {false, true}) {
        CAPTURE(sw_6983);
        vcard::CardOptions card_options;
        card_options.auth_pin.tries_left = 0;
        card_options.kenhojo_pin.tries_left = 0;
        card_options.locked_sw_6983 = sw_6983;
        VirtualReader reader(card_options);
        auto session = open(reader);
        auto status = session.pin_status(PinKind::Auth);
        REQUIRE(status);
        CHECK(status->locked());
        auto r = session.verify_pin(PinKind::Auth, secure("1234"));
        CHECK(r.error().code == Errc::PinLocked);
        CHECK(r.error().tries_left == 0);
        CHECK(session.read_kenhojo(secure("1234")).error().code == Errc::PinLocked);
        CHECK(reader.card->stats().verify_with_data == 0);
    }
}

TEST_CASE("PIN: a card answering 9000 once verified", "[jpki][pin]")
{
    vcard::CardOptions card_options;
    card_options.answer_9000_when_verified = true;
    VirtualReader reader(card_options);
    auto session = open(reader);
    CHECK(session.pin_status(PinKind::Auth)->tries_left == 3);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    auto status = session.pin_status(PinKind::Auth);
    REQUIRE(status);
    CHECK(status->verified_reported());
    CHECK_FALSE(status->locked());
    CHECK_FALSE(status->count_low());
    // A further VERIFY is still allowed (the count is unknown, so no final-try refusal).
    CHECK(session.verify_pin(PinKind::Auth, secure("1234"), policy(FinalTryPolicy::Deny)));
}

TEST_CASE("PIN: change, with the same checks on the new value", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.change_pin(PinKind::Auth, secure("1234"), secure("5678")));
    CHECK(session.logged_in(KeyKind::Auth));
    CHECK(session.verify_pin(PinKind::Auth, secure("1234")).error().code == Errc::PinIncorrect);
    CHECK(session.verify_pin(PinKind::Auth, secure("5678")));

    REQUIRE(session.change_pin(PinKind::Sign, secure("abc123"), secure("new456")));
    CHECK(session.verify_pin(PinKind::Sign, secure("NEW456")));

    REQUIRE(session.change_pin(PinKind::Kenhojo, secure("1234"), secure("4321")));
    CHECK(session.read_kenhojo(secure("4321")));

    // Wrong old value: one try spent, nothing changed.
    auto r = session.change_pin(PinKind::Auth, secure("0000"), secure("1111"));
    CHECK(r.error().code == Errc::PinIncorrect);
    CHECK(r.error().tries_left == 2);
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
    CHECK(session.verify_pin(PinKind::Auth, secure("5678")));
}

TEST_CASE("PIN: login state follows resets; logout powers the card off", "[jpki][pin]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
    CHECK(session.logged_in(KeyKind::Auth));
    CHECK(session.logged_in(KeyKind::Sign));
    REQUIRE(session.logout());
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
    CHECK_FALSE(session.logged_in(KeyKind::Sign));
    CHECK_FALSE(reader.card->verified(kAuthEf));
    CHECK_FALSE(reader.card->verified(kSignEf));
    CHECK(session.sign(KeyKind::Auth, Bytes(51, 1)).error().code == Errc::NotLoggedIn);
}
