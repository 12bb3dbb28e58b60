// KeyGate: the jpki::Certificate face of the Checker.
#include "mynacard/revocation/key_gate.hpp"

#include "checker.hpp"

namespace mynacard::revocation {

struct KeyGate::Impl {
    Impl(Config config, Clock clock) : checker(std::move(config), std::move(clock)) {}
    Checker checker;
};

KeyGate::KeyGate(Config config, Clock clock) : m_impl(std::make_unique<Impl>(std::move(config), std::move(clock)))
{
}

KeyGate::~KeyGate() = default;
KeyGate::KeyGate(KeyGate&&) noexcept = default;
KeyGate& KeyGate::operator=(KeyGate&&) noexcept = default;

StatusResult KeyGate::status(const jpki::Certificate& cert, const std::string& card_serial)
{
    return m_impl->checker.status(cert.native(), card_serial);
}

KeyDecision KeyGate::decide(jpki::KeyKind key, const jpki::Certificate& cert, const std::string& card_serial)
{
    return m_impl->checker.decide(key, cert.native(), card_serial);
}

std::optional<StatusResult> KeyGate::known_bad(const jpki::Certificate& cert, const std::string& card_serial) const
{
    return m_impl->checker.known_bad(cert.native(), card_serial);
}

void KeyGate::cancel() noexcept
{
    m_impl->checker.cancel();
}

}  // namespace mynacard::revocation
