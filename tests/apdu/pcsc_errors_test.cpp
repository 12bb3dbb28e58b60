// The SCARD_* -> Errc table (apdu/pcsc_errors.cpp). Codes are written as numbers (pcsclite.h
// values) so that no test includes <winscard.h>.
#include <catch2/catch.hpp>

#include <string>

#include "../../apdu/pcsc_errors.hpp"

using mynacard::Errc;
namespace pcsc = mynacard::apdu::pcsc;

TEST_CASE("pcsc errors: every failure the brief names maps to its own Errc", "[apdu][pcsc-errors]")
{
    struct Row {
        long rv;
        const char* name;
        Errc errc;
    };
    auto row = GENERATE(values<Row>({
        {0x8010001DL, "SCARD_E_NO_SERVICE", Errc::NoService},
        {0x8010001EL, "SCARD_E_SERVICE_STOPPED", Errc::NoService},
        {0x8010002EL, "SCARD_E_NO_READERS_AVAILABLE", Errc::NoReader},
        {0x80100009L, "SCARD_E_UNKNOWN_READER", Errc::NoReader},
        {0x80100017L, "SCARD_E_READER_UNAVAILABLE", Errc::NoReader},
        {0x8010000CL, "SCARD_E_NO_SMARTCARD", Errc::CardAbsent},
        {0x80100069L, "SCARD_W_REMOVED_CARD", Errc::CardRemoved},
        {0x80100068L, "SCARD_W_RESET_CARD", Errc::CardReset},
        {0x80100066L, "SCARD_W_UNRESPONSIVE_CARD", Errc::CardUnresponsive},
        {0x8010000AL, "SCARD_E_TIMEOUT", Errc::Timeout},
        {0x80100002L, "SCARD_E_CANCELLED", Errc::Cancelled},
        {0x8010000BL, "SCARD_E_SHARING_VIOLATION", Errc::SharingViolation},
        {0x80100016L, "SCARD_E_NOT_TRANSACTED", Errc::Transport},
        {0x80100003L, "SCARD_E_INVALID_HANDLE", Errc::Transport},
    }));
    INFO(row.name);
    CHECK(pcsc::errc_from(row.rv) == row.errc);
    const mynacard::Error err = pcsc::error_from(row.rv, "doing X");
    CHECK(err.code == row.errc);
    CHECK(err.context.rfind("doing X: ", 0) == 0);
    CHECK(err.context.find(row.name) != std::string::npos);
}

TEST_CASE("pcsc errors: unknown codes are Transport with the number shown", "[apdu][pcsc-errors]")
{
    CHECK(pcsc::errc_from(0x80100099L) == Errc::Transport);
    const auto err = pcsc::error_from(0x80100099L, "x");
    CHECK(err.context == "x: PC/SC error 0x80100099");
}
