// The rule for commands that carry a PIN (VERIFY, CHANGE REFERENCE DATA): each goes to the card
// at most once (issue 10 §2). Kept apart from the module's other helpers, with no dependency
// but Result, so that a unit test can hold the rule itself to account.
#pragma once

#include <utility>

#include "mynacard/error.hpp"

namespace mynacard::p11 {

/// Whether a failed PIN command may be sent again: only when PC/SC guarantees it never left the
/// host (SCARD_W_RESET_CARD before the transmit, carried as Error::not_sent). A failure after
/// the command may have reached the card (a reset or a lost answer during the exchange) is
/// final: the card may have counted the try, and a second VERIFY could spend another one.
inline bool may_send_again(const Error& e) noexcept
{
    return e.code == Errc::CardReset && e.not_sent;
}

/// Runs `op` and, only when may_send_again() holds for its failure, once more (the reset that
/// refused it has been acknowledged by the transport). `on_resend` runs before the second try
/// (the module logs there).
template <typename Op, typename OnResend>
auto once_unless_not_sent(Op&& op, OnResend&& on_resend) -> decltype(op())
{
    auto result = op();
    if (!result && may_send_again(result.error())) {
        std::forward<OnResend>(on_resend)();
        result = op();
    }
    return result;
}

}  // namespace mynacard::p11
