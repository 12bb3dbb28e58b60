// A Transport whose card answers come from the fuzz input: each answer is a length byte (0xFF:
// a 2-byte big-endian length follows) and that many response bytes (data + SW1 SW2). When the
// answers run out the card is "removed" (Errc::CardRemoved), so every run ends.
#pragma once

#include <cstdio>
#include <string>

#include "fuzz_input.hpp"
#include "mynacard/apdu/transport.hpp"

namespace mynacard::fuzz {

class FuzzCard final : public apdu::Transport {
public:
    FuzzCard(ByteReader& answers, bool extended) : m_answers(answers), m_extended(extended) {}

    Result<void> begin_transaction() override { return {}; }
    void end_transaction(apdu::Disposition) noexcept override {}
    Result<Bytes> transmit(ByteView command) override
    {
        if (command.size() < 4) __builtin_trap();  // the encoder never sends less than a header
        if (m_answers.empty()) return Unexpected{Errc::CardRemoved, "fuzz: out of answers"};
        std::size_t n = m_answers.u8();
        if (n == 0xFF) n = m_answers.u16();
        const ByteView answer = m_answers.take(n);
        if (verbose())
            std::fprintf(stderr, "> %s\n< %s\n", to_hex(command).c_str(), to_hex(answer).c_str());
        return Bytes(answer.begin(), answer.end());
    }
    Result<void> reset(apdu::Disposition) override
    {
        ++m_epoch;
        return {};
    }
    std::uint64_t reset_epoch() const noexcept override { return m_epoch; }
    Bytes atr() const override { return {}; }
    bool extended_length() const noexcept override { return m_extended; }
    std::string name() const override { return "fuzz card"; }

private:
    ByteReader& m_answers;
    bool m_extended;
    std::uint64_t m_epoch = 0;
};

}  // namespace mynacard::fuzz
