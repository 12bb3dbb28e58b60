// Test PKI generation (OpenSSL 3, in process). Shapes follow jpki-card.md §2: roots with
// C=JP, O=JPKI-TEST (never the production O=JPKI), two OUs, keyCertSign+cRLSign and CA:TRUE
// critical; the auth leaf has CN=<opaque id>, C=JP and no personal data; the sign leaf carries a
// locality in its subject and the holder's data in SubjectAltName otherName entries under
// 1.2.392.200149.8.5.5.x, each value a UTF8String in otherName's [0] EXPLICIT field.
#include "test_pki.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <array>
#include <utility>

#include "ossl_util.hpp"

namespace mynacard::vcard {
namespace {

using namespace ossl;

constexpr std::time_t kDay = 24 * 60 * 60;

std::string pem_of_key(EVP_PKEY* key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        fail("PEM_write_bio_PrivateKey");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

Bytes der_of_cert(X509* cert)
{
    int len = i2d_X509(cert, nullptr);
    if (len <= 0) fail("i2d_X509");
    Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    i2d_X509(cert, &p);
    return out;
}

PkeyPtr new_rsa_key(int bits)
{
    PkeyPtr key(EVP_RSA_gen(static_cast<unsigned>(bits)));
    if (!key) fail("EVP_RSA_gen");
    return key;
}

/// 23 characters from [0-9A-Z], like the opaque CN of a real JPKI leaf (jpki-card.md §2).
std::string opaque_id()
{
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::array<unsigned char, 23> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) fail("RAND_bytes");
    std::string id;
    for (unsigned char c : raw) id += kAlphabet[c % 36];
    return id;
}

/// A random positive 62-bit serial for a CA certificate. Two test PKIs made in the same second
/// carry the same CA names and validity, so with a fixed serial their CA certificates would
/// agree in their whole first READ BINARY chunk; real issuers never reuse (issuer, serial)
/// (RFC 5280 §4.1.2.2), and the card layer's cache check relies on that.
long random_ca_serial()
{
    std::array<unsigned char, 8> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) fail("RAND_bytes");
    unsigned long long v = 0;
    for (unsigned char c : raw) v = (v << 8) | c;
    return static_cast<long>((v >> 2) | 1);
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value)
{
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
        fail(std::string("X509_NAME_add_entry_by_txt ") + field);
}

X509NamePtr ca_name(const char* purpose)
{
    X509NamePtr name(X509_NAME_new());
    add_name_entry(name.get(), "C", "JP");
    add_name_entry(name.get(), "O", "JPKI-TEST");
    add_name_entry(name.get(), "OU", purpose);
    add_name_entry(name.get(), "OU", "Japan Agency for Local Authority Information Systems");
    return name;
}

/// Adds one extension written in openssl.cnf syntax; `issuer` is needed for the AKI.
void add_ext(X509* cert, X509* issuer, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) fail("X509V3_EXT_conf_nid " + value);
    const int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) fail("X509_add_ext");
}

struct CertSpec {
    long serial = 1;
    std::time_t not_before = 0;
    std::time_t not_after = 0;
    X509_NAME* subject = nullptr;
    EVP_PKEY* subject_key = nullptr;
    X509* issuer = nullptr;          ///< null = self-signed
    EVP_PKEY* issuer_key = nullptr;
};

X509Ptr new_cert(const CertSpec& spec)
{
    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1) fail("X509_new");
    if (ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), spec.serial) != 1) fail("serial");
    if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.not_before) ||
        !ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.not_after))
        fail("validity");
    if (X509_set_subject_name(cert.get(), spec.subject) != 1) fail("subject");
    X509_NAME* issuer_name = spec.issuer ? X509_get_subject_name(spec.issuer) : spec.subject;
    if (X509_set_issuer_name(cert.get(), issuer_name) != 1) fail("issuer");
    if (X509_set_pubkey(cert.get(), spec.subject_key) != 1) fail("pubkey");
    return cert;
}

void sign_cert(X509* cert, EVP_PKEY* key)
{
    if (X509_sign(cert, key, EVP_sha256()) <= 0) fail("X509_sign");
}

struct Ca {
    PkeyPtr key;
    X509Ptr cert;
};

