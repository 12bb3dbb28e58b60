// The hook where the suspension checks (issue 6, revocation::KeyGate) decide whether a card key
// may sign now. C_SignInit asks it; C_Login asks known_bad() when pin.skip_login_if_revoked is
// set (pin-and-suspension.md §3.8). Kept as a small interface so the module does not depend on
// how the decision is made, and tests can see exactly what the module does with a refusal.
#pragma once

#include <memory>
#include <string>

#include "cryptoki.hpp"
#include "mynacard/config.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::p11 {

struct GateVerdict {
    bool allowed = true;
    unsigned long device_error = 0;  ///< CK_SESSION_INFO.ulDeviceError (revocation::device_error)
    std::string message;             ///< for the log; never personal data
    std::string log;                 ///< the decision's one log line (revocation::KeyDecision::log_line)
};

class SignGate {
public:
    virtual ~SignGate() = default;
    /// May `key` (whose certificate is `cert`, on the card `card_serial`) sign now? May do
    /// network I/O for seconds: called WITHOUT the module lock (decide_unlocked below), from
    /// any number of threads at once.
    virtual GateVerdict decide(jpki::KeyKind key, const jpki::Certificate& cert,
                               const std::string& card_serial) = 0;
    /// Aborts decide() calls in progress and makes later ones fail fast (C_Finalize).
    virtual void cancel() noexcept = 0;
    /// A refusal already known without network or file work (to refuse C_Login before VERIFY).
    virtual GateVerdict known_bad(jpki::KeyKind key, const jpki::Certificate& cert,
                                  const std::string& card_serial) = 0;
};

class Module;
class ModuleLock;
struct Card;

/// Asks m.gate about `key` of `card` (its certificate and serial are copied first) with the
/// module lock released for the duration of decide(), so a slow or hanging responder never
/// holds up other threads' PKCS#11 calls (issue 10 §4). The call is counted in
/// Module::gate_calls, which C_Finalize waits for (after cancelling the gate) before it frees
/// the module. Returns with the lock held again. `asked` tells whether the gate was asked (the
/// card has the key's certificate); when it was, everything read under the lock before - the
/// session, the card, the login state, the object - must be looked up again by the caller.
/// CKR_CRYPTOKI_NOT_INITIALIZED when C_Finalize began meanwhile; the lock's error when it
/// cannot be taken again.
CK_RV decide_unlocked(Module& m, ModuleLock& lock, jpki::KeyKind key, Card& card, GateVerdict& verdict,
                      bool& asked);

/// The gate the module uses for `config`: the revocation::KeyGate when the library provides it,
/// nullptr when no gate is built in (then nothing is checked and nothing is refused).
std::unique_ptr<SignGate> make_sign_gate(const Config& config);

}  // namespace mynacard::p11
