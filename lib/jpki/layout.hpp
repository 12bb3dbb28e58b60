// Every card constant of the JPKI layer in one place, with its source (shared/docs/jpki-card.md,
// cited as §x.y; the source keys there name the implementations that agree on each value).
// Private to lib/jpki.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mynacard/jpki/types.hpp"

namespace mynacard::jpki::layout {

using Aid = std::array<std::uint8_t, 10>;

// --- Applications (§1.3; [3+] for JPKI and Kenhojo, [3+] for the Common AP).
/// 公的個人認証AP (JPKI).
inline constexpr Aid kJpkiAid{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
/// 券面事項入力補助AP (Kenhojo, "text" AP), §1.12.
inline constexpr Aid kKenhojoAid{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
/// 共通カードAP: holds the card serial record (§1.14).
inline constexpr Aid kCommonAid{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00};

// --- EFs of the JPKI AP (§1.4).
inline constexpr std::uint16_t kEfSignCert = 0x0001;     ///< needs the sign password to read
inline constexpr std::uint16_t kEfSignCaCert = 0x0002;
inline constexpr std::uint16_t kEfTokenInfo = 0x0006;    ///< CK_TOKEN_INFO; label = first 32 bytes
inline constexpr std::uint16_t kEfCertPresence = 0x0008; ///< 3 bytes: [0] sign, [1] auth; 8F = present
inline constexpr std::uint16_t kEfAuthCert = 0x000A;
inline constexpr std::uint16_t kEfAuthCaCert = 0x000B;
inline constexpr std::uint16_t kEfAuthKey = 0x0017;
inline constexpr std::uint16_t kEfAuthPin = 0x0018;
inline constexpr std::uint16_t kEfSignKey = 0x001A;
inline constexpr std::uint16_t kEfSignPin = 0x001B;

inline constexpr std::size_t kTokenLabelLength = 32;     ///< CK_TOKEN_INFO.label (§1.4, MC)
inline constexpr std::size_t kCertPresenceLength = 3;

// --- Kenhojo AP (§1.12).
inline constexpr std::uint16_t kEfKenhojoPin = 0x0011;
inline constexpr std::uint16_t kEfKenhojoMyNumber = 0x0001;    ///< FF10 0C <12 digits>
inline constexpr std::uint16_t kEfKenhojoAttributes = 0x0002;  ///< FF20 {DF21..DF25}
inline constexpr std::uint32_t kTagMyNumber = 0xFF10;
inline constexpr std::uint32_t kTagAttributes = 0xFF20;
inline constexpr std::uint32_t kTagName = 0xDF22;
inline constexpr std::uint32_t kTagAddress = 0xDF23;
inline constexpr std::uint32_t kTagBirthDate = 0xDF24;
inline constexpr std::uint32_t kTagSex = 0xDF25;
inline constexpr std::size_t kMyNumberDigits = 12;

// --- Common AP serial record (§1.14): READ RECORD 1 of SFI 1 = 00 B2 01 0C 00, answering
// 01 1C + 28 ASCII characters: serial(15) + municipality code(5) + expiry YYYYMMDD.
inline constexpr std::uint8_t kCommonSerialRecord = 1;
inline constexpr std::uint8_t kCommonSerialSfi = 1;
inline constexpr std::uint8_t kCommonSerialTag = 0x01;
inline constexpr std::uint8_t kCommonSerialRecordLength = 0x1C;
inline constexpr std::size_t kCommonSerialLength = 15;

// --- VERIFY / CHANGE REFERENCE DATA (§1.6, §1.8): P2 = 80 "key of the current EF".
inline constexpr std::uint8_t kPinP2 = 0x80;
inline constexpr std::uint8_t kChangeP1 = 0x01;  ///< 00 24 01 80: new value only, after VERIFY
/// COMPUTE DIGITAL SIGNATURE 80 2A 00 80 over the current key EF (§1.7) is built by
/// apdu::Command::jpki_compute_signature.

// --- Retry limits (§1.6; pin-and-suspension.md §1.1) and formats (www2.jpki.go.jp
// procedure/password.html).
inline constexpr int kAuthMaxTries = 3;
inline constexpr int kSignMaxTries = 5;
inline constexpr int kKenhojoMaxTries = 3;
inline constexpr std::size_t kDigitPinLength = 4;
inline constexpr std::size_t kSignPinMin = 6;
inline constexpr std::size_t kSignPinMax = 16;

// --- READ BINARY (§1.5): 256-byte short reads, 15-bit offsets.
inline constexpr std::size_t kShortReadChunk = 256;
inline constexpr std::size_t kMaxOffset = 0x7FFF;
/// Largest Le an extended READ BINARY asks for (ISO 7816-4 §5.1: 1..65536; 65535 keeps the
/// arithmetic simple and exceeds any EF here).
inline constexpr std::size_t kMaxExtendedRead = 65535;

// --- Token labels in EF 0006 (§1.2).
inline constexpr std::string_view kLabelMyNumberCard = "JPKIAPICCTOKEN2";
inline constexpr std::string_view kLabelJukiCard = "JPKIAPICCTOKEN";
inline constexpr std::string_view kLabelAndroid = "JPKIAPGPSETOKEN";
inline constexpr std::string_view kLabelIos = "JPKIAPIOSTOKEN";

/// Where each PIN and key lives.
struct PinLocation {
    const Aid* aid;
    std::uint16_t ef;
    int max_tries;
};

constexpr PinLocation pin_location(PinKind kind) noexcept
{
    switch (kind) {
    case PinKind::Auth: return {&kJpkiAid, kEfAuthPin, kAuthMaxTries};
    case PinKind::Sign: return {&kJpkiAid, kEfSignPin, kSignMaxTries};
    case PinKind::Kenhojo: break;
    }
    return {&kKenhojoAid, kEfKenhojoPin, kKenhojoMaxTries};
}

constexpr std::uint16_t key_ef(KeyKind key) noexcept
{
    return key == KeyKind::Auth ? kEfAuthKey : kEfSignKey;
}

constexpr std::uint16_t cert_ef(CertKind kind) noexcept
{
    switch (kind) {
    case CertKind::Auth: return kEfAuthCert;
    case CertKind::AuthCa: return kEfAuthCaCert;
    case CertKind::Sign: return kEfSignCert;
    case CertKind::SignCa: break;
    }
    return kEfSignCaCert;
}

}  // namespace mynacard::jpki::layout
