// Pieces of the card reports shared by `status`, `cert list` and `pin status`.
#pragma once

#include <nlohmann/json.hpp>

#include <ctime>
#include <optional>
#include <string>

#include "card_access.hpp"
#include "context.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::cli {

/// Stable ids for JSON: "my-number-card", "juki-card", "android-token", "ios-token", "unknown".
const char* card_type_id(jpki::CardType type) noexcept;

/// What reading one certificate for an overview gave.
struct CertEntry {
    jpki::CertKind kind;
    bool present = true;
    std::optional<jpki::Certificate> cert;
    std::string reason;  ///< when not read: "needs-password", "not-issued" or an error text
};

/// Reads without any PIN; the signing certificate reads as "needs-password" unless cached.
CertEntry read_cert_entry(Context& ctx, OpenCard& card, jpki::CertKind kind);
nlohmann::json cert_entry_json(const CertEntry& entry, std::time_t now);
std::string cert_entry_line(const Context& ctx, const CertEntry& entry, std::time_t now);

/// A PIN counter as read for a report; `issued` is false for the signing password of an
/// under-15 card (no signing key, the card answers NoSuchKey).
struct PinEntry {
    jpki::PinKind kind;
    bool issued = true;
    jpki::PinStatus status;
    /// False when the counter was deliberately not read (see not_read_pin_entry).
    bool read = true;
};
PinEntry read_pin_entry(Context& ctx, OpenCard& card, jpki::PinKind kind);
/// A counter left unread: reading it would select another AP while another application may be
/// logged in to the JPKI AP (CardInfo::others_may_be_logged_in).
PinEntry not_read_pin_entry(jpki::PinKind kind);
/// For reports that only look (status, `pin status` without a kind): the Kenhojo counter means
/// selecting the Kenhojo AP, which on a card that drops verification on SELECT (jpki-card.md §7)
/// would log another program out of the JPKI AP, so it is left unread when one may be logged in
/// (issue 9 §1). A counter asked for by name is always read.
PinEntry look_at_pin_entry(Context& ctx, OpenCard& card, jpki::PinKind kind);

/// "ok" | "count-low" | "final-try" | "locked" | "verified" | "not-issued" | "not-read"
const char* pin_state_id(const PinEntry& entry) noexcept;
nlohmann::json pin_status_json(const PinEntry& entry);
std::string pin_status_line(const Context& ctx, const PinEntry& entry);

}  // namespace mynacard::cli
