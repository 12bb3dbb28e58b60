// The card identity the middleware should show for a virtual card, for assertions in the
// PC/SC tests of the C++ API, the module and card-cp. Computed here, apart from lib/jpki's
// card_probe.cpp, so a test compares two independent derivations.
#pragma once

#include <string>

namespace mynacard::vcard {

class VirtualJpkiCard;

struct ExpectedIdentity {
    std::string serial;  ///< empty if the card's auth certificate does not parse
    std::string source;  ///< "common-ap" or "auth-cert"
};

/// The Common AP serial (jpki-card.md §1.14), or on a card without the Common AP (switch
/// no-common-ap) the fallback the README's "C++ API" section names: the first 16 hex digits of
/// SHA-256(issuer DER || serial DER) of the auth certificate.
ExpectedIdentity expected_identity(const VirtualJpkiCard& card);

}  // namespace mynacard::vcard
