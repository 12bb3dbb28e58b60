// PIN IEFs 0018 (auth, 3 tries) and 001B (sign, 5 tries): VERIFY, counters, locking, CHANGE
// REFERENCE DATA and the lifetime of the verified state (jpki-card.md §1.6, §1.8, §1.9).
#include "vcard_test_util.hpp"

using namespace vcard_test;

TEST_CASE("vcard: empty VERIFY answers 63Cx and spends nothing, even 100 times")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    for (int i = 0; i < 100; ++i) REQUIRE(rig.verify_status() == 0x63C3);
    CHECK(rig.card->tries_left(0x18) == 3);
    REQUIRE(rig.select_ef(0x001B) == 0x9000);
    for (int i = 0; i < 100; ++i) REQUIRE(rig.verify_status() == 0x63C5);
    CHECK(rig.card->tries_left(0x1B) == 5);
    const CardStats stats = rig.card->stats();
    CHECK(stats.verify_empty == 200);
    CHECK(stats.verify_with_data == 0);
}

TEST_CASE("vcard: auth PIN locks after 3 wrong tries: 63C2, 63C1, 63C0, then 6984 for everything")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.verify(0x80, "0000") == 0x63C2);
    CHECK(rig.verify_status() == 0x63C2);
    CHECK(rig.verify(0x80, "0001") == 0x63C1);
    CHECK(rig.verify(0x80, "0002") == 0x63C0);  // the exhausting attempt
    CHECK(rig.card->tries_left(0x18) == 0);
    CHECK(rig.verify(0x80, "1234") == 0x6984);  // even the right PIN
    CHECK(rig.verify(0x80, "0003") == 0x6984);
    CHECK(rig.verify_status() == 0x6984);
    CHECK_FALSE(rig.card->verified(0x18));
    // Locked: no signature possible, and the sign password is untouched.
    REQUIRE(rig.select_ef(0x001B) == 0x9000);
    CHECK(rig.verify_status() == 0x63C5);
}

TEST_CASE("vcard: sign password locks after 5 wrong tries")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x001B) == 0x9000);
    for (int left = 4; left >= 0; --left)
        CHECK(rig.verify(0x80, "WRONG1") == (0x63C0 | left));
    CHECK(rig.verify(0x80, "ABC123") == 0x6984);
    CHECK(rig.verify_status() == 0x6984);
    CHECK(rig.card->tries_left(0x1B) == 0);
    CHECK(rig.card->tries_left(0x18) == 3);
}

TEST_CASE("vcard: locked_sw_6983 answers 6983 once blocked - configured locked PINs start blocked")
{
    CardOptions options;
    options.locked_sw_6983 = true;
    options.auth_pin.tries_left = 0;
    CardRig rig(options);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.verify_status() == 0x6983);
    CHECK(rig.verify(0x80, "1234") == 0x6983);
}

TEST_CASE("vcard: a correct PIN resets the counter to its maximum")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.verify(0x80, "9999") == 0x63C2);
    CHECK(rig.verify(0x80, "9999") == 0x63C1);
    CHECK(rig.verify(0x80, "1234") == 0x9000);
    CHECK(rig.card->tries_left(0x18) == 3);
    CHECK(rig.card->verified(0x18));
    CHECK(rig.verify_status() == 0x63C3);  // default: the card keeps answering 63Cx
    // A wrong attempt after success counts and drops the verified state.
    CHECK(rig.verify(0x80, "9999") == 0x63C2);
    CHECK_FALSE(rig.card->verified(0x18));
}

TEST_CASE("vcard: answer_9000_when_verified makes an empty VERIFY answer 9000 after success")
{
    CardOptions options;
    options.answer_9000_when_verified = true;
    CardRig rig(options);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.verify_status() == 0x63C3);
    REQUIRE(rig.verify(0x80, "1234") == 0x9000);
    CHECK(rig.verify_status() == 0x9000);
}

TEST_CASE("vcard: the card compares bytes: a lower-case sign password is wrong and costs a try")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x001B) == 0x9000);
    CHECK(rig.verify(0x80, "abc123") == 0x63C4);
    CHECK(rig.verify(0x80, "ABC1234") == 0x63C3);  // a longer value is not a prefix match
    CHECK(rig.verify(0x80, "ABC12") == 0x63C2);
    CHECK(rig.verify(0x80, "ABC123") == 0x9000);
}

