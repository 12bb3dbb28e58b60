// The virtual card's switches (card_switches.hpp, issue 9 §2): the names, and what each one does
// to the card. Each behaviour test sets the field itself, so it holds whatever
// MYNACARD_VCARD_SWITCHES says; switch_env_test.cpp checks the variable.
#include <openssl/sha.h>

#include "vcard_test_util.hpp"

using namespace vcard_test;
using mynacard::Errc;

namespace {

Bytes digest_info(const std::string& message)
{
    Bytes di = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    unsigned char hash[32];
    SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), hash);
    di.insert(di.end(), hash, hash + 32);
    return di;
}

CardOptions with(const std::string& list)
{
    CardOptions o;
    // Start from the built-in values whatever the environment says, then apply `list`.
    o.select_rule = SelectRule::ClearAny;
    o.sign_consumes = o.answer_9000_when_verified = o.read_end_6282 = o.padded_ef = false;
    o.locked_sw_6983 = o.locked_sw_63c0 = false;
    o.support_extended_length = o.has_common_ap = true;
    o.atr.clear();
    o.token_label = "JPKIAPICCTOKEN2";
    apply_switches(o, list);
    return o;
}

/// Signs with the auth key (its EF selected first); returns the SW.
std::uint16_t sign_auth(CardRig& rig)
{
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    return rig.sw(Command::jpki_compute_signature(digest_info("x")));
}

}  // namespace

TEST_CASE("vcard switches: every name maps to its CardOptions field")
{
    // The built-in default is the strict reading (issue 9 §2): any SELECT by AID clears.
    CHECK(SwitchValues{}.select_rule == SelectRule::ClearAny);
    CHECK(with("reselect-keeps").select_rule == SelectRule::KeepSameAp);
    CHECK(with("reselect-clears").select_rule == SelectRule::ClearAny);
    CHECK(with("reselect-clears,reselect-keeps-all").select_rule == SelectRule::KeepAll);
    CHECK(with("sign-consumes").sign_consumes);
    CHECK(with("empty-verify-9000").answer_9000_when_verified);
    CHECK(with("read-end-6282").read_end_6282);
    CHECK(with("padded-ef").padded_ef);
    CHECK_FALSE(with("no-extended").support_extended_length);
    CHECK(with("blocked-6983").locked_sw_6983);
    CHECK(with("blocked-63c0").locked_sw_63c0);
    // The two blocked answers exclude each other: the later one wins.
    CHECK_FALSE(with("blocked-6983,blocked-63c0").locked_sw_6983);
    CHECK_FALSE(with("no-common-ap").has_common_ap);
    CHECK(with("label-v1").token_label == "JPKIAPICCTOKEN");
    CHECK(with(" atr=3BC5FF8131FB458073C6010000 ").atr ==
          Bytes{0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01, 0x00, 0x00});
    // Several at once, blanks and empty entries ignored.
    const CardOptions many = with("sign-consumes, ,no-extended,");
    CHECK(many.sign_consumes);
    CHECK_FALSE(many.support_extended_length);
    // Every listed switch is accepted by the parser.
    for (const auto& doc : known_switches()) {
        const std::string name = doc.name == "atr=<hex>" ? "atr=3BE000FF8131FE4514" : doc.name;
        CHECK_NOTHROW(with(name));
    }
}

TEST_CASE("vcard switches: unknown names and bad values are errors, never ignored")
{
    CHECK_THROWS_AS(with("no-such-switch"), std::invalid_argument);
    CHECK_THROWS_WITH(with("sign-consume"), Catch::Contains("unknown virtual card switch 'sign-consume'") &&
                                                Catch::Contains("sign-consumes"));
    CHECK_THROWS_AS(with("atr"), std::invalid_argument);              // needs a value
    CHECK_THROWS_AS(with("atr=3B"), std::invalid_argument);           // too short for an ATR
    CHECK_THROWS_AS(with("atr=zz00"), std::invalid_argument);         // not hex
    CHECK_THROWS_AS(with("no-extended=1"), std::invalid_argument);    // takes no value
    CHECK_THROWS_AS(with("sign-consumes,bogus"), std::invalid_argument);
}

TEST_CASE("vcard switches: reselect-keeps-all - no SELECT clears a verified PIN")
{
    CardRig rig(with("reselect-keeps-all"));
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_aid(kCommonAid) == 0x9000);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.card->verified(0x18));
    CHECK(sign_auth(rig) == 0x9000);
}

