// What this machine remembers about a card between processes (issue 9 §1 "Other processes", §4
// "a known card"), in small text files next to the certificate cache (0700 directory,
// 0600 files, written atomically by CertCache):
//  - per card identity ("facts"): the token label, which certificates are issued, whether the
//    card takes short-EF-identifier reads. Saves the label read when a known card is probed in
//    full (its auth certificate was renewed).
//  - per auth certificate ("known auth certificate", auth-<digest>.card): the same facts plus
//    the auth-prefix digest below. A known card in a new insertion is probed with SELECT JPKI
//    AP + READ BINARY of that chunk (its identity, and the check of the cached certificate) +
//    READ BINARY of EF 0008 (card_session.cpp, open_known_card).
//  - per reader and insertion ("insertion"): the same, plus the reader name, pcsc-lite's
//    per-reader event counter and the ATR that key it, a digest of the first 256 bytes of the
//    card's auth certificate EF (checked against the card with one READ BINARY, which disturbs
//    nobody) and digests of the certificates already compared with the card in this insertion.
//    A process that meets the same insertion sends no SELECT by AID: another process's login
//    survives it even on a card that drops verification on SELECT.
// No file holds personal data or a PIN: the serial is the card's Common AP number (or a
// digest of the auth certificate), the digests are SHA-256 values of public certificates, and
// the signing certificate appears only as "checked in this insertion" (a flag, no digest).
//
// Format (UTF-8 text, LF line ends, at most 4096 bytes): first line "mynacard-card 1", then
// "key=value" lines, each key at most once, in any order:
//   serial, source, label, sign, auth, sfi, pss (optional)   (facts and insertion)
//   auth-prefix (64 hex)                                     (known auth certificate and insertion)
//   reader (hex of the name), events, atr (hex),
//   checked-auth, checked-auth-ca, checked-sign-ca (64 hex each), checked-sign (1)   (insertion)
// The parser treats the file as untrusted input (another program could write it): any unknown
// key, repeated key, over-long or non-printable value or bad number makes the whole file
// invalid, and the caller then probes the card in full and rewrites it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mynacard/bytes.hpp"
#include "mynacard/jpki/card.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki::detail {

struct InsertionKey {
    std::string reader;
    std::uint32_t events = 0;
    Bytes atr;
    bool operator==(const InsertionKey&) const = default;
};

struct CardRecord {
    CardIdentity identity;
    std::string label;
    bool has_sign = true;
    bool has_auth = true;
    bool sfi = true;
    /// Whether the card signs RSASSA-PSS (P1=04), from its PIN-less probe or a later refusal
    /// (issue 9 §3); absent until probed.
    std::optional<bool> pss;
    // Insertion records only:
    std::optional<InsertionKey> insertion;
    std::optional<Bytes> auth_prefix;               ///< SHA-256 of EF 000A's first 256 bytes
    std::array<std::optional<Bytes>, 4> checked;    ///< by CertKind: SHA-256 of the DER (Sign: empty = flag)
};

inline constexpr std::size_t kMaxRecordSize = 4096;

std::string encode_record(const CardRecord& record);
/// CacheInvalid (with the reason) for anything but a well-formed record.
Result<CardRecord> parse_record(std::string_view text);

/// SHA-256 of `data`.
Bytes sha256_of(ByteView data);

}  // namespace mynacard::jpki::detail
