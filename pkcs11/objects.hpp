// PKCS#11 objects built from the card's certificates, and the attribute rules of
// PKCS#11 v2.40 §5.7 (C_GetAttributeValue) and §4 (object classes).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "cryptoki.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::p11 {

enum class TokenKind : unsigned { Auth = 0, Sign = 1 };
constexpr jpki::KeyKind key_of(TokenKind t) noexcept
{
    return t == TokenKind::Auth ? jpki::KeyKind::Auth : jpki::KeyKind::Sign;
}
constexpr jpki::PinKind pin_of(TokenKind t) noexcept
{
    return t == TokenKind::Auth ? jpki::PinKind::Auth : jpki::PinKind::Sign;
}

/// One object: its attributes as encoded bytes (what C_GetAttributeValue copies out), the types
/// that exist but are sensitive, and what the module needs to use it.
struct Object {
    CK_OBJECT_HANDLE handle = 0;
    CK_OBJECT_CLASS object_class = CKO_DATA;
    bool is_private = false;                ///< hidden until the token is logged in (§4.4)
    std::optional<jpki::KeyKind> key;       ///< for key objects: which card key
    std::map<CK_ATTRIBUTE_TYPE, Bytes> attributes;
    std::set<CK_ATTRIBUTE_TYPE> sensitive;  ///< CKR_ATTRIBUTE_SENSITIVE (private key material)

    bool has(CK_ATTRIBUTE_TYPE type) const { return attributes.count(type) != 0; }
    bool flag(CK_ATTRIBUTE_TYPE type) const;       ///< a CK_BBOOL attribute (false if absent)
    void set_flag(CK_ATTRIBUTE_TYPE type, bool value);
};

using ObjectPtr = std::shared_ptr<Object>;

/// Per-object knobs from the configuration.
struct ObjectOptions {
    bool sign_always_authenticate = true;  ///< [pkcs11] sign_always_authenticate
};

/// The four objects the module exposes for a certificate role. `is_private_leaf` marks the
/// signing certificate and its public key (EF 0001 needs the password: jpki-card.md §1.4).
ObjectPtr make_certificate(const jpki::Certificate& cert, ByteView id, std::string_view label,
                           bool authority, bool is_private);
ObjectPtr make_public_key(const jpki::Certificate& cert, ByteView id, std::string_view label,
                          bool is_private);
ObjectPtr make_private_key(const jpki::Certificate& cert, jpki::KeyKind key, ByteView id,
                           std::string_view label, const ObjectOptions& options);

/// PKCS#11 v2.40 §5.7 C_GetAttributeValue rules 1-5 over every template entry.
CK_RV get_attribute_values(const Object& object, std::span<CK_ATTRIBUTE> attributes);

/// C_FindObjectsInit matching: every template attribute present with the same value.
/// Sensitive attributes never match (their value is not revealed by searching either).
struct TemplateEntry {
    CK_ATTRIBUTE_TYPE type;
    Bytes value;
};
bool matches(const Object& object, std::span<const TemplateEntry> search);

/// Sum of the non-sensitive attribute value lengths (C_GetObjectSize).
std::size_t approximate_size(const Object& object);

/// The mechanisms a key allows (CKA_ALLOWED_MECHANISMS): PKCS#1 v1.5, and with `pss` (a card
/// whose probe showed RSASSA-PSS) CKM_RSA_PKCS_PSS and CKM_SHA256_RSA_PKCS_PSS.
std::span<const CK_MECHANISM_TYPE> key_mechanisms(bool pss) noexcept;
/// Sets CKA_ALLOWED_MECHANISMS of a key object to key_mechanisms(pss).
void set_allowed_mechanisms(Object& key, bool pss);

}  // namespace mynacard::p11
