// The status-word table (ISO 7816-4 §5.6, jpki-card.md §1.6, §1.10): every listed word.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "mynacard/apdu/status_word.hpp"

using mynacard::Errc;
using mynacard::apdu::StatusWord;

TEST_CASE("every listed status word maps to its Errc and has a meaning", "[apdu][sw]")
{
    struct Row {
        std::uint16_t sw;
        Errc errc;
    };
    auto row = GENERATE(values<Row>({
        {0x6100, Errc::UnexpectedStatus},
        {0x6110, Errc::UnexpectedStatus},
        {0x6C00, Errc::WrongLength},
        {0x6C10, Errc::WrongLength},
        {0x6281, Errc::UnexpectedStatus},
        {0x6282, Errc::UnexpectedStatus},
        {0x6283, Errc::UnexpectedStatus},
        {0x6300, Errc::PinIncorrect},
        {0x63C0, Errc::PinLocked},
        {0x63C1, Errc::PinIncorrect},
        {0x63C2, Errc::PinIncorrect},
        {0x63C4, Errc::PinIncorrect},
        {0x63CF, Errc::PinIncorrect},
        {0x6700, Errc::WrongLength},
        {0x6881, Errc::ClassNotSupported},
        {0x6882, Errc::ClassNotSupported},
        {0x6981, Errc::IncorrectParameters},
        {0x6982, Errc::SecurityStatusNotSatisfied},
        {0x6983, Errc::PinLocked},
        {0x6984, Errc::PinLocked},
        {0x6985, Errc::ConditionsNotSatisfied},
        {0x6986, Errc::ConditionsNotSatisfied},
        {0x69FC, Errc::ClassNotSupported},
        {0x6A80, Errc::IncorrectParameters},
        {0x6A81, Errc::NotSupported},
        {0x6A82, Errc::FileNotFound},
        {0x6A86, Errc::IncorrectParameters},
        {0x6A88, Errc::FileNotFound},
        {0x6B00, Errc::IncorrectParameters},
        {0x6D00, Errc::InstructionNotSupported},
        {0x6E00, Errc::ClassNotSupported},
        {0x6F00, Errc::UnexpectedStatus},
    }));
    const StatusWord sw{row.sw};
    INFO("SW " << std::hex << row.sw);
    CHECK(mynacard::apdu::to_errc(sw) == row.errc);
    const char* meaning = mynacard::apdu::describe(sw);
    REQUIRE(meaning != nullptr);
    CHECK(std::strcmp(meaning, "Unknown status word") != 0);
    CHECK(std::strlen(meaning) > 5);

    const mynacard::Error err = mynacard::apdu::to_error(sw, "doing X");
    CHECK(err.code == row.errc);
    REQUIRE(err.sw.has_value());
    CHECK(*err.sw == row.sw);
    CHECK(err.context.find("doing X") == 0);
    CHECK(err.context.find(meaning) != std::string::npos);
}

TEST_CASE("9000 is success and has a meaning", "[apdu][sw]")
{
    const StatusWord ok{0x9000};
    CHECK(ok.ok());
    CHECK(std::string(mynacard::apdu::describe(ok)) == "Success");
}

TEST_CASE("63Cx carries tries left; blocked words carry 0", "[apdu][sw]")
{
    for (int x = 1; x <= 15; ++x) {
        const StatusWord sw{static_cast<std::uint16_t>(0x63C0 | x)};
        CHECK(sw.retries_left() == x);
        const auto err = mynacard::apdu::to_error(sw, "verify");
        CHECK(err.code == Errc::PinIncorrect);
        CHECK(err.tries_left == x);
    }
    for (std::uint16_t blocked : {0x63C0, 0x6983, 0x6984}) {
        const auto err = mynacard::apdu::to_error(StatusWord{blocked}, "verify");
        CHECK(err.code == Errc::PinLocked);
        CHECK(err.tries_left == 0);
    }
    // No counter: PinIncorrect without a tries_left.
    const auto no_counter = mynacard::apdu::to_error(StatusWord{0x6300}, "verify");
    CHECK(no_counter.code == Errc::PinIncorrect);
    CHECK_FALSE(no_counter.tries_left.has_value());
    // Other words never invent a counter.
    CHECK_FALSE(mynacard::apdu::to_error(StatusWord{0x6982}, "sign").tries_left.has_value());
}

TEST_CASE("unlisted words fall back to their SW1 class, never crash", "[apdu][sw]")
{
    CHECK(mynacard::apdu::to_errc(StatusWord{0x6A99}) == Errc::IncorrectParameters);
    CHECK(mynacard::apdu::to_errc(StatusWord{0x6799}) == Errc::WrongLength);
    CHECK(mynacard::apdu::to_errc(StatusWord{0x6899}) == Errc::ClassNotSupported);
    CHECK(mynacard::apdu::to_errc(StatusWord{0x66F1}) == Errc::UnexpectedStatus);
    for (unsigned v = 0; v <= 0xFFFF; v += 0x0101) {
        const StatusWord sw{static_cast<std::uint16_t>(v)};
        CHECK(mynacard::apdu::describe(sw) != nullptr);
    }
    CHECK(std::string(mynacard::apdu::describe(StatusWord{0x1234})) == "Unknown status word");
    CHECK(mynacard::apdu::to_errc(StatusWord{0x1234}) == Errc::UnexpectedStatus);
    // A null context is allowed.
    CHECK(mynacard::apdu::to_error(StatusWord{0x6A82}, nullptr).context ==
          mynacard::apdu::describe(StatusWord{0x6A82}));
}
