// A session with one JPKI My Number card: detection, identity, certificates, PINs, signing,
// Kenhojo. Built on any apdu::Transport (PC/SC in production). Not thread-safe: callers
// serialise (the PKCS#11 module holds its lock). Each public call that touches the card runs
// inside one PC/SC transaction (select, verify, sign happen together).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mynacard/apdu/transport.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/kenhojo.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki {

/// A stable per-card value, never a constant (jpki-card.md §1.14).
struct CardIdentity {
    std::string serial;  ///< printable, at most 16 characters (fits CK_TOKEN_INFO.serialNumber)
    std::string source;  ///< "common-ap" (Common AP serial record) or "auth-cert" (fallback)
};

struct CardInfo {
    CardType type = CardType::Unknown;
    std::string token_label;   ///< first 32 bytes of EF 0006, trimmed (JPKIAPICCTOKEN2)
    CardIdentity identity;
    bool has_auth_certificate = true;
    bool has_sign_certificate = true;  ///< false on an under-15 card (EF 0008 / EF 0001 absent)
    /// RSASSA-PSS (P1=04, jpki-card.md §1.7, [1]): probed once per card without a PIN, or No
    /// once the card refused the scheme (issue 9 §3). Unknown: not probed (PSS not offered).
    SchemeSupport pss = SchemeSupport::Unknown;
    /// open() met the JPKI AP already selected in an insertion a session of ours had identified:
    /// another application may hold a JPKI login right now, and selecting another AP (Kenhojo)
    /// could end it on a card that drops verification on SELECT (jpki-card.md §7; issue 9 §1
    /// "Other processes"). Callers that only look (card-cp status) leave other APs alone then.
    bool others_may_be_logged_in = false;
};

struct CacheOptions {
    bool enabled = true;
    /// Default: $XDG_CACHE_HOME/mynacard, else $HOME/.cache/mynacard. Created 0700.
    std::optional<std::filesystem::path> directory;
    /// The signing certificate holds personal data: cached (0600) only when this is set, and
    /// only after it was read with the password.
    bool include_sign_certificate = false;
};

/// Which insertion of a card this is: the PC/SC reader name and pcsc-lite's per-reader event
/// counter (apdu::ReaderInfo::event_count), which changes whenever a card is inserted or
/// removed. With it, CardSession::open remembers the card for this insertion (a 0600 file next
/// to the certificate cache) and a later process that meets the same insertion confirms the card
/// with one READ BINARY instead of selecting applications, which could end another process's
/// login (issue 9 §1).
struct ReaderInsertion {
    std::string reader;
    std::uint32_t event_count = 0;
};

struct SessionOptions {
    CacheOptions cache;
    std::optional<ReaderInsertion> insertion;
    /// pin_status(kind, true) answers from what the session already knows when it learned the
    /// counter no longer ago than this (or from its own accepted VERIFY while that login holds).
    std::chrono::milliseconds pin_status_reuse{5000};
    /// PIN counters open() reads while it has the JPKI AP confirmed (2 APDUs each), for
    /// pin_status(kind, true) right after. Kenhojo is ignored (it needs its own AP).
    std::vector<PinKind> prefetch_pin_status;
    /// Use one extended-length READ BINARY per certificate where the transport says the reader
    /// and card take it; falls back to 256-byte short reads on 6700/6Cxx/transport refusal.
    bool allow_extended_length = true;
};

/// Detects the card type by application, never by ATR (§1.2): SELECT the JPKI AID and read
/// the label in EF 0006. Used by reader listings.
Result<CardType> detect_card(apdu::Transport& transport, std::string* label = nullptr);
/// detect_card for a program that meets a card other processes may be using (issue 9 §1 "Other
/// processes"): a card a CardSession identified in this insertion (`insertion`, with the record
/// CardSession::open keeps next to the cache of `cache`) is confirmed with one READ BINARY in
/// whatever AP is current, and no SELECT by AID is sent, so another process's login survives
/// on a card that ends verification on SELECT. Otherwise (no record, or the card does not show
/// the recorded content) as detect_card. `found_current` (if given) tells which: true when the
/// card was confirmed in the JPKI AP it found current, where another application may be logged
/// in (CardInfo::others_may_be_logged_in).
Result<CardType> detect_card(apdu::Transport& transport, const ReaderInsertion& insertion, const CacheOptions& cache,
                             std::string* label = nullptr, bool* found_current = nullptr);

