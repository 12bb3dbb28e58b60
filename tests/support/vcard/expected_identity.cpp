#include "expected_identity.hpp"

#include <openssl/evp.h>

#include "mynacard/jpki/certificate.hpp"
#include "virtual_card.hpp"

namespace mynacard::vcard {

ExpectedIdentity expected_identity(const VirtualJpkiCard& card)
{
    const CardOptions options = card.options();
    if (options.has_common_ap) return {options.common_serial, "common-ap"};
    auto cert = jpki::Certificate::from_der(card.pki().auth_der);
    if (!cert) return {{}, "auth-cert"};
    Bytes input = cert->issuer_der();
    const Bytes serial = cert->serial_der();
    input.insert(input.end(), serial.begin(), serial.end());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr) != 1 || len < 8)
        return {{}, "auth-cert"};
    return {to_hex(ByteView(digest, 8)), "auth-cert"};
}

}  // namespace mynacard::vcard
