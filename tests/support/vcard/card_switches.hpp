// Switches of the virtual card: one per point jpki-card.md leaves open (§1.5, §1.6, §1.9, §1.14,
// §7), so that the suite can run against every reading (issue 9 §2). One mechanism applies them
// everywhere:
//   - MYNACARD_VCARD_SWITCHES=name,name,... changes the *defaults* of every CardOptions built in
//     the process (in-process VirtualJpkiCard, VpcdCard, mynacard-vcard); a field a test sets
//     explicitly still wins;
//   - mynacard-vcard --switch NAME (repeatable) applies a switch on top of that;
//   - apply_switch() does the same for a CardOptions in code.
// An unknown or malformed name is an error (std::invalid_argument / exit 2), never ignored: a CI
// run that asks for a switch must get it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mynacard/bytes.hpp"

namespace mynacard::vcard {

struct CardOptions;

/// What a SELECT by AID does to the verified PINs. ISO 7816-4 leaves the scope of a security
/// status to the card; jpki-card.md §1.9 and §7 mark it unknown for JPKI cards.
enum class SelectRule {
    /// Switch reselect-keeps-all: no SELECT clears anything, not even of another AP (the virtual
    /// card before issue 9).
    KeepAll,
    /// Switch reselect-keeps: re-SELECT of the AP already selected keeps verified PINs; selecting
    /// another AP clears every verified PIN.
    KeepSameAp,
    /// The built-in default, the strict reading (issue 9 §2; switch reselect-clears names it):
    /// every successful SELECT by AID, of the same AP or another, clears every verified PIN.
    ClearAny,
};

/// The switch fields of CardOptions with their built-in defaults (before the environment).
struct SwitchValues {
    SelectRule select_rule = SelectRule::ClearAny;
    bool sign_consumes = false;              ///< sign-consumes
    bool answer_9000_when_verified = false;  ///< empty-verify-9000
    bool read_end_6282 = false;              ///< read-end-6282
    bool padded_ef = false;                  ///< padded-ef
    bool support_extended_length = true;     ///< no-extended sets false
    bool locked_sw_6983 = false;             ///< blocked-6983
    bool locked_sw_63c0 = false;             ///< blocked-63c0
    bool has_common_ap = true;               ///< no-common-ap sets false
    Bytes atr;                               ///< atr=<hex>; empty = ATR (02) of jpki-card.md §1.2
    std::string token_label = "JPKIAPICCTOKEN2";  ///< label-v1 sets JPKIAPICCTOKEN
    bool pss = false;                        ///< pss
};

/// Built-in values with MYNACARD_VCARD_SWITCHES applied, parsed again whenever the variable's
/// value changed since the last call (a test may set it). Throws std::invalid_argument (naming
/// the variable and the bad entry) when a name is unknown.
SwitchValues switch_defaults();

/// Applies one switch ("no-extended", "atr=3BC5...") to `options`. Throws std::invalid_argument
/// with the list of known names when `name` is unknown or its value malformed.
void apply_switch(CardOptions& options, std::string_view name);
/// Comma-separated list; blanks around names and empty entries are ignored.
void apply_switches(CardOptions& options, std::string_view list);

struct SwitchDoc {
    std::string name;  ///< as written on the command line ("atr=<hex>" for the one with a value)
    std::string help;
};
/// Every switch this card knows, in a stable order (mynacard-vcard --list-switches).
std::vector<SwitchDoc> known_switches();

}  // namespace mynacard::vcard
