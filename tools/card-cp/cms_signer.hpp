// Detached CMS SignedData (RFC 5652) whose RSA operation happens on the card.
//
// OpenSSL builds the SignedData (CMS_sign with CMS_PARTIAL|CMS_DETACHED|CMS_BINARY, then
// CMS_final): digests the content, adds the signed attributes (contentType, messageDigest,
// signingTime), and asks the signer's EVP_PKEY to sign their DER. That key is a public-only
// RSA key from the certificate with an RSA_METHOD whose sign hook receives (hash NID, hash)
// and hands the DigestInfo to the card (COMPUTE DIGITAL SIGNATURE pads PKCS#1 v1.5 itself,
// jpki-card.md §1.10). So the output is exactly what `openssl cms -verify` checks.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "mynacard/bytes.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::cli {

/// Signs a DER DigestInfo and returns the RSA signature (the card, or a software key in tests).
using DigestInfoSigner = std::function<Result<Bytes>(ByteView digest_info)>;

/// DER ContentInfo(SignedData) over the bytes of `content`, detached, with `signer` and
/// `extra_certs` (the CA certificate) embedded.
Result<Bytes> cms_sign_detached(const std::filesystem::path& content, const jpki::Certificate& signer,
                                const std::vector<jpki::Certificate>& extra_certs, jpki::HashAlg hash,
                                const DigestInfoSigner& sign);

/// DER -> PEM ("-----BEGIN CMS-----").
Result<std::string> cms_der_to_pem(ByteView der);

}  // namespace mynacard::cli
