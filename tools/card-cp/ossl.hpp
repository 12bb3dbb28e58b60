// Small OpenSSL helpers for card-cp: owning pointers, error text, hash selection, file reads.
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mynacard/bytes.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/result.hpp"

namespace mynacard::cli {

template <auto Free>
struct OsslDeleter {
    template <typename T>
    void operator()(T* p) const noexcept { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OsslDeleter<CMS_ContentInfo_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslDeleter<X509_STORE_CTX_free>>;

inline void free_x509_stack(STACK_OF(X509)* s) noexcept { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OsslDeleter<free_x509_stack>>;
/// A stack whose certificates are borrowed (CMS_get0_signers): frees the stack only.
inline void free_x509_stack_only(STACK_OF(X509)* s) noexcept { sk_X509_free(s); }
using X509BorrowedStackPtr = std::unique_ptr<STACK_OF(X509), OsslDeleter<free_x509_stack_only>>;

/// The last OpenSSL error queue entries as text (and clears the queue).
std::string openssl_errors();

const EVP_MD* evp_md(jpki::HashAlg alg) noexcept;
/// "sha256" / "sha384" / "sha512" -> HashAlg (the hashes card-cp offers).
jpki::HashAlg parse_hash(const std::string& name);

/// Hash of a whole file, streamed. Errc::Io when it cannot be read.
Result<Bytes> hash_file(const std::filesystem::path& path, jpki::HashAlg alg);
/// Whole file. Errc::Io when it cannot be read.
Result<Bytes> read_file(const std::filesystem::path& path);
/// Every certificate in a PEM file (one or many) or a single DER certificate.
Result<std::vector<X509Ptr>> read_certificates(const std::filesystem::path& path);

}  // namespace mynacard::cli
