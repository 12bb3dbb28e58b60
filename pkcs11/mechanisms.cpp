#include "mechanisms.hpp"

#include <array>

#include "objects.hpp"

namespace mynacard::p11 {
namespace {

using jpki::HashAlg;

// CKF_HW: the private-key operation is performed by the card. CKF_VERIFY: verification runs in
// software against the public key (C_Verify), which the module also offers for every signature
// mechanism. Digests are software only (no CKF_HW).
constexpr CK_FLAGS kSignFlags = CKF_HW | CKF_SIGN | CKF_VERIFY;
constexpr CK_ULONG kBits = kRsaBits;

constexpr std::array kMechanisms{
    MechanismSpec{CKM_RSA_PKCS, std::nullopt, true, {kBits, kBits, kSignFlags}},
    MechanismSpec{CKM_SHA1_RSA_PKCS, HashAlg::Sha1, true, {kBits, kBits, kSignFlags}},
    MechanismSpec{CKM_SHA224_RSA_PKCS, HashAlg::Sha224, true, {kBits, kBits, kSignFlags}},
    MechanismSpec{CKM_SHA256_RSA_PKCS, HashAlg::Sha256, true, {kBits, kBits, kSignFlags}},
    MechanismSpec{CKM_SHA384_RSA_PKCS, HashAlg::Sha384, true, {kBits, kBits, kSignFlags}},
    MechanismSpec{CKM_SHA512_RSA_PKCS, HashAlg::Sha512, true, {kBits, kBits, kSignFlags}},
    MechanismSpec{CKM_SHA_1, HashAlg::Sha1, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA224, HashAlg::Sha224, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA256, HashAlg::Sha256, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA384, HashAlg::Sha384, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA512, HashAlg::Sha512, false, {0, 0, CKF_DIGEST}},
};

constexpr std::array<CK_MECHANISM_TYPE, 6> kKeyMechanisms{
    CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS,
    CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS};

}  // namespace

std::span<const MechanismSpec> mechanisms() noexcept { return kMechanisms; }

const MechanismSpec* find_mechanism(CK_MECHANISM_TYPE type) noexcept
{
    for (const MechanismSpec& m : kMechanisms)
        if (m.type == type) return &m;
    return nullptr;
}

std::span<const CK_MECHANISM_TYPE> key_mechanisms() noexcept { return kKeyMechanisms; }

}  // namespace mynacard::p11