class CardSession {
public:
    /// Selects the JPKI AP, reads the token label (NotSupported unless is_jpki_ic_card() of
    /// jpki/supported.hpp: JPKIAPICCTOKEN2 or JPKIAPICCTOKEN; the label is in the error context),
    /// the certificate-presence EF 0008 and the card identity.
    static Result<CardSession> open(std::unique_ptr<apdu::Transport> transport,
                                    SessionOptions options = {});
    CardSession(CardSession&&) noexcept;
    CardSession& operator=(CardSession&&) noexcept;
    ~CardSession();

    const CardInfo& info() const noexcept;
    apdu::Transport& transport() noexcept;

    /// DER of a certificate: from the cache when valid for this card, else from the card (and
    /// then cached). CertKind::Sign needs the sign password verified in this session
    /// (NotLoggedIn otherwise) unless it is in the opt-in cache. NoSuchKey if not issued.
    Result<Bytes> read_certificate(CertKind kind);
    Result<Certificate> certificate(CertKind kind);

    /// Tries left, without spending one (an empty VERIFY in one transaction; the JPKI AP is
    /// confirmed first by its label, never re-selected while it is current). With `reuse_known`,
    /// a counter the session learned recently (SessionOptions::pin_status_reuse) or set itself
    /// by an accepted VERIFY is returned without any APDU. For Kenhojo this selects the Kenhojo
    /// AP and back, which may end the JPKI logins (logged_in() then says so).
    Result<PinStatus> pin_status(PinKind kind, bool reuse_known = false);

    /// Validates `typed` locally (normalize_pin), reads the counter, refuses a locked counter
    /// without sending VERIFY (PinLocked), applies the final-try policy (FinalTryRefused), then
    /// VERIFY. 63Cx -> PinIncorrect with tries_left; 63C0/6983/6984 -> PinLocked.
    /// On success the session remembers the login for this key until logout or a card reset.
    Result<void> verify_pin(PinKind kind, SecureBytes typed, const VerifyOptions& options = {});

    /// VERIFY the old value then CHANGE REFERENCE DATA 00 24 01 80 (§1.8), one transaction.
    /// The new value gets the same local checks (for Sign: letters and digits both present).
    Result<void> change_pin(PinKind kind, SecureBytes old_typed, SecureBytes new_typed,
                            const VerifyOptions& options = {});

    /// Whether this session verified the PIN of `key` and nothing it saw since may have ended
    /// that verification (a reset, a SELECT by AID, a 6982).
    bool logged_in(KeyKind key) const noexcept;

    /// COMPUTE DIGITAL SIGNATURE 80 2A 00 80 over a DigestInfo (the card pads PKCS#1 v1.5),
    /// without re-selecting the JPKI AP (a re-SELECT may end the verification, jpki-card.md §7).
    /// NotLoggedIn when not verified, when the card answers 6982 or when another application
    /// left another AP selected; DataTooLong above 245 bytes; NoSuchKey when the key is not
    /// issued. The signature is checked with the certificate's public key before it is returned
    /// (exactly the modulus length; MalformedResponse otherwise, never a bad signature).
    ///
    /// SignScheme::PssSha256 (P1=04): `digest_info` is a 32-byte SHA-256 instead, signed with
    /// RSASSA-PSS (MGF1-SHA-256, 32-byte salt) and checked as such. SchemeNotSupported without
    /// an APDU unless info().pss is Yes; a card that then answers 6A86 is marked No for good.
    Result<Bytes> sign(KeyKind key, ByteView digest_info, SignScheme scheme = SignScheme::Pkcs1);

    /// verify_pin + sign inside one transaction.
    Result<Bytes> sign_with_pin(KeyKind key, SecureBytes typed, ByteView digest_info,
                                const VerifyOptions& options = {}, SignScheme scheme = SignScheme::Pkcs1);

    /// Logs out for real: the card keeps VERIFY state until power is removed (§1.9), so this
    /// power-cycles the card (Disposition::Unpower) and forgets both logins.
    Result<void> logout();

    /// Kenhojo: verifies PIN 0011 and reads the number and the four attributes (§1.12).
    Result<KenhojoData> read_kenhojo(SecureBytes typed, const VerifyOptions& options = {});

    /// APDUs sent by this session so far (for benchmarks and tests).
    std::uint64_t apdu_count() const noexcept;

private:
    struct Impl;
    explicit CardSession(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace mynacard::jpki