TEST_CASE("vcard switches: reselect-keeps - the same AP keeps, another AP clears every PIN")
{
    CardRig rig(with("reselect-keeps"));
    REQUIRE(rig.login(kKenhojoAid, 0x0011, "1234") == 0x9000);
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);  // selecting JPKI clears Kenhojo's
    CHECK_FALSE(rig.card->verified(0x11));
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.card->verified(0x18));
    CHECK(sign_auth(rig) == 0x9000);
    REQUIRE(rig.select_aid(kCommonAid) == 0x9000);
    CHECK_FALSE(rig.card->verified(0x18));
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(sign_auth(rig) == 0x6982);
}

TEST_CASE("vcard switches: reselect-clears - any SELECT by AID clears, a failed one does not")
{
    CardRig rig(with("reselect-clears"));
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x001B) == 0x9000);  // login() would SELECT the AP again
    REQUIRE(rig.verify(0x80, "ABC123") == 0x9000);
    // A SELECT that fails changes no selection (ISO 7816-4 §7.1.1) and keeps the state.
    REQUIRE(rig.select_aid({0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x02}) == 0x6A82);
    CHECK(rig.card->verified(0x18));
    // SELECT EF keeps it as well.
    CHECK(sign_auth(rig) == 0x9000);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK_FALSE(rig.card->verified(0x18));
    CHECK_FALSE(rig.card->verified(0x1B));
    CHECK(sign_auth(rig) == 0x6982);
    // An empty VERIFY shows the counter, not a login.
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.verify_status() == 0x63C3);
}

TEST_CASE("vcard switches: sign-consumes - each signature needs a fresh VERIFY")
{
    CardRig rig(with("sign-consumes"));
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    // The second PIN without a SELECT by AID, which the strict default answers by clearing both.
    REQUIRE(rig.select_ef(0x001B) == 0x9000);
    REQUIRE(rig.verify(0x80, "ABC123") == 0x9000);
    CHECK(sign_auth(rig) == 0x9000);
    CHECK_FALSE(rig.card->verified(0x18));
    CHECK(rig.card->verified(0x1B));  // only the key's own PIN is used up
    CHECK(sign_auth(rig) == 0x6982);
    CHECK(rig.card->stats().signatures == 1);
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    CHECK(sign_auth(rig) == 0x9000);

    CardRig keeps(with(""));
    REQUIRE(keeps.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    CHECK(sign_auth(keeps) == 0x9000);
    CHECK(sign_auth(keeps) == 0x9000);
}

TEST_CASE("vcard switches: empty-verify-9000 - an empty VERIFY answers 9000 once verified")
{
    CardRig rig(with("empty-verify-9000"));
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0018) == 0x9000);
    CHECK(rig.verify_status() == 0x63C3);
    REQUIRE(rig.verify(0x80, "1234") == 0x9000);
    CHECK(rig.verify_status() == 0x9000);
    CardRig plain(with(""));
    REQUIRE(plain.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    CHECK(plain.verify_status() == 0x63C3);
}

TEST_CASE("vcard switches: read-end-6282 - past the end 6282 with what remains, at the end 6B00")
{
    for (const bool warn : {false, true}) {
        CardRig rig(with(warn ? "read-end-6282" : ""));
        REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
        REQUIRE(rig.select_ef(0x000A) == 0x9000);
        const Bytes& der = test_pki().auth_der;
        const auto size = static_cast<std::uint16_t>(der.size());  // the EF ends with the DER
        Response tail = rig.send(Command::read_binary(static_cast<std::uint16_t>(size - 10), 256));
        CHECK(tail.sw.value == (warn ? 0x6282 : 0x9000));
        CHECK(tail.data == Bytes(der.end() - 10, der.end()));
        // Asking for exactly what remains is no warning.
        CHECK(rig.sw(Command::read_binary(static_cast<std::uint16_t>(size - 10), 10)) == 0x9000);
        CHECK(rig.sw(Command::read_binary(size, 1)) == 0x6B00);
        CHECK(rig.sw(Command::read_binary(static_cast<std::uint16_t>(size + 5), 256)) == 0x6B00);
    }
}