TEST_CASE("vcard: auth, sign and Kenhojo counters are independent")
{
    CardRig rig;
    REQUIRE(rig.login(kJpkiAid, 0x0018, "0000") == 0x63C2);
    REQUIRE(rig.login(kJpkiAid, 0x001B, "XXXXXX") == 0x63C4);
    REQUIRE(rig.login(kKenhojoAid, 0x0011, "0000") == 0x63C2);
    CHECK(rig.card->tries_left(0x18) == 2);
    CHECK(rig.card->tries_left(0x1B) == 4);
    CHECK(rig.card->tries_left(0x11) == 2);
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    CHECK(rig.card->tries_left(0x18) == 3);
    CHECK(rig.card->tries_left(0x1B) == 4);
    CHECK(rig.card->tries_left(0x11) == 2);
    CHECK(rig.card->verified(0x18));
    CHECK_FALSE(rig.card->verified(0x1B));
    CHECK_FALSE(rig.card->verified(0x11));
    CHECK(rig.card->stats().verify_with_data == 4);
}

TEST_CASE("vcard: VERIFY addressing: P2=80 needs a PIN EF, P2=80|SFI names it, others fail")
{
    CardRig rig;
    CHECK(rig.verify_status() == 0x6A88);  // no AP, no EF
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.verify_status() == 0x6A88);  // no current EF
    REQUIRE(rig.select_ef(0x000A) == 0x9000);
    CHECK(rig.verify_status() == 0x6A88);  // a certificate is no PIN
    CHECK(rig.verify_status(0x98) == 0x63C3);  // 00 20 00 98: auth PIN by SFI
    CHECK(rig.verify_status(0x9B) == 0x63C5);
    CHECK(rig.verify(0x98, "1234") == 0x9000);
    CHECK(rig.verify_status(0x00) == 0x6A86);
    CHECK(rig.raw({0x00, 0x20, 0x01, 0x80}).sw.value == 0x6A86);
}

TEST_CASE("vcard: CHANGE REFERENCE DATA needs the PIN verified and sets the new value")
{
    CardRig rig;
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.sw(Command::change_reference_data(0x01, 0x80, secure("5678"))) == 0x6982);
    REQUIRE(rig.verify(0x80, "1234") == 0x9000);
    CHECK(rig.sw(Command::change_reference_data(0x01, 0x80, secure("56789"))) == 0x6700);
    CHECK(rig.sw(Command::change_reference_data(0x00, 0x80, secure("5678"))) == 0x6A86);
    CHECK(rig.sw(Command::change_reference_data(0x01, 0x80, secure("5678"))) == 0x9000);
    CHECK(rig.card->options().auth_pin.value == "5678");
    CHECK(rig.verify(0x80, "1234") == 0x63C2);
    CHECK(rig.verify(0x80, "5678") == 0x9000);

    // The sign password: 6-16 characters, and only its own verification counts.
    REQUIRE(rig.select_ef(0x001B) == 0x9000);
    CHECK(rig.sw(Command::change_reference_data(0x01, 0x80, secure("NEWPASS9"))) == 0x6982);
    REQUIRE(rig.verify(0x80, "ABC123") == 0x9000);
    CHECK(rig.sw(Command::change_reference_data(0x01, 0x80, secure("AB12"))) == 0x6700);
    CHECK(rig.sw(Command::change_reference_data(0x01, 0x80, secure("NEWPASS9"))) == 0x9000);
    CHECK(rig.verify(0x80, "NEWPASS9") == 0x9000);
}

TEST_CASE("vcard: what a SELECT by AID does to verified PINs follows select_rule; warm reset keeps, power off clears")
{
    // jpki-card.md §1.9/§7 leave it open; the default is the strict reading (issue 9 §2).
    using mynacard::vcard::SelectRule;
    CHECK(mynacard::vcard::SwitchValues{}.select_rule == SelectRule::ClearAny);
    CHECK(CardOptions{}.select_rule == mynacard::vcard::switch_defaults().select_rule);
    for (SelectRule rule : {SelectRule::ClearAny, SelectRule::KeepSameAp, SelectRule::KeepAll}) {
        CAPTURE(static_cast<int>(rule));
        CardOptions options;
        options.select_rule = rule;
        CardRig rig(options);
        REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
        REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
        CHECK(rig.card->verified(0x18) == (rule != SelectRule::ClearAny));
        REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
        REQUIRE(rig.select_aid(kKenhojoAid) == 0x9000);
        CHECK(rig.card->verified(0x18) == (rule == SelectRule::KeepAll));
        CHECK(rig.select_aid(Bytes{0xD3, 0x92, 0x00}) == 0x6A82);  // a failed SELECT clears nothing more

        REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
        REQUIRE(rig.transport.reset(mynacard::apdu::Disposition::Reset));
        CHECK(rig.card->verified(0x18));
        // The selection is gone after any reset.
        CHECK(rig.select_ef(0x0017) == 0x6A82);

        REQUIRE(rig.transport.reset(mynacard::apdu::Disposition::Unpower));
        CHECK_FALSE(rig.card->verified(0x18));
        CHECK(rig.card->tries_left(0x18) == 3);
    }
}
