#include "scripted_transport.hpp"

#include <cstdio>

namespace mynacard::test {
namespace {

const char* disposition_name(apdu::Disposition how)
{
    switch (how) {
    case apdu::Disposition::Leave: return "Leave";
    case apdu::Disposition::Reset: return "Reset";
    case apdu::Disposition::Unpower: return "Unpower";
    }
    return "?";
}

std::string hex(ByteView b)
{
    return b.empty() ? std::string("(empty)") : to_hex(b, ' ');
}

}  // namespace

ScriptedTransport::ScriptedTransport(std::string name) : m_name(std::move(name)) {}

ScriptedTransport::~ScriptedTransport()
{
    if (m_next < m_steps.size() || !m_failures.empty())
        std::fprintf(stderr, "ScriptedTransport \"%s\" destroyed off-script:\n%s", m_name.c_str(),
                     report().c_str());
}

Error ScriptedTransport::fail(std::string what)
{
    std::string line = "ScriptedTransport \"" + m_name + "\": " + what;
    std::fprintf(stderr, "%s\n", line.c_str());
    m_failures.push_back(line);
    return Error(Errc::Internal, std::move(line));
}

Bytes ScriptedTransport::hex_or_fail(std::string_view hex_text, ScriptedTransport& self)
{
    Bytes out;
    if (!from_hex(hex_text, out)) {
        (void)self.fail("bad hex in script: \"" + std::string(hex_text) + "\"");
        out.clear();
    }
    return out;
}

ScriptedTransport& ScriptedTransport::expect(std::string_view command_hex,
                                             std::string_view response_hex)
{
    Bytes command = hex_or_fail(command_hex, *this);
    Bytes response = hex_or_fail(response_hex, *this);
    return expect(std::move(command), std::move(response));
}

ScriptedTransport& ScriptedTransport::expect(Bytes command, Bytes response)
{
    Step s;
    s.command = std::move(command);
    s.response = std::move(response);
    m_steps.push_back(std::move(s));
    return *this;
}

ScriptedTransport& ScriptedTransport::expect_error(std::string_view command_hex, Error error)
{
    Step s;
    s.command = hex_or_fail(command_hex, *this);
    s.error = std::move(error);
    m_steps.push_back(std::move(s));
    return *this;
}

ScriptedTransport& ScriptedTransport::expect_reset(apdu::Disposition how)
{
    Step s;
    s.kind = Step::Kind::Reset;
    s.reset_how = how;
    m_steps.push_back(std::move(s));
    return *this;
}

std::string ScriptedTransport::report() const
{
    std::string out;
    for (const auto& f : m_failures) out += "  " + f + "\n";
    for (std::size_t i = m_next; i < m_steps.size(); ++i) {
        const Step& s = m_steps[i];
        out += "  unconsumed step " + std::to_string(i + 1) + ": ";
        out += s.kind == Step::Kind::Reset ? std::string("reset ") + disposition_name(s.reset_how)
                                           : "> " + hex(s.command);
        out += "\n";
    }
    return out;
}

Result<void> ScriptedTransport::begin_transaction()
{
    if (m_begin_error) {
        Error e = std::move(*m_begin_error);
        m_begin_error.reset();
        return e;
    }
    if (in_transaction()) return fail("begin_transaction inside an open transaction");
    ++m_begun;
    return {};
}

void ScriptedTransport::end_transaction(apdu::Disposition how) noexcept
{
    if (!in_transaction()) {
        (void)fail("end_transaction without an open transaction");
        return;
    }
    ++m_ended;
    m_last_end = how;
    if (how != apdu::Disposition::Leave) ++m_epoch;
}

Result<Bytes> ScriptedTransport::transmit(ByteView command)
{
    m_sent.emplace_back(command.begin(), command.end());
    const std::size_t index = m_next;
    if (index >= m_steps.size())
        return fail("unexpected command after the end of the script: " + hex(command));
    const Step& s = m_steps[index];
    if (s.kind != Step::Kind::Transmit)
        return fail("step " + std::to_string(index + 1) + " expected reset " +
                    disposition_name(s.reset_how) + ", got command " + hex(command));
    if (!std::equal(command.begin(), command.end(), s.command.begin(), s.command.end()))
        return fail("step " + std::to_string(index + 1) + " expected " + hex(s.command) +
                    ", got " + hex(command));
    ++m_next;
    if (s.error) return *s.error;
    return s.response;
}

Result<void> ScriptedTransport::reset(apdu::Disposition how)
{
    const std::size_t index = m_next;
    if (index >= m_steps.size())
        return fail(std::string("unexpected reset ") + disposition_name(how) +
                    " after the end of the script");
    const Step& s = m_steps[index];
    if (s.kind != Step::Kind::Reset || s.reset_how != how)
        return fail("step " + std::to_string(index + 1) + " expected " +
                    (s.kind == Step::Kind::Reset ? std::string("reset ") + disposition_name(s.reset_how)
                                                 : "command " + hex(s.command)) +
                    ", got reset " + disposition_name(how));
    ++m_next;
    ++m_epoch;
    if (s.error) return *s.error;
    return {};
}

}  // namespace mynacard::test
