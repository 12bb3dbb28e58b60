// Vocabulary of the JPKI card layer. Card facts: shared/docs/jpki-card.md (cited as §x.y).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mynacard::jpki {

/// The two RSA-2048 keys of the JPKI AP (§1.4): auth key EF 0017, sign key EF 001A.
enum class KeyKind { Auth, Sign };
/// The four certificates (§1.4): auth 000A, auth CA 000B, sign 0001 (needs the password), sign CA 0002.
enum class CertKind { Auth, AuthCa, Sign, SignCa };
/// PINs: auth 4 digits/3 tries (JPKI 0018), sign 6-16 A-Z0-9 / 5 tries (JPKI 001B),
/// Kenhojo 4 digits / 3 tries (Kenhojo AP 0011) (§1.6, §1.12).
enum class PinKind { Auth, Sign, Kenhojo };
/// From the token label in EF 0006 (§1.2).
enum class CardType { MyNumberCard, JukiCard, AndroidToken, IosToken, Unknown };
enum class HashAlg { Sha1, Sha224, Sha256, Sha384, Sha512 };
/// What COMPUTE DIGITAL SIGNATURE's P1 asks the card for (§1.7 P1 table; everything but 00 is
/// [1], a survey of one test card). Only the two schemes the host needs are named: the host
/// hashes (multi-part signing works, the card never sees the message) and builds DigestInfos.
enum class SignScheme : std::uint8_t {
    Pkcs1 = 0x00,      ///< 1..245 bytes (a DigestInfo) padded PKCS#1 v1.5 type 1
    PssSha256 = 0x04,  ///< a 32-byte SHA-256: RSASSA-PSS, MGF1-SHA-256, 32-byte salt
};
/// Whether a card takes a scheme: learnt by a PIN-less probe, or from a later refusal.
enum class SchemeSupport { Unknown, Yes, No };

const char* to_string(KeyKind k) noexcept;    ///< "auth" / "sign"
const char* to_string(CertKind k) noexcept;   ///< "auth" / "auth-ca" / "sign" / "sign-ca"
const char* to_string(PinKind k) noexcept;    ///< "auth" / "sign" / "kenhojo"
const char* to_string(CardType t) noexcept;
const char* to_string(HashAlg h) noexcept;    ///< "sha256" ...
const char* to_string(SignScheme s) noexcept; ///< "pkcs1" / "pss-sha256"

constexpr PinKind pin_for(KeyKind k) noexcept { return k == KeyKind::Auth ? PinKind::Auth : PinKind::Sign; }
constexpr CertKind cert_for(KeyKind k) noexcept { return k == KeyKind::Auth ? CertKind::Auth : CertKind::Sign; }
int max_tries(PinKind k) noexcept;  ///< 3, 5, 3

/// Remaining tries as read with an empty VERIFY, which spends nothing (§1.6).
struct PinStatus {
    PinKind kind = PinKind::Auth;
    int max_tries = 0;
    /// nullopt when the card answered 9000 (already verified; count not reported, §1.6).
    std::optional<int> tries_left;

    bool verified_reported() const noexcept { return !tries_left.has_value(); }
    bool locked() const noexcept { return tries_left && *tries_left == 0; }
    bool final_try() const noexcept { return tries_left && *tries_left == 1; }
    /// PKCS#11 CKF_USER_PIN_COUNT_LOW: at least one failure since the last success.
    bool count_low() const noexcept { return tries_left && *tries_left < max_tries; }
};

/// What to do when the next wrong PIN would lock the counter (pin-and-suspension.md §1.5.6).
enum class FinalTryPolicy { Allow, Confirm, Deny };

struct VerifyOptions {
    FinalTryPolicy final_try = FinalTryPolicy::Allow;
    /// With Confirm: the caller asked the user and the user said yes.
    bool final_try_confirmed = false;
};

}  // namespace mynacard::jpki
