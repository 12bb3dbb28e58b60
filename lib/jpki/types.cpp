// Names of the JPKI vocabulary (types.hpp) and the retry limits from layout.hpp.
#include "mynacard/jpki/types.hpp"

#include "layout.hpp"

namespace mynacard::jpki {

const char* to_string(KeyKind k) noexcept
{
    return k == KeyKind::Auth ? "auth" : "sign";
}

const char* to_string(CertKind k) noexcept
{
    switch (k) {
    case CertKind::Auth: return "auth";
    case CertKind::AuthCa: return "auth-ca";
    case CertKind::Sign: return "sign";
    case CertKind::SignCa: return "sign-ca";
    }
    return "unknown";
}

const char* to_string(PinKind k) noexcept
{
    switch (k) {
    case PinKind::Auth: return "auth";
    case PinKind::Sign: return "sign";
    case PinKind::Kenhojo: return "kenhojo";
    }
    return "unknown";
}

const char* to_string(CardType t) noexcept
{
    switch (t) {
    case CardType::MyNumberCard: return "My Number card";
    case CardType::JukiCard: return "Juki card";
    case CardType::AndroidToken: return "Android JPKI token";
    case CardType::IosToken: return "iOS JPKI token";
    case CardType::Unknown: break;
    }
    return "unknown";
}

const char* to_string(HashAlg h) noexcept
{
    switch (h) {
    case HashAlg::Sha1: return "sha1";
    case HashAlg::Sha224: return "sha224";
    case HashAlg::Sha256: return "sha256";
    case HashAlg::Sha384: return "sha384";
    case HashAlg::Sha512: return "sha512";
    }
    return "unknown";
}

const char* to_string(SignScheme s) noexcept
{
    switch (s) {
    case SignScheme::Pkcs1: return "pkcs1";
    case SignScheme::PssSha256: return "pss-sha256";
    }
    return "unknown";
}

int max_tries(PinKind k) noexcept
{
    return layout::pin_location(k).max_tries;
}

}  // namespace mynacard::jpki
