// State of the cryptographic and search operations a session can have active (PKCS#11 v2.40
// §5.6: at most one of each kind per session).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "cryptoki.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

struct evp_md_ctx_st;  // OpenSSL EVP_MD_CTX
struct evp_pkey_st;    // OpenSSL EVP_PKEY

namespace mynacard::p11 {

/// Incremental hash in software (OpenSSL EVP).
class Hasher {
public:
    static Result<Hasher> start(jpki::HashAlg alg);
    Result<void> update(ByteView data);
    /// The digest of everything so far; the running state is left untouched (a copy is
    /// finalised) so a size query before it costs nothing and a later call still works.
    Result<Bytes> peek() const;
    jpki::HashAlg algorithm() const noexcept { return m_alg; }

private:
    struct Free { void operator()(evp_md_ctx_st* p) const noexcept; };
    jpki::HashAlg m_alg = jpki::HashAlg::Sha256;
    std::unique_ptr<evp_md_ctx_st, Free> m_ctx;
};

struct FindOperation {
    std::vector<CK_OBJECT_HANDLE> results;
    std::size_t next = 0;
};

struct SignOperation {
    CK_MECHANISM_TYPE mechanism = 0;
    jpki::KeyKind key = jpki::KeyKind::Auth;
    CK_OBJECT_HANDLE key_handle = 0;
    std::size_t signature_size = 0;    ///< modulus length, known before touching the card
    std::optional<Hasher> hasher;      ///< hash-and-sign mechanisms
    Bytes collected;                   ///< CKM_RSA_PKCS: the DigestInfo (≤ 245 bytes)
    bool multi_part = false;           ///< C_SignUpdate was called
    bool single_part = false;          ///< C_Sign was called (a size query or a short buffer)
    bool always_authenticate = false;  ///< CKA_ALWAYS_AUTHENTICATE key
    bool context_login = false;        ///< CKU_CONTEXT_SPECIFIC login done for this operation
};

struct VerifyOperation {
    CK_MECHANISM_TYPE mechanism = 0;
    std::shared_ptr<evp_pkey_st> public_key;
    std::optional<Hasher> hasher;
    Bytes collected;
    bool multi_part = false;
};

struct DigestOperation {
    Hasher hasher;
    bool multi_part = false;   ///< C_DigestUpdate was called
    bool single_part = false;  ///< C_Digest was called (a size query or a short buffer)
};

/// Software RSA PKCS#1 v1.5 verification of `signature` over `digest_info` with `key`.
/// CKR_OK, CKR_SIGNATURE_INVALID or CKR_SIGNATURE_LEN_RANGE.
CK_RV verify_pkcs1(evp_pkey_st* key, ByteView digest_info, ByteView signature);
/// Software RSASSA-PSS verification of `signature` over the 32-byte SHA-256 `hash` with
/// MGF1-SHA-256 and exactly a 32-byte salt (the only parameters the module accepts).
CK_RV verify_pss_sha256(evp_pkey_st* key, ByteView hash, ByteView signature);

}  // namespace mynacard::p11
