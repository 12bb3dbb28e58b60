// Object construction and the attribute walk (PKCS#11 v2.40 §4.6 certificates, §4.8-4.9 keys,
// §5.7 C_GetAttributeValue).
#include "objects.hpp"

#include <openssl/x509.h>

#include <array>
#include <cstring>
#include <ctime>

#include "mechanisms.hpp"

namespace mynacard::p11 {
namespace {

Bytes encode_bool(bool value) { return Bytes{static_cast<std::uint8_t>(value ? CK_TRUE : CK_FALSE)}; }

Bytes encode_ulong(CK_ULONG value)
{
    Bytes out(sizeof value);
    std::memcpy(out.data(), &value, sizeof value);
    return out;
}

Bytes encode_text(std::string_view text) { return Bytes(text.begin(), text.end()); }

/// CK_DATE "YYYYMMDD" in UTC (§3.3); empty for no date.
Bytes encode_date(std::time_t t)
{
    std::tm tm{};
    if (gmtime_r(&t, &tm) == nullptr) return {};
    std::array<char, 9> text{};
    if (std::strftime(text.data(), text.size(), "%Y%m%d", &tm) != 8) return {};
    return Bytes(text.begin(), text.begin() + 8);
}

/// DER SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO, v2.40 §4.6.3 / §4.8).
Bytes spki_der(const jpki::Certificate& cert)
{
    const X509_PUBKEY* spki = X509_get_X509_PUBKEY(cert.native());
    if (spki == nullptr) return {};
    unsigned char* der = nullptr;
    const int n = i2d_X509_PUBKEY(spki, &der);
    if (n <= 0) return {};
    Bytes out(der, der + n);
    OPENSSL_free(der);
    return out;
}

void common_storage(Object& o, CK_OBJECT_CLASS cls, std::string_view label, bool is_private)
{
    o.object_class = cls;
    o.is_private = is_private;
    o.attributes[CKA_CLASS] = encode_ulong(cls);
    o.attributes[CKA_TOKEN] = encode_bool(true);
    o.attributes[CKA_PRIVATE] = encode_bool(is_private);
    o.attributes[CKA_MODIFIABLE] = encode_bool(false);
    o.attributes[CKA_COPYABLE] = encode_bool(false);
    o.attributes[CKA_DESTROYABLE] = encode_bool(false);
    o.attributes[CKA_LABEL] = encode_text(label);
}

void common_key(Object& o, const jpki::Certificate& cert, ByteView id)
{
    o.attributes[CKA_KEY_TYPE] = encode_ulong(CKK_RSA);
    o.attributes[CKA_ID] = Bytes(id.begin(), id.end());
    o.attributes[CKA_START_DATE] = {};
    o.attributes[CKA_END_DATE] = {};
    o.attributes[CKA_DERIVE] = encode_bool(false);
    // Generated on the card at issuance, not by this token's C_GenerateKeyPair (§4.7).
    o.attributes[CKA_LOCAL] = encode_bool(false);
    o.attributes[CKA_KEY_GEN_MECHANISM] = encode_ulong(CK_UNAVAILABLE_INFORMATION);
    set_allowed_mechanisms(o, false);  // PSS added by the token when the card has it
    o.attributes[CKA_SUBJECT] = cert.subject_der();
    o.attributes[CKA_MODULUS] = cert.modulus();
    o.attributes[CKA_PUBLIC_EXPONENT] = cert.public_exponent();
    o.attributes[CKA_PUBLIC_KEY_INFO] = spki_der(cert);
}

}  // namespace

void set_allowed_mechanisms(Object& key, bool pss)
{
    const auto mechs = key_mechanisms(pss);
    Bytes allowed(mechs.size() * sizeof(CK_MECHANISM_TYPE));
    std::memcpy(allowed.data(), mechs.data(), allowed.size());
    key.attributes[CKA_ALLOWED_MECHANISMS] = std::move(allowed);
}

bool Object::flag(CK_ATTRIBUTE_TYPE type) const
{
    const auto it = attributes.find(type);
    return it != attributes.end() && it->second.size() == 1 && it->second[0] == CK_TRUE;
}

void Object::set_flag(CK_ATTRIBUTE_TYPE type, bool value) { attributes[type] = encode_bool(value); }

ObjectPtr make_certificate(const jpki::Certificate& cert, ByteView id, std::string_view label,
                           bool authority, bool is_private)
{
    auto o = std::make_shared<Object>();
    common_storage(*o, CKO_CERTIFICATE, label, is_private);
    o->attributes[CKA_CERTIFICATE_TYPE] = encode_ulong(CKC_X_509);
    o->attributes[CKA_TRUSTED] = encode_bool(false);
    // §4.6.2: 1 = token user, 2 = authority.
    o->attributes[CKA_CERTIFICATE_CATEGORY] = encode_ulong(authority ? 2 : 1);
    // §4.6.2: the first three bytes of the SHA-1 hash of CKA_VALUE.
    const Bytes sha1 = cert.fingerprint_sha1();
    o->attributes[CKA_CHECK_VALUE] = Bytes(sha1.begin(), sha1.begin() + std::min<std::size_t>(3, sha1.size()));
    o->attributes[CKA_START_DATE] = encode_date(cert.not_before());
    o->attributes[CKA_END_DATE] = encode_date(cert.not_after());
    o->attributes[CKA_PUBLIC_KEY_INFO] = spki_der(cert);
    o->attributes[CKA_SUBJECT] = cert.subject_der();
    o->attributes[CKA_ID] = Bytes(id.begin(), id.end());
    o->attributes[CKA_ISSUER] = cert.issuer_der();
    o->attributes[CKA_SERIAL_NUMBER] = cert.serial_der();
    o->attributes[CKA_VALUE] = cert.der();
    o->attributes[CKA_URL] = {};
    o->attributes[CKA_HASH_OF_SUBJECT_PUBLIC_KEY] = {};
    o->attributes[CKA_HASH_OF_ISSUER_PUBLIC_KEY] = {};
    o->attributes[CKA_JAVA_MIDP_SECURITY_DOMAIN] = encode_ulong(0);
    o->attributes[CKA_NAME_HASH_ALGORITHM] = encode_ulong(CKM_SHA_1);
    return o;
}

ObjectPtr make_public_key(const jpki::Certificate& cert, ByteView id, std::string_view label,
                          bool is_private)
{
    auto o = std::make_shared<Object>();
    common_storage(*o, CKO_PUBLIC_KEY, label, is_private);
    common_key(*o, cert, id);
    o->attributes[CKA_ENCRYPT] = encode_bool(false);
    o->attributes[CKA_VERIFY] = encode_bool(true);
    o->attributes[CKA_VERIFY_RECOVER] = encode_bool(false);
    o->attributes[CKA_WRAP] = encode_bool(false);
    o->attributes[CKA_TRUSTED] = encode_bool(false);
    o->attributes[CKA_MODULUS_BITS] = encode_ulong(static_cast<CK_ULONG>(cert.key_bits()));
    return o;
}

ObjectPtr make_private_key(const jpki::Certificate& cert, jpki::KeyKind key, ByteView id,
                           std::string_view label, const ObjectOptions& options)
{
    auto o = std::make_shared<Object>();
    common_storage(*o, CKO_PRIVATE_KEY, label, true);
    common_key(*o, cert, id);
    o->key = key;
    o->attributes[CKA_SENSITIVE] = encode_bool(true);
    o->attributes[CKA_DECRYPT] = encode_bool(false);  // the card only signs (jpki-card.md §1.7)
    o->attributes[CKA_SIGN] = encode_bool(true);
    o->attributes[CKA_SIGN_RECOVER] = encode_bool(false);
    o->attributes[CKA_UNWRAP] = encode_bool(false);
    o->attributes[CKA_EXTRACTABLE] = encode_bool(false);
    o->attributes[CKA_ALWAYS_SENSITIVE] = encode_bool(true);
    o->attributes[CKA_NEVER_EXTRACTABLE] = encode_bool(true);
    o->attributes[CKA_WRAP_WITH_TRUSTED] = encode_bool(false);
    // The card does not demand a VERIFY per signature; like the official client and OpenSC's
    // user_consent we ask for one on the signing key unless configured off (jpki-card.md §1.7).
    o->attributes[CKA_ALWAYS_AUTHENTICATE] =
        encode_bool(key == jpki::KeyKind::Sign && options.sign_always_authenticate);
    for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                                CKA_EXPONENT_2, CKA_COEFFICIENT})
        o->sensitive.insert(t);
    return o;
}

