// Decoding of the JPKI personal-data otherNames in a SubjectAltName (jpki-card.md §2).
// Private to lib/jpki; exposed for the unit tests and fuzz/fuzz_san.cpp.
#pragma once

#include "mynacard/bytes.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/result.hpp"

namespace mynacard::jpki::detail {

/// Decodes the DER GeneralNames (the extnValue content of SubjectAltName) with libtasn1 and
/// collects the otherNames 1.2.392.200149.8.5.5.1-.6. The value of each may be a UTF8String,
/// PrintableString, IA5String or BMPString; it is returned as UTF-8.
/// NoSuchKey: none of those otherNames present. CertificateInvalid: malformed DER, a string
/// type not listed above, invalid UTF-8/UTF-16, or one of the OIDs twice.
Result<PersonalAttributes> decode_personal_attributes(ByteView general_names_der);

}  // namespace mynacard::jpki::detail
