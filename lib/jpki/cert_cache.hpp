// On-disk cache of the card's public certificates, keyed by the card identity (issue 3,
// jpki-card.md §5 "Caching"). Private to lib/jpki.
//
// Layout: one file per (identity, certificate kind) in a directory of mode 0700, each file 0600,
// written atomically (temporary file, fsync, rename, fsync of the directory).
// File format (all integers big-endian):
//   "MYNACERT" | version 01 | kind (0 auth, 1 auth-ca, 2 sign, 3 sign-ca) | n (1 byte) |
//   identity (n bytes, "<source>:<serial>") | DER length (4 bytes) | SHA-256 (32 bytes) of every
//   preceding byte and the DER | DER
// A file that fails any check (magic, version, kind, identity, length, digest, X.509 parse) is
// CacheInvalid: callers re-read the card and overwrite it. The digest detects corruption and
// accidental edits; it is not a MAC. What binds an entry to the inserted card is the identity
// read at open() plus the comparison with the card done by CardSession (card_session.cpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "mynacard/bytes.hpp"
#include "mynacard/jpki/card.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki::detail {

class CertCache {
public:
    /// $XDG_CACHE_HOME/mynacard when XDG_CACHE_HOME is an absolute path, else
    /// $HOME/.cache/mynacard; nullopt when neither is usable.
    static std::optional<std::filesystem::path> default_directory();

    explicit CertCache(std::filesystem::path directory);

    /// nullopt when there is no entry; CacheInvalid when there is one and it fails a check.
    Result<std::optional<Bytes>> load(const CardIdentity& identity, CertKind kind) const;
    /// Creates the directory (0700) if needed and writes the entry atomically (0600).
    Result<void> store(const CardIdentity& identity, CertKind kind, ByteView der) const;
    /// Removes the entry if present.
    void remove(const CardIdentity& identity, CertKind kind) const noexcept;

    std::filesystem::path path_for(const CardIdentity& identity, CertKind kind) const;

    /// Card records (card_record.hpp) live next to the certificates, with the same checks
    /// (private regular file of ours, size limit) and the same atomic writes.
    std::filesystem::path facts_path(const CardIdentity& identity) const;
    std::filesystem::path insertion_path(const std::string& reader) const;
    /// The facts of the card whose auth certificate EF starts with the chunk whose SHA-256 is
    /// `prefix_digest` (card_record.hpp "known auth certificate").
    std::filesystem::path auth_index_path(ByteView prefix_digest) const;
    /// Whether any such file exists (so a new card with an empty cache is not tried by it).
    bool has_auth_index() const noexcept;
    Result<std::optional<std::string>> load_text(const std::filesystem::path& path, std::size_t max_size) const;
    Result<void> store_text(const std::filesystem::path& path, std::string_view content) const;
    const std::filesystem::path& directory() const noexcept { return m_dir; }

    /// The serialised entry (exposed for tests and the fuzz target).
    static Bytes encode(const CardIdentity& identity, CertKind kind, ByteView der);
    static Result<Bytes> decode(ByteView file, const CardIdentity& identity, CertKind kind);

private:
    Result<void> ensure_directory() const;
    Result<std::optional<Bytes>> read_private(const std::filesystem::path& path, std::size_t max_size) const;
    Result<void> write_atomic(const std::filesystem::path& path, ByteView content) const;
    std::filesystem::path m_dir;
};

}  // namespace mynacard::jpki::detail