TEST_CASE("vcard switches: padded-ef - certificate EFs end with FF filler, else with the DER")
{
    const TestPki& pki = test_pki();
    for (const bool padded : {false, true}) {
        CardRig rig(with(padded ? "padded-ef" : ""));
        REQUIRE(rig.login(kJpkiAid, 0x001B, "ABC123") == 0x9000);  // EF 0001 needs the password
        struct Ef { std::uint16_t fid; const Bytes* der; };
        for (const Ef& ef : {Ef{0x000A, &pki.auth_der}, Ef{0x000B, &pki.auth_ca_der},
                             Ef{0x0002, &pki.sign_ca_der}, Ef{0x0001, &pki.sign_der}}) {
            REQUIRE(rig.select_ef(ef.fid) == 0x9000);
            const Bytes all = rig.read_all();
            REQUIRE(all.size() >= ef.der->size());
            CHECK(Bytes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(ef.der->size())) == *ef.der);
            if (!padded) {
                CHECK(all.size() == ef.der->size());
                continue;
            }
            // More than two short reads of filler, so reading to the EF's end shows.
            CHECK(all.size() >= ef.der->size() + 2 * 256);
            for (std::size_t i = ef.der->size(); i < all.size(); ++i) REQUIRE(all[i] == 0xFF);
        }
    }
}

TEST_CASE("vcard switches: no-extended - the card answers 6700, the transport refuses before it")
{
    CardRig rig(with("no-extended"));
    CHECK_FALSE(rig.transport.extended_length());
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x000A) == 0x9000);
    const auto before = rig.card->stats().apdus;
    // 00 B0 00 00 00 00 00 (case 2E): refused by the "reader", the card never sees it.
    auto refused = rig.transport.transmit(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::Transport);
    CHECK(rig.card->stats().apdus == before);
    // A short READ BINARY still works.
    CHECK(rig.send(Command::read_binary(0, 4)).sw.value == 0x9000);
    // The card itself answers 6700 when it gets one (e.g. through VirtualJpkiCard::process).
    const Bytes answer = rig.card->process(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00});
    CHECK(answer == Bytes{0x67, 0x00});

    CardRig extended(with(""));
    CHECK(extended.transport.extended_length());
    REQUIRE(extended.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(extended.select_ef(0x000A) == 0x9000);
    CHECK(extended.raw({0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}).sw.value == 0x9000);
}

TEST_CASE("vcard switches: blocked-6983 / blocked-63c0 / default 6984 on a blocked PIN")
{
    const std::pair<const char*, std::uint16_t> cases[] = {
        {"", 0x6984}, {"blocked-6983", 0x6983}, {"blocked-63c0", 0x63C0}};
    for (const auto& [name, sw] : cases) {
        CAPTURE(name);
        CardRig rig(with(name));
        REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
        REQUIRE(rig.select_ef(0x0018) == 0x9000);
        CHECK(rig.verify(0x80, "0000") == 0x63C2);
        CHECK(rig.verify(0x80, "0000") == 0x63C1);
        CHECK(rig.verify(0x80, "0000") == 0x63C0);  // the attempt that blocks it
        CHECK(rig.verify_status() == sw);
        CHECK(rig.verify(0x80, "1234") == sw);      // nothing compared: still blocked
        CHECK_FALSE(rig.card->verified(0x18));
        CHECK(rig.card->tries_left(0x18) == 0);
    }
}

TEST_CASE("vcard switches: no-common-ap - SELECT of the Common AP answers 6A82")
{
    CardRig rig(with("no-common-ap"));
    CHECK(rig.select_aid(kCommonAid) == 0x6A82);
    CHECK(rig.sw(Command::read_record(1, 1, 256)) == 0x6A82);  // nothing selected to read
    CHECK(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.select_aid(kKenhojoAid) == 0x9000);
    CardRig with_common(with(""));
    CHECK(with_common.select_aid(kCommonAid) == 0x9000);
}

TEST_CASE("vcard switches: label-v1 and atr=<hex> - the label in EF 0006 and the ATR")
{
    CardRig rig(with("label-v1,atr=3BE000FF8131FE4514"));
    CHECK(rig.transport.atr() == Bytes{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14});
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0006) == 0x9000);
    Response label = rig.send(Command::read_binary(0, 32));
    CHECK(std::string(label.data.begin(), label.data.end()) == "JPKIAPICCTOKEN                  ");
    CardRig plain(with(""));
    CHECK(plain.transport.atr().size() == 19);  // ATR (02) of jpki-card.md §1.2
}
