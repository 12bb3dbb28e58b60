#include "mechanisms.hpp"

#include <array>
#include <cstring>

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
    // CKM_RSA_PKCS_PSS takes the 32-byte hash (single part); CKM_SHA256_RSA_PKCS_PSS hashes
    // in software, so multi-part signing works and the card never sees the message.
    MechanismSpec{CKM_RSA_PKCS_PSS, std::nullopt, true, {kBits, kBits, kSignFlags}, true},
    MechanismSpec{CKM_SHA256_RSA_PKCS_PSS, HashAlg::Sha256, true, {kBits, kBits, kSignFlags}, true},
    MechanismSpec{CKM_SHA_1, HashAlg::Sha1, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA224, HashAlg::Sha224, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA256, HashAlg::Sha256, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA384, HashAlg::Sha384, false, {0, 0, CKF_DIGEST}},
    MechanismSpec{CKM_SHA512, HashAlg::Sha512, false, {0, 0, CKF_DIGEST}},
};

// CKA_ALLOWED_MECHANISMS: the PKCS#1 v1.5 ones, then (on a card with PSS) the two PSS ones.
constexpr std::array<CK_MECHANISM_TYPE, 8> kKeyMechanisms{
    CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS,
    CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS,
    CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS};
constexpr std::size_t kPkcs1KeyMechanisms = 6;

}  // namespace

std::span<const MechanismSpec> mechanisms() noexcept { return kMechanisms; }

const MechanismSpec* find_mechanism(CK_MECHANISM_TYPE type) noexcept
{
    for (const MechanismSpec& m : kMechanisms)
        if (m.type == type) return &m;
    return nullptr;
}

std::span<const CK_MECHANISM_TYPE> key_mechanisms(bool pss) noexcept
{
    return std::span<const CK_MECHANISM_TYPE>(kKeyMechanisms).first(pss ? kKeyMechanisms.size() : kPkcs1KeyMechanisms);
}

CK_RV check_pss_params(const CK_MECHANISM& mech) noexcept
{
    if (mech.pParameter == nullptr || mech.ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
        return CKR_MECHANISM_PARAM_INVALID;
    CK_RSA_PKCS_PSS_PARAMS params;
    std::memcpy(&params, mech.pParameter, sizeof params);  // the caller's buffer may be unaligned
    if (params.hashAlg != CKM_SHA256 || params.mgf != CKG_MGF1_SHA256 || params.sLen != kPssSaltBytes)
        return CKR_MECHANISM_PARAM_INVALID;
    return CKR_OK;
}

}  // namespace mynacard::p11
