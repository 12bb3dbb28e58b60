// Every signature the card returns is checked in software before anyone sees it (issue 9 §3):
// a card that signed with another key (another application's AP left selected), a damaged
// answer or a faulty card must never hand out a signature that does not verify. Private to
// lib/jpki.
#pragma once

#include <memory>

#include <openssl/evp.h>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki::detail {

using PublicKey = std::shared_ptr<EVP_PKEY>;

/// The subject public key of a DER certificate (nullptr if it has none we can use).
PublicKey public_key_of_certificate(ByteView der);

/// RSASSA-PKCS1-v1_5 as the card computes it for 80 2A 00 80 (jpki-card.md §1.7): `signature`
/// must be exactly the modulus length and recover `input` (the DigestInfo the host built) under
/// `key`. MalformedResponse otherwise, with what did not match.
Result<void> check_pkcs1_signature(EVP_PKEY* key, ByteView input, ByteView signature);

/// RSASSA-PSS as the card computes it for 80 2A 04 80 (§1.7 table, [1]): `signature` must be
/// exactly the modulus length and verify over the 32-byte SHA-256 `hash` with MGF1-SHA-256 and
/// exactly a 32-byte salt. MalformedResponse otherwise.
Result<void> check_pss_signature(EVP_PKEY* key, ByteView hash, ByteView signature);

}  // namespace mynacard::jpki::detail
