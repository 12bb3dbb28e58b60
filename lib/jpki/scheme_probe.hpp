// Whether the card signs RSASSA-PSS (COMPUTE DIGITAL SIGNATURE P1=04, jpki-card.md §1.7 table,
// [1]), learnt without any PIN (issue 9 §3). Private to lib/jpki.
#pragma once

#include "card_model.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki::detail {

/// SELECT EF `key` and 80 2A 04 80 over a fixed 32-byte value, inside the caller's transaction
/// with the JPKI AP current (the probe sends no SELECT by AID). The caller makes sure the key's
/// verification is not another application's (CardSession::Impl::learn_pss): a probe that met a
/// verified key would sign, and may use up that login (jpki-card.md §7).
/// The card checks P1 before the PIN (§1.7 "any other P1 answers 6A86"):
///   6982 -> Yes: the scheme exists and wants the PIN;
///   9000 -> Yes: the key was verified (our own login, right after our own signature); the
///           signature is dropped;
///   6A86 -> No, and so is every other answer (a card that answers neither way is not trusted
///           with PSS; NoSuchKey for a missing key EF is No as well).
/// Only transport failures are errors.
Result<SchemeSupport> probe_pss(apdu::Transaction& tx, CardModel& model, KeyKind key);

}  // namespace mynacard::jpki::detail
