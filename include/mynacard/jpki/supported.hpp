// Which cards the card layer drives, by the card type read from the token label (§1.2).
#pragma once

#include "mynacard/jpki/types.hpp"

namespace mynacard::jpki {

/// Whether the card is a JPKI IC card this library drives: JPKIAPICCTOKEN2 (My Number card) and
/// JPKIAPICCTOKEN (the older label, §1.2). Both carry the same JPKI AP, found by its AID
/// (detection never looks at the ATR): OpenSC's jpki driver was written for the Juki card's ATR
/// and runs unchanged on My Number cards, and no command depends on the label. The phone tokens
/// (JPKIAPGPSETOKEN, JPKIAPIOSTOKEN) are not reached through a PC/SC reader and follow other
/// PIN rules: refused.
constexpr bool is_jpki_ic_card(CardType t) noexcept
{
    return t == CardType::MyNumberCard || t == CardType::JukiCard;
}

}  // namespace mynacard::jpki
