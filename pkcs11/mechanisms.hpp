// The mechanisms the module offers (PKCS#11 v2.40 Mechanisms §2.1.6 PKCS#1 v1.5 RSA, §2.1.10
// PKCS #1 RSA PSS, §2.25 SHA). Only what really happens: the card signs a DigestInfo with
// PKCS#1 v1.5 padding (jpki-card.md §1.7), or, on a card whose PIN-less probe showed P1=04,
// a SHA-256 hash with RSASSA-PSS; hashing, DigestInfo building and verification run in software.
#pragma once

#include <optional>
#include <span>

#include "cryptoki.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::p11 {

struct MechanismSpec {
    CK_MECHANISM_TYPE type;
    std::optional<jpki::HashAlg> hash;  ///< hash-and-sign / digest algorithm; none for CKM_RSA_PKCS
    bool signs;                         ///< CKM_*RSA_PKCS* (else a digest mechanism)
    CK_MECHANISM_INFO info;
    /// RSASSA-PSS (card P1=04): offered only for a card that takes it (issue 9 §3).
    bool pss = false;
};

std::span<const MechanismSpec> mechanisms() noexcept;
const MechanismSpec* find_mechanism(CK_MECHANISM_TYPE type) noexcept;
/// Whether `spec` is offered for a card: PSS only where `card_pss`.
constexpr bool offered(const MechanismSpec& spec, bool card_pss) noexcept { return !spec.pss || card_pss; }

/// The only RSASSA-PSS parameters the card's P1=04 signs (jpki-card.md §1.7: SHA-256,
/// MGF1-SHA-256, a 32-byte salt). CKR_MECHANISM_PARAM_INVALID for anything else, including a
/// missing or wrongly sized CK_RSA_PKCS_PSS_PARAMS (Mechanisms §2.1.10).
CK_RV check_pss_params(const CK_MECHANISM& mech) noexcept;
inline constexpr std::size_t kPssHashBytes = 32;
inline constexpr int kPssSaltBytes = 32;

/// Signature length of the card's RSA-2048 keys, known before touching the card.
inline constexpr std::size_t kRsaBits = 2048;
inline constexpr std::size_t kSignatureBytes = kRsaBits / 8;

}  // namespace mynacard::p11
