// MYNACARD_VCARD_SWITCHES changes the defaults of every CardOptions in the process, and a field
// set in code still wins. Run by ctest with the variable set (tests/vcard/CMakeLists.txt).
#include "vcard_test_util.hpp"

using namespace vcard_test;

TEST_CASE("vcard switches: MYNACARD_VCARD_SWITCHES sets the defaults of every card")
{
    const char* env = std::getenv("MYNACARD_VCARD_SWITCHES");
    REQUIRE(env);
    REQUIRE(std::string(env) == "sign-consumes, no-extended,atr=3BE000FF8131FE4514,reselect-keeps");
    const CardOptions o;
    CHECK(o.sign_consumes);
    CHECK_FALSE(o.support_extended_length);
    CHECK(o.select_rule == SelectRule::KeepSameAp);  // the default is ClearAny
    CHECK(o.atr == Bytes{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14});
    CHECK_FALSE(o.padded_ef);  // not named: built-in value
    // The card and its transport follow.
    CardRig rig;
    CHECK_FALSE(rig.transport.extended_length());
    CHECK(rig.transport.atr() == o.atr);
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    CHECK(rig.card->verified(0x18));  // the same AP again keeps it
    REQUIRE(rig.select_aid(kKenhojoAid) == 0x9000);
    CHECK_FALSE(rig.card->verified(0x18));  // another AP clears
    // A field set explicitly wins over the variable.
    CardOptions explicit_options;
    explicit_options.sign_consumes = false;
    CHECK_FALSE(CardRig(explicit_options).card->options().sign_consumes);
}
