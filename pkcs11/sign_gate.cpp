// make_sign_gate(): the suspension checks of lib/revocation behind the SignGate hook.
#include "sign_gate.hpp"

#include <chrono>
#include <thread>

#include "module.hpp"

#if MYNACARD_HAVE_KEY_GATE
#include "mynacard/revocation/key_gate.hpp"
#endif

namespace mynacard::p11 {

CK_RV decide_unlocked(Module& m, ModuleLock& lock, jpki::KeyKind key, Card& card, GateVerdict& verdict, bool& asked)
{
    asked = false;
    if (!m.gate) return CKR_OK;
    const auto it = card.certificates.find(jpki::cert_for(key));
    if (it == card.certificates.end()) return CKR_OK;
    // Copies: the card (and its certificate map) may be dropped while the lock is released.
    const jpki::Certificate cert = it->second;
    const std::string serial = card.session.info().identity.serial;
    SignGate& gate = *m.gate;  // lives until C_Finalize, which waits for gate_calls == 0
    ++m.gate_calls;
    lock.unlock();
    const auto relock = [&] {
        // The call must be uncounted whatever happens: retry an application mutex that fails.
        while (lock.lock() != CKR_OK) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        --m.gate_calls;
    };
    try {
        verdict = gate.decide(key, cert, serial);
    } catch (...) {
        relock();
        throw;
    }
    relock();
    if (m.finalizing) return CKR_CRYPTOKI_NOT_INITIALIZED;
    asked = true;
    return CKR_OK;
}

#if MYNACARD_HAVE_KEY_GATE
namespace {

class RevocationGate final : public SignGate {
public:
    explicit RevocationGate(const Config& config) : m_gate(config) {}

    GateVerdict decide(jpki::KeyKind key, const jpki::Certificate& cert,
                       const std::string& card_serial) override
    {
        const revocation::KeyDecision d = m_gate.decide(key, cert, card_serial);
        return GateVerdict{d.allowed, d.device_error, d.message, d.log_line};
    }

    GateVerdict known_bad(jpki::KeyKind, const jpki::Certificate& cert,
                          const std::string& card_serial) override
    {
        const auto bad = m_gate.known_bad(cert, card_serial);
        if (!bad) return GateVerdict{};
        return GateVerdict{false, revocation::device_error::kLoginRefusedRevoked,
                           std::string("certificate ") + revocation::to_string(bad->status),
                           "login refused before VERIFY: status=" + std::string(revocation::to_string(bad->status)) +
                               " source=" + bad->source + " serial=" + cert.serial_hex()};
    }

    void cancel() noexcept override { m_gate.cancel(); }

private:
    revocation::KeyGate m_gate;
};

}  // namespace

std::unique_ptr<SignGate> make_sign_gate(const Config& config)
{
    return std::make_unique<RevocationGate>(config);
}
#else
// Built without lib/revocation: no suspension checks exist to ask.
std::unique_ptr<SignGate> make_sign_gate(const Config&) { return nullptr; }
#endif

}  // namespace mynacard::p11