CK_RV get_attribute_values(const Object& object, std::span<CK_ATTRIBUTE> attributes)
{
    // Every entry is processed; the call's result is the last error seen (the spec allows
    // any of several applicable errors to be returned, §5.7).
    CK_RV rv = CKR_OK;
    for (CK_ATTRIBUTE& a : attributes) {
        if (object.sensitive.count(a.type) != 0) {
            // Rule 1: sensitive or unextractable -> CK_UNAVAILABLE_INFORMATION.
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_SENSITIVE;
            continue;
        }
        const auto it = object.attributes.find(a.type);
        if (it == object.attributes.end()) {
            // Rule 2: not valid for this object.
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_ATTRIBUTE_TYPE_INVALID;
            continue;
        }
        const Bytes& value = it->second;
        if (a.pValue == nullptr) {
            // Rule 3: length query.
            a.ulValueLen = static_cast<CK_ULONG>(value.size());
        } else if (a.ulValueLen >= value.size()) {
            // Rule 4: copy.
            if (!value.empty()) std::memcpy(a.pValue, value.data(), value.size());
            a.ulValueLen = static_cast<CK_ULONG>(value.size());
        } else {
            // Rule 5: too small.
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            rv = CKR_BUFFER_TOO_SMALL;
        }
    }
    return rv;
}

bool matches(const Object& object, std::span<const TemplateEntry> search)
{
    for (const TemplateEntry& e : search) {
        const auto it = object.attributes.find(e.type);
        if (it == object.attributes.end() || it->second != e.value) return false;
    }
    return true;
}

std::size_t approximate_size(const Object& object)
{
    std::size_t n = 0;
    for (const auto& [type, value] : object.attributes) n += sizeof(CK_ATTRIBUTE) + value.size();
    return n;
}

}  // namespace mynacard::p11
