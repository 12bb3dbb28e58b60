// An X.509 certificate read from the card, parsed with OpenSSL.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

struct x509_st;  // OpenSSL X509

namespace mynacard::jpki {

class Certificate {
public:
    /// Parses exactly one DER certificate; trailing bytes are an error (callers trim filler
    /// using the DER header length first). Errc::CertificateInvalid on failure.
    static Result<Certificate> from_der(ByteView der);

    const Bytes& der() const noexcept;
    Bytes subject_der() const;        ///< DER Name (PKCS#11 CKA_SUBJECT)
    Bytes issuer_der() const;         ///< DER Name (CKA_ISSUER)
    Bytes serial_der() const;         ///< DER INTEGER (CKA_SERIAL_NUMBER)
    std::string serial_hex() const;   ///< upper-case hex, no leading 00
    std::string subject_text() const; ///< RFC 2253, UTF-8
    std::string issuer_text() const;
    std::time_t not_before() const;
    std::time_t not_after() const;
    Bytes modulus() const;            ///< big-endian, no leading zero
    Bytes public_exponent() const;
    int key_bits() const;
    Bytes fingerprint_sha256() const;
    Bytes fingerprint_sha1() const;
    std::optional<Bytes> subject_key_id() const;
    std::optional<Bytes> authority_key_id() const;
    bool is_ca() const;

    /// Borrowed OpenSSL handle, valid while this object lives.
    x509_st* native() const noexcept;

private:
    struct Impl;
    std::shared_ptr<const Impl> m_impl;
};

/// Personal data of the signing certificate, from SubjectAltName otherName entries under
/// 1.2.392.200149.8.5.5.1-.6 (jpki-card.md §2), decoded with libtasn1. Never logged or cached
/// by the library; returned only when asked for explicitly.
struct PersonalAttributes {
    std::string name;             ///< .1 氏名 (UTF-8)
    std::string name_substitute;  ///< .2 代替文字 for the name (may be empty)
    std::string sex;              ///< .3
    std::string birth_date;       ///< .4 as on the certificate (EYYYYMMDD per J-LIS profile)
    std::string address;          ///< .5
    std::string address_substitute;  ///< .6
};

/// Errc::NoSuchKey when the certificate carries none of those otherNames (e.g. the auth cert);
/// Errc::CertificateInvalid when the SAN is malformed.
Result<PersonalAttributes> personal_attributes(const Certificate& cert);

/// Length of the DER object at the start of `prefix` (header + value), from its BER header
/// (any length form). Needs only the header bytes. Errc::MalformedResponse if not a SEQUENCE.
Result<std::size_t> der_object_length(ByteView prefix);

}  // namespace mynacard::jpki
