// The JPKI command sequences, each run inside a transaction the caller holds (select, read an
// object by its BER header length, PIN status, VERIFY with the safety rules, CHANGE REFERENCE
// DATA, COMPUTE DIGITAL SIGNATURE). Private to lib/jpki; CardSession composes these.
#pragma once

#include <cstdint>
#include <functional>

#include "card_model.hpp"
#include "layout.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki::detail {

const layout::Aid& aid_of(Ap ap) noexcept;
const char* name_of(Ap ap) noexcept;

/// SELECT by AID (§1.3). FileNotFound (with SW) when the card has no such application. The
/// model records the new AP and forgets its logins (a SELECT by AID may clear them, §7).
Result<void> select_aid(apdu::Transaction& tx, CardModel& model, Ap ap);
/// SELECT EF by FID under the current AP (§1.3). FileNotFound (with SW 6A82) when absent.
Result<void> select_ef(apdu::Transaction& tx, CardModel& model, std::uint16_t fid);
/// select_ef unless the model knows `fid` is the current EF in this transaction.
Result<void> ensure_ef(apdu::Transaction& tx, CardModel& model, std::uint16_t fid);

/// READ BINARY with a short EF identifier, 00 B0 (80|SFI) 00 Le (ISO 7816-4 §11.1.3; jpki-card.md
/// §1.5: MC and AOKI read every JPKI EF this way): one APDU instead of SELECT EF + READ, and the
/// EF becomes the current one. Every EF of the JPKI AP is in 0001-001E, so SFI = FID. Data on
/// 9000/6282; any other SW is an error carrying it (the caller decides what it means).
Result<Bytes> read_sfi(apdu::Transaction& tx, CardModel& model, std::uint16_t fid, std::size_t le);

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

/// The first `le` bytes of EF `fid` of the current AP: with one short-EF-identifier READ BINARY
/// while `*sfi` holds, else (or when the card refuses that form) SELECT EF + READ BINARY; `*sfi`
/// is cleared when the SELECT path worked where the short form did not. `le` = 256 reads a first
/// chunk (read_first_chunk's fallbacks apply). FileNotFound when the EF is absent.
Result<Bytes> read_ef_prefix(apdu::Transaction& tx, CardModel& model, std::uint16_t fid, std::size_t le, bool* sfi);

/// BER length of any TLV (Kenhojo files) via apdu::tlv::parse_header.
Result<std::size_t> tlv_object_length(ByteView prefix);

/// SELECT the PIN IEF of `kind` (its AP must be selected) and read the counter with an empty
/// VERIFY, which spends no try (§1.6). 9000 -> tries_left nullopt; 63Cx -> x; 63C0/6983/6984 -> 0.
Result<PinStatus> query_pin(apdu::Transaction& tx, CardModel& model, PinKind kind);

/// The PIN safety rules before any VERIFY with data (pin-and-suspension.md §1.5.4, §1.5.6):
/// PinLocked without sending anything when the counter is 0; FinalTryRefused (tries_left 1)
/// when the policy denies, or asks for a confirmation the caller did not give.
Result<void> check_pin_policy(const PinStatus& status, const VerifyOptions& options);

/// query_pin + check_pin_policy + VERIFY 00 20 00 80 (the PIN IEF stays selected). `pin` must
/// already be normalised. 63Cx -> PinIncorrect with tries_left; 63C0/6983/6984 -> PinLocked.
Result<void> verify_pin(apdu::Transaction& tx, CardModel& model, PinKind kind, const SecureBytes& pin,
                        const VerifyOptions& options);

/// CHANGE REFERENCE DATA 00 24 01 80 <new> on the PIN IEF just verified (§1.8).
Result<void> change_reference_data(apdu::Transaction& tx, CardModel& model, PinKind kind,
                                   const SecureBytes& new_pin);

/// The one place that sends COMPUTE DIGITAL SIGNATURE 80 2A P1 80 (§1.7), P1 = `scheme`: the
/// key EF (selected unless current) then 80 2A over `input`. The JPKI AP must be current. A
/// failed SELECT EF is returned as is (FileNotFound with SW 6A82: the caller decides whether the
/// key is missing or the AP is not current); 6982 -> NotLoggedIn and the model forgets the
/// login; 6A86 to a scheme other than PKCS#1 -> SchemeNotSupported (the card has no such P1).
Result<Bytes> compute_signature(apdu::Transaction& tx, CardModel& model, KeyKind key, ByteView input,
                                SignScheme scheme = SignScheme::Pkcs1);

}  // namespace mynacard::jpki::detail
