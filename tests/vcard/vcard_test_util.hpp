// Shared helpers for the virtual card tests: a card behind an in-process transport, and
// commands encoded with the library's apdu::Command (so the card sees what clients send).
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <string>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/response.hpp"
#include "vcard/virtual_card.hpp"

namespace vcard_test {

using mynacard::Bytes;
using mynacard::SecureBytes;
using mynacard::apdu::Command;
using mynacard::apdu::Response;
using namespace mynacard::vcard;

inline const Bytes kJpkiAid = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
inline const Bytes kKenhojoAid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
inline const Bytes kCommonAid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00};

/// The default test PKI, cached on disk in the build tree so that the many per-test-case
/// processes ctest starts do not each generate RSA keys. Delete the directory to regenerate.
inline const TestPki& test_pki()
{
    ::setenv("MYNACARD_TEST_PKI_DIR", MYNACARD_BINARY_DIR "/test-pki-v1", /*overwrite=*/0);
    return TestPki::shared_default();
}

inline SecureBytes secure(const std::string& s) { return SecureBytes(s.begin(), s.end()); }

struct CardRig {
    std::shared_ptr<VirtualJpkiCard> card;
    VirtualCardTransport transport;

    explicit CardRig(CardOptions options = {})
        : card(std::make_shared<VirtualJpkiCard>(test_pki(), std::move(options))), transport(card)
    {
    }

    /// Raw bytes in, parsed response out (the SW is checked by the caller).
    Response raw(const Bytes& apdu)
    {
        auto answer = transport.transmit(apdu);
        REQUIRE(answer);
        auto response = Response::parse(*answer);
        REQUIRE(response);
        return *response;
    }
    Response send(const Command& cmd)
    {
        auto encoded = cmd.encode(/*allow_extended=*/true);
        REQUIRE(encoded);
        return raw(Bytes(encoded->begin(), encoded->end()));
    }
    std::uint16_t sw(const Command& cmd) { return send(cmd).sw.value; }

    std::uint16_t select_aid(const Bytes& aid) { return sw(Command::select_aid(aid)); }
    std::uint16_t select_ef(std::uint16_t fid) { return sw(Command::select_ef(fid)); }
    std::uint16_t verify(std::uint8_t p2, const std::string& pin)
    {
        return sw(Command::verify(p2, secure(pin)));
    }
    std::uint16_t verify_status(std::uint8_t p2 = 0x80) { return sw(Command::verify_status(p2)); }

    /// Selects `aid` and `pin_fid`, then VERIFY with data.
    std::uint16_t login(const Bytes& aid, std::uint16_t pin_fid, const std::string& pin)
    {
        REQUIRE(select_aid(aid) == 0x9000);
        REQUIRE(select_ef(pin_fid) == 0x9000);
        return verify(0x80, pin);
    }

    /// READ BINARY in chunks of `chunk` until 6B00 or a short answer; everything read.
    Bytes read_all(std::size_t chunk = 256)
    {
        Bytes out;
        for (;;) {
            Response r = send(Command::read_binary(static_cast<std::uint16_t>(out.size()), chunk));
            if (r.sw.value == 0x6B00) break;
            REQUIRE(r.sw.value == 0x9000);
            out.insert(out.end(), r.data.begin(), r.data.end());
            if (r.data.size() < chunk) break;
        }
        return out;
    }
};

}  // namespace vcard_test
