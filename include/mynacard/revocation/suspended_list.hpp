// The local suspended list (pin-and-suspension.md §3.6): an offline deny-list, managed by
// `card-cp suspend / unsuspend / suspended list`, read by the suspension checks (step 3).
//
// File format, one entry per line, fields separated by blanks; '#' starts a comment line:
//
//   # issuer-key-id (hex)                     serial (hex)  reason   since (UTC)           note
//   D21EA55895617E93ADBF966B941AB4EDF653F08F  1A2B3C4D      hold     2026-11-20T09:00:00Z  reported lost
//   card:0123456789ABCDEF                     *             lost     2026-11-01T00:00:00Z  whole card
//
// - Certificate entries are keyed by the issuer key identifier (the certificate's AKI, i.e. the
//   CA's SKI: stable across CA generations that share one DN) and the serial number (changes on
//   re-issue). Hex is case-insensitive, colons allowed, leading zero bytes ignored.
// - Whole-card entries are `card:<token serial>` (the serial of EF 0006, readable without PIN) with
//   `*` as serial. `token:<label>:<serial>` (the spelling in the design notes) is read as well.
// - reason: one of hold, revoked, lost, suspended, other. since: RFC 3339 UTC (…Z). note: the rest
//   of the line (optional, printable, no personal data please).
//
// Integrity (ssh StrictModes style): the file, and the directory holding it, must not be group- or
// world-writable (a sticky world-writable directory such as /tmp is accepted for the directory) and
// must be owned by root or the current user. Otherwise reading fails with ConfigInvalid and the
// checks report Unknown ("suspended list refused"), which the per-key policy then handles.
// A missing file is an empty list.
//
// Writes (add/remove) take an exclusive flock on the directory, re-read and re-check the file,
// write a temporary file in the same directory, fsync, and rename it over the list (atomic).
// New files get mode 0644 (the list is not secret, the module must read it as any user) or 0600
// on request; an existing file keeps its mode minus any group/other write bit.
#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "mynacard/result.hpp"

namespace mynacard::revocation {

struct SuspendedEntry {
    enum class Kind { Certificate, Card };
    Kind kind = Kind::Certificate;
    std::string issuer_key_id;  ///< Certificate: upper-case hex, no separators
    std::string serial;         ///< Certificate: upper-case hex without leading 00 bytes
    std::string card_serial;    ///< Card: the token serial as printed by card-cp
    std::string reason = "suspended";  ///< hold | revoked | lost | suspended | other
    std::time_t since = 0;
    std::string note;

    /// One line in the file format above (no newline).
    std::string to_line() const;
    /// Same identity (kind + key fields); reason, since and note are not compared.
    bool same_key(const SuspendedEntry& other) const noexcept;
};

/// Builds a certificate entry; hex inputs are normalised (case, colons, leading zero bytes).
/// InvalidArgument for bad hex, an unknown reason or a note with control characters.
Result<SuspendedEntry> make_certificate_entry(std::string_view issuer_key_id_hex,
                                              std::string_view serial_hex, std::string reason,
                                              std::time_t since, std::string note = {});
/// Builds a whole-card entry. InvalidArgument for an empty/blank serial or a bad reason/note.
Result<SuspendedEntry> make_card_entry(std::string card_serial, std::string reason,
                                       std::time_t since, std::string note = {});

/// Parses list text; `origin` names it in errors (ConfigInvalid "origin:line: ...").
Result<std::vector<SuspendedEntry>> parse_suspended_list(std::string_view text,
                                                         const std::string& origin);

/// The integrity rule above, for `path` (must exist). ConfigInvalid naming the problem.
Result<void> check_suspended_list_file(const std::filesystem::path& path);

/// Reads and checks the list (missing file -> empty). What the checks and `suspended list` use.
Result<std::vector<SuspendedEntry>> list_suspended(const std::filesystem::path& path);

/// Adds `entry`; returns false (and changes nothing) when an entry with the same key exists.
/// `new_file_mode` applies only when the file is created (0644 or 0600).
Result<bool> add_suspended(const std::filesystem::path& path, const SuspendedEntry& entry,
                           mode_t new_file_mode = 0644);

/// Removes every entry with the key of `key` (reason/since/note ignored); returns how many.
Result<std::size_t> remove_suspended(const std::filesystem::path& path, const SuspendedEntry& key);

/// The entry that suspends the certificate (issuer key id + serial, both normalised hex) or the
/// card (`card_serial`, may be empty), first match in file order.
std::optional<SuspendedEntry> find_suspended(const std::vector<SuspendedEntry>& entries,
                                             std::string_view issuer_key_id_hex,
                                             std::string_view serial_hex,
                                             std::string_view card_serial);

}  // namespace mynacard::revocation
