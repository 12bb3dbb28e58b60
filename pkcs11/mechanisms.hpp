// The mechanisms the module offers (PKCS#11 v2.40 Mechanisms §2.1.6 PKCS#1 v1.5 RSA, §2.25 SHA).
// Only what really happens: the card signs a DigestInfo with PKCS#1 v1.5 padding
// (jpki-card.md §1.7); hashing, DigestInfo building and verification run in software.
#pragma once

#include <optional>
#include <span>

#include "cryptoki.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::p11 {

struct MechanismSpec {
    CK_MECHANISM_TYPE type;
    std::optional<jpki::HashAlg> hash;  ///< hash-and-sign / digest algorithm; none for CKM_RSA_PKCS
    bool signs;                         ///< CKM_*RSA_PKCS (else a digest mechanism)
    CK_MECHANISM_INFO info;
};

std::span<const MechanismSpec> mechanisms() noexcept;
const MechanismSpec* find_mechanism(CK_MECHANISM_TYPE type) noexcept;

/// Signature length of the card's RSA-2048 keys, known before touching the card.
inline constexpr std::size_t kRsaBits = 2048;
inline constexpr std::size_t kSignatureBytes = kRsaBits / 8;

}  // namespace mynacard::p11