Ca make_ca(const char* purpose, long serial, int bits, std::time_t now)
{
    Ca ca{new_rsa_key(bits), nullptr};
    X509NamePtr name = ca_name(purpose);
    ca.cert = new_cert({serial, now - kDay, now + 10 * 365 * kDay, name.get(), ca.key.get(),
                        nullptr, nullptr});
    add_ext(ca.cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(ca.cert.get(), ca.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(ca.cert.get(), ca.cert.get(), NID_subject_key_identifier, "hash");
    sign_cert(ca.cert.get(), ca.key.get());
    return ca;
}

/// SubjectAltName with the six JPKI otherName entries (jpki-card.md §2). OpenSSL's OTHERNAME
/// template encodes `value` as [0] EXPLICIT, so each entry is otherName{type-id, [0]{UTF8String}}.
void add_jpki_san(X509* cert, const PersonalData& person)
{
    const std::pair<const char*, const std::string*> entries[] = {
        {"1.2.392.200149.8.5.5.1", &person.name},
        {"1.2.392.200149.8.5.5.2", &person.name_substitute},
        {"1.2.392.200149.8.5.5.3", &person.sex},
        {"1.2.392.200149.8.5.5.4", &person.birth_date},
        {"1.2.392.200149.8.5.5.5", &person.address},
        {"1.2.392.200149.8.5.5.6", &person.address_substitute},
    };
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    if (!names) fail("sk_GENERAL_NAME_new_null");
    for (const auto& [oid, value] : entries) {
        ASN1_OBJECT* type_id = OBJ_txt2obj(oid, 1);
        ASN1_UTF8STRING* text = ASN1_UTF8STRING_new();
        ASN1_TYPE* any = ASN1_TYPE_new();
        GENERAL_NAME* gn = GENERAL_NAME_new();
        if (!type_id || !text || !any || !gn ||
            ASN1_STRING_set(text, value->data(), static_cast<int>(value->size())) != 1) {
            ASN1_OBJECT_free(type_id);
            ASN1_UTF8STRING_free(text);
            ASN1_TYPE_free(any);
            GENERAL_NAME_free(gn);
            GENERAL_NAMES_free(names);
            fail("otherName");
        }
        ASN1_TYPE_set(any, V_ASN1_UTF8STRING, text);  // takes `text`
        GENERAL_NAME_set0_othername(gn, type_id, any);  // takes both
        sk_GENERAL_NAME_push(names, gn);
    }
    const int ok = X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
    GENERAL_NAMES_free(names);
    if (ok != 1) fail("SubjectAltName");
}

void add_leaf_common(X509* cert, X509* issuer, const PkiOptions& options, const char* policy)
{
    add_ext(cert, issuer, NID_subject_key_identifier, "hash");
    add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always");
    // certificatePolicies built directly: the openssl.cnf syntax needs a config database.
    CERTIFICATEPOLICIES* policies = sk_POLICYINFO_new_null();
    POLICYINFO* info = POLICYINFO_new();
    if (!policies || !info || !(info->policyid = OBJ_txt2obj(policy, 1))) {
        POLICYINFO_free(info);
        CERTIFICATEPOLICIES_free(policies);
        fail("certificatePolicies");
    }
    sk_POLICYINFO_push(policies, info);
    const int ok = X509_add1_ext_i2d(cert, NID_certificate_policies, policies, 0, X509V3_ADD_DEFAULT);
    CERTIFICATEPOLICIES_free(policies);
    if (ok != 1) fail("certificatePolicies");
    if (options.ocsp_url) add_ext(cert, issuer, NID_info_access, "OCSP;URI:" + *options.ocsp_url);
}

}  // namespace

PersonalData person_with_long_address()
{
    PersonalData person;
    person.name = "長い住所　太郎";
    std::string address = "北海道札幌市中央区北一条西二丁目";
    // 40 x ~45 bytes of UTF-8: long enough to push the cert past 2 KB even with 1024-bit keys.
    for (int i = 0; i < 40; ++i) address += "長い住所試験用建物名称第" + std::to_string(i + 1) + "号棟";
    person.address = address;
    person.address_substitute = "＊";
    return person;
}

TestPki TestPki::generate(const PkiOptions& options)
{
    const std::time_t now = std::time(nullptr);
    const std::time_t leaf_from = options.leaf_not_before ? options.leaf_not_before : now - kDay;
    const std::time_t leaf_to = options.leaf_not_after ? options.leaf_not_after : now + 5 * 365 * kDay;

    Ca auth_ca = make_ca("JPKI for user authentication", random_ca_serial(), options.key_bits, now);
    Ca sign_ca = make_ca("JPKI for digital signature", random_ca_serial(), options.key_bits, now);

    PkeyPtr auth_key = new_rsa_key(options.key_bits);
    X509NamePtr auth_subject(X509_NAME_new());
    add_name_entry(auth_subject.get(), "C", "JP");
    add_name_entry(auth_subject.get(), "CN", opaque_id());
    X509Ptr auth = new_cert({options.auth_serial, leaf_from, leaf_to, auth_subject.get(),
                             auth_key.get(), auth_ca.cert.get(), auth_ca.key.get()});
    add_ext(auth.get(), auth_ca.cert.get(), NID_key_usage, "critical,digitalSignature");
    add_leaf_common(auth.get(), auth_ca.cert.get(), options, "1.2.392.200149.8.5.1.3.30");
    sign_cert(auth.get(), auth_ca.key.get());

    PkeyPtr sign_key = new_rsa_key(options.key_bits);
    X509NamePtr sign_subject(X509_NAME_new());
    add_name_entry(sign_subject.get(), "C", "JP");
    add_name_entry(sign_subject.get(), "L", "Tokyo-to");
    add_name_entry(sign_subject.get(), "L", "Chiyoda-ku");
    add_name_entry(sign_subject.get(), "CN", opaque_id());
    X509Ptr sign = new_cert({options.sign_serial, leaf_from, leaf_to, sign_subject.get(),
                             sign_key.get(), sign_ca.cert.get(), sign_ca.key.get()});
    add_ext(sign.get(), sign_ca.cert.get(), NID_key_usage,
            "critical,digitalSignature,nonRepudiation");
    add_leaf_common(sign.get(), sign_ca.cert.get(), options, "1.2.392.200149.8.5.1.1.20");
    add_jpki_san(sign.get(), options.person);
    sign_cert(sign.get(), sign_ca.key.get());

    TestPki pki;
    pki.auth_ca_der = der_of_cert(auth_ca.cert.get());
    pki.sign_ca_der = der_of_cert(sign_ca.cert.get());
    pki.auth_der = der_of_cert(auth.get());
    pki.sign_der = der_of_cert(sign.get());
    pki.auth_ca_key.private_key_pem = pem_of_key(auth_ca.key.get());
    pki.sign_ca_key.private_key_pem = pem_of_key(sign_ca.key.get());
    pki.auth_key.private_key_pem = pem_of_key(auth_key.get());
    pki.sign_key.private_key_pem = pem_of_key(sign_key.get());
    return pki;
}

}  // namespace mynacard::vcard

namespace mynacard::vcard {

std::optional<PersonalData> TestPki::sign_person() const
{
    ossl::X509Ptr cert = ossl::cert_from_der(sign_der);
    if (!cert) return std::nullopt;
    auto* names = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
    if (!names) return std::nullopt;
    PersonalData person;
    std::string* fields[] = {&person.name, &person.name_substitute, &person.sex,
                             &person.birth_date, &person.address, &person.address_substitute};
    for (std::string* f : fields) f->clear();
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != GEN_OTHERNAME) continue;
        char oid[64];
        OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1);
        const std::string prefix = "1.2.392.200149.8.5.5.";
        const std::string text = oid;
        const ASN1_TYPE* value = gn->d.otherName->value;
        if (text.rfind(prefix, 0) != 0 || text.size() != prefix.size() + 1 || !value ||
            value->type != V_ASN1_UTF8STRING)
            continue;
        const int index = text.back() - '1';
        if (index < 0 || index > 5) continue;
        const ASN1_STRING* s = value->value.utf8string;
        fields[index]->assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                              static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(names);
    return person;
}

}  // namespace mynacard::vcard
