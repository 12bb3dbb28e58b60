// Detection (jpki-card.md §1.2), certificate presence (§1.4 EF 0008) and the card identity
// (§1.14). Private to lib/jpki.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "card_model.hpp"
#include "card_record.hpp"
#include "cert_cache.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "mynacard/jpki/card.hpp"
#include "mynacard/jpki/certificate.hpp"

namespace mynacard::jpki::detail {

struct Probe {
    CardType type = CardType::Unknown;
    std::string label;
};

/// The label as stored (first 32 bytes of EF 0006) without trailing spaces/NULs.
std::string trim_label(ByteView raw);
CardType card_type_for_label(std::string_view label) noexcept;

/// SELECT JPKI AP + the first 32 bytes of EF 0006 (read_ef_prefix). A card without the JPKI AP
/// or without EF 0006 is CardType::Unknown (a value); transport failures are errors.
Result<Probe> probe(apdu::Transaction& tx, CardModel& model, bool* sfi);
/// The label of EF 0006 in the current AP (read_ef_prefix), trimmed.
Result<std::string> read_label(apdu::Transaction& tx, CardModel& model, bool* sfi);

struct Presence {
    bool sign = true;
    bool auth = true;
};
/// EF 0008 ([0] sign, [1] auth; 00 = absent, MC). Without EF 0008, SELECT EF 0001 decides the
/// signing certificate (SELECT needs no password, §1.4). The JPKI AP must be selected.
Result<Presence> read_presence(apdu::Transaction& tx, CardModel& model, bool* sfi);

/// The insertion record stored for `key` (the same reader, pcsc-lite event counter and ATR), if
/// it is well formed and names a My Number card with an auth certificate (card_record.hpp).
std::optional<CardRecord> load_insertion_record(const CertCache& cache, const InsertionKey& key);
/// One READ BINARY of EF 000A's first chunk in whatever AP is current (a short EF identifier
/// while `*sfi` holds, else SELECT EF + READ BINARY): no SELECT by AID, so it disturbs no other
/// process's login. nullopt when the current AP does not answer it (none after a reset, or
/// another AP); transport failures that end the operation are errors.
Result<std::optional<Bytes>> read_auth_chunk_here(apdu::Transaction& tx, CardModel& model, bool* sfi);

/// The 15-character serial from a Common AP record (01 1C + 28 characters); nullopt when the
/// record does not have that shape or the serial is not printable ASCII.
std::optional<std::string> parse_common_record(ByteView record);
/// SELECT Common AP + READ RECORD 1 of SFI 1 (00 B2 01 0C 00). Leaves the Common AP selected.
Result<CardIdentity> read_common_identity(apdu::Transaction& tx, CardModel& model);
/// Fallback identity: the first 16 hex digits of SHA-256(issuer DER || serial DER) of the auth
/// certificate; source "auth-cert".
CardIdentity identity_from_auth_certificate(const Certificate& auth);

}  // namespace mynacard::jpki::detail
