// Hashing and DigestInfo (RFC 8017 §9.2 EMSA-PKCS1-v1_5 step 2), with OpenSSL.
#pragma once

#include "mynacard/bytes.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki {

std::size_t digest_size(HashAlg alg) noexcept;
Result<Bytes> hash(HashAlg alg, ByteView data);
/// DER DigestInfo { AlgorithmIdentifier(alg, NULL), OCTET STRING hash }. The hash length must
/// match the algorithm (InvalidArgument otherwise).
Result<Bytes> digest_info(HashAlg alg, ByteView hash);

/// The largest DigestInfo an RSA-2048 PKCS#1 v1.5 signature can carry: 256 - 11 = 245 bytes.
inline constexpr std::size_t kMaxSignInput = 245;

}  // namespace mynacard::jpki
