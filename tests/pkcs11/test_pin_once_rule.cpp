// The "a PIN command at most once" rule itself (issue 10 §2, pkcs11/pin_once.hpp). The PC/SC
// tests (test_pin_once.cpp) show the counters on the virtual card after drops and resets, but
// through vpcd those faults surface as a lost answer or a removed card, never as the reset
// reported after an exchange that may have run; only here can each kind of failure be made.
#include <catch2/catch.hpp>

#include "mynacard/result.hpp"
#include "pin_once.hpp"

using mynacard::Errc;
using mynacard::Error;
using mynacard::Result;
using mynacard::p11::may_send_again;
using mynacard::p11::once_unless_not_sent;

namespace {

Error not_sent_reset()
{
    Error e(Errc::CardReset, "reset before the transmit");
    e.not_sent = true;
    return e;
}

/// Counts how often the "PIN command" runs; answers `first`, then success.
struct CountingCommand {
    Error first;
    int sent = 0;
    int resends_announced = 0;

    Result<void> run()
    {
        return once_unless_not_sent(
            [&]() -> Result<void> {
                ++sent;
                if (sent == 1) return first;
                return {};
            },
            [&] { ++resends_announced; });
    }
};

}  // namespace

TEST_CASE("pin once: a reset PC/SC refused before the transmit: the PIN is sent once more")
{
    CountingCommand command{not_sent_reset()};
    CHECK(command.run());
    CHECK(command.sent == 2);
    CHECK(command.resends_announced == 1);
}

TEST_CASE("pin once: a reset during the exchange (the command may have run): never sent again")
{
    CountingCommand command{Error(Errc::CardReset, "reset during the exchange")};
    const auto result = command.run();
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Errc::CardReset);
    CHECK(command.sent == 1);
    CHECK(command.resends_announced == 0);
}

TEST_CASE("pin once: other failures are final, even when flagged as not sent")
{
    for (const Errc code : {Errc::CardRemoved, Errc::MalformedResponse, Errc::PinIncorrect,
                            Errc::Transport, Errc::CardUnresponsive}) {
        Error e(code, "failure");
        CountingCommand lost{e};
        CHECK_FALSE(lost.run());
        CHECK(lost.sent == 1);
        e.not_sent = true;  // only a reset refused by PC/SC is known to leave the card untouched
        CountingCommand flagged{e};
        CHECK_FALSE(flagged.run());
        CHECK(flagged.sent == 1);
    }
}

TEST_CASE("pin once: a second not-sent reset is not followed by a third attempt")
{
    int sent = 0;
    const auto result = once_unless_not_sent(
        [&]() -> Result<void> {
            ++sent;
            return not_sent_reset();
        },
        [] {});
    REQUIRE_FALSE(result);
    CHECK(sent == 2);
    CHECK(may_send_again(result.error()));
}
