// make_sign_gate(): the suspension checks of lib/revocation behind the SignGate hook.
#include "sign_gate.hpp"

#if MYNACARD_HAVE_KEY_GATE
#include "mynacard/revocation/key_gate.hpp"
#endif

namespace mynacard::p11 {

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
