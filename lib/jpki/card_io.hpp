// The JPKI command sequences, each run inside a transaction the caller holds (select, read an
// object by its BER header length, PIN status, VERIFY with the safety rules, CHANGE REFERENCE
// DATA, COMPUTE DIGITAL SIGNATURE). Private to lib/jpki; CardSession composes these.
#pragma once

#include <cstdint>
#include <functional>

#include "layout.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki::detail {

/// SELECT by AID (§1.3). FileNotFound (with SW) when the card has no such application.
Result<void> select_aid(apdu::Transaction& tx, const layout::Aid& aid, const char* what);
/// SELECT EF by FID under the current AP (§1.3). FileNotFound (with SW 6A82) when absent.
Result<void> select_ef(apdu::Transaction& tx, std::uint16_t fid);

/// READ BINARY of `length` bytes at offset 0 of the current EF (label, presence bytes).
/// A shorter answer is returned as is.
Result<Bytes> read_prefix(apdu::Transaction& tx, std::size_t length);

/// Size of a BER object (header + value) from the first bytes of an EF.
using ObjectLength = std::function<Result<std::size_t>(ByteView prefix)>;

struct ReadPlan {
    /// Try one extended-length READ BINARY for everything after the first 256-byte chunk.
    /// Cleared by read_object() when the reader or card refused it, so later reads skip it.
    bool* try_extended = nullptr;
    /// Already read first chunk (offset 0), e.g. from a cache check; read when empty.
    Bytes first_chunk;
};

/// Reads the BER object at the start of the current EF (§1.4 "Certificate length", §1.5):
/// a first 256-byte short read gives the header; the rest follows in one extended read (when
/// allowed, with a clean fallback on 6700/6Cxx/LengthOutOfRange/transport refusal) or in
/// 256-byte short reads. Filler after the object is dropped; short answers, 6282 and a 6B00
/// once the object is complete are tolerated. SecurityStatusNotSatisfied (SW 6982) is passed
/// up unchanged for the caller to map.
Result<Bytes> read_object(apdu::Transaction& tx, const ObjectLength& length, ReadPlan plan);

/// The first chunk (up to 256 bytes) of the current EF: one READ BINARY.
Result<Bytes> read_first_chunk(apdu::Transaction& tx);

/// BER length of any TLV (Kenhojo files) via apdu::tlv::parse_header.
Result<std::size_t> tlv_object_length(ByteView prefix);

/// SELECT the PIN IEF of `kind` (its AP must be selected) and read the counter with an empty
/// VERIFY, which spends no try (§1.6). 9000 -> tries_left nullopt; 63Cx -> x; 63C0/6983/6984 -> 0.
Result<PinStatus> query_pin(apdu::Transaction& tx, PinKind kind);

/// The PIN safety rules before any VERIFY with data (pin-and-suspension.md §1.5.4, §1.5.6):
/// PinLocked without sending anything when the counter is 0; FinalTryRefused (tries_left 1)
/// when the policy denies, or asks for a confirmation the caller did not give.
Result<void> check_pin_policy(const PinStatus& status, const VerifyOptions& options);

/// query_pin + check_pin_policy + VERIFY 00 20 00 80 (the PIN IEF stays selected). `pin` must
/// already be normalised. 63Cx -> PinIncorrect with tries_left; 63C0/6983/6984 -> PinLocked.
Result<void> verify_pin(apdu::Transaction& tx, PinKind kind, const SecureBytes& pin,
                        const VerifyOptions& options);

/// CHANGE REFERENCE DATA 00 24 01 80 <new> on the PIN IEF just verified (§1.8).
Result<void> change_reference_data(apdu::Transaction& tx, PinKind kind, const SecureBytes& new_pin);

/// SELECT the key EF and COMPUTE DIGITAL SIGNATURE 80 2A 00 80 (§1.7); the JPKI AP must be
/// selected. 6A82 on the key EF -> NoSuchKey; 6982 -> NotLoggedIn.
Result<Bytes> compute_signature(apdu::Transaction& tx, KeyKind key, ByteView digest_info);

}  // namespace mynacard::jpki::detail
