// Helpers for the PC/SC integration tests: a connected transport and whole-EF reads through
// the library's transceive(), as card code above it would do.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/pcsc.hpp"
#include "mynacard/apdu/tlv.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "vcard/pcsc_probe.hpp"
#include "vcard/vpcd_link.hpp"

namespace pcsc_test {

using mynacard::Bytes;
using mynacard::Errc;
using mynacard::Result;
using mynacard::SecureBytes;
using mynacard::apdu::Command;
using mynacard::apdu::PcscContext;
using mynacard::apdu::PcscTransport;
using mynacard::apdu::Transaction;
using mynacard::apdu::transceive;
using namespace mynacard::vcard;

inline const Bytes kJpkiAid = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};

inline const TestPki& test_pki()
{
    ::setenv("MYNACARD_TEST_PKI_DIR", MYNACARD_BINARY_DIR "/test-pki-v1", /*overwrite=*/0);
    return TestPki::shared_default();
}

inline bool in_pcsc_env() { return std::getenv("MYNACARD_PCSC_ENV") != nullptr; }

inline PcscContext context()
{
    auto ctx = PcscContext::establish();
    REQUIRE(ctx);
    return std::move(*ctx);
}

/// SELECT AP (unless `select_ap` is false), SELECT EF, then READ BINARY in 256-byte chunks until
/// the DER object is complete (its size comes from the header, jpki-card.md §1.4; filler after it,
/// switch padded-ef, is never read). Errors are
/// passed up unchanged. After a VERIFY pass select_ap = false: a card may drop the verified
/// state on a re-SELECT of its AP (jpki-card.md §7; the virtual card's strict default).
inline Result<Bytes> read_certificate(Transaction& tx, std::uint16_t fid, std::size_t chunk = 256,
                                      bool select_ap = true)
{
    if (select_ap) {
        MYNACARD_TRY(auto sel, transceive(tx, Command::select_aid(kJpkiAid)));
        if (!sel.sw.ok()) return mynacard::Unexpected{Errc::UnexpectedStatus, "select AP"};
    }
    MYNACARD_TRY(auto ef, transceive(tx, Command::select_ef(fid)));
    if (!ef.sw.ok()) return mynacard::Unexpected{Errc::UnexpectedStatus, "select EF"};
    Bytes out;
    std::size_t total = 0;
    for (;;) {
        MYNACARD_TRY(auto r, transceive(tx, Command::read_binary(static_cast<std::uint16_t>(out.size()), chunk)));
        // 6282 "end of file reached before reading Le bytes" carries data like 9000 (ISO 7816-4
        // §5.6; jpki-card.md §1.5, switch read-end-6282), as lib/jpki/card_io.cpp reads it.
        if (!r.sw.ok() && r.sw.value != 0x6282) return mynacard::Unexpected{Errc::UnexpectedStatus, "read binary"};
        out.insert(out.end(), r.data.begin(), r.data.end());
        if (total == 0) {
            MYNACARD_TRY(auto header, mynacard::apdu::tlv::parse_header(out));
            total = header.total();
        }
        if (out.size() >= total) break;
    }
    out.resize(total);
    return out;
}

}  // namespace pcsc_test
