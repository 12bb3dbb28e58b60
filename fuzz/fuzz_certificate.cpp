// Fuzz target: certificate bytes as read from a card EF (DER header length, then OpenSSL parse,
// every accessor, and the SubjectAltName personal attributes).
#include <cstddef>
#include <cstdint>

#include "mynacard/jpki/certificate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    const ByteView in(data, size);
    auto length = jpki::der_object_length(in);
    // Like the card reader: trim filler after the DER object, then parse exactly that.
    const ByteView der = (length && *length <= size) ? in.first(*length) : in;
    auto cert = jpki::Certificate::from_der(der);
    if (!cert) return 0;
    (void)cert->subject_der();
    (void)cert->issuer_der();
    (void)cert->serial_der();
    (void)cert->serial_hex();
    (void)cert->subject_text();
    (void)cert->issuer_text();
    (void)cert->not_before();
    (void)cert->not_after();
    (void)cert->modulus();
    (void)cert->public_exponent();
    (void)cert->key_bits();
    (void)cert->fingerprint_sha256();
    (void)cert->subject_key_id();
    (void)cert->authority_key_id();
    (void)cert->is_ca();
    (void)jpki::personal_attributes(*cert);
    return 0;
}
