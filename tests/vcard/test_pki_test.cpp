// The test PKI is shaped like JPKI's (jpki-card.md §2).
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "vcard_test_util.hpp"

using namespace vcard_test;

namespace {

struct X509Deleter { void operator()(X509* x) const { X509_free(x); } };
using CertPtr = std::unique_ptr<X509, X509Deleter>;

CertPtr parse(const Bytes& der)
{
    const unsigned char* p = der.data();
    CertPtr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    REQUIRE(cert);
    REQUIRE(p == der.data() + der.size());
    return cert;
}

std::string field(const X509_NAME* name, int nid, int nth = 0)
{
    int pos = -1;
    for (int i = 0; i <= nth; ++i) {
        pos = X509_NAME_get_index_by_NID(name, nid, pos);
        if (pos < 0) return {};
    }
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

bool signed_by(X509* cert, X509* issuer)
{
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    return X509_verify(cert, key) == 1;
}

}  // namespace

TEST_CASE("test PKI: roots are self-signed JPKI-TEST CAs with the JPKI profile")
{
    const TestPki& pki = test_pki();
    struct Root { const Bytes* der; const char* ou; };
    for (const Root& root : {Root{&pki.auth_ca_der, "JPKI for user authentication"},
                             Root{&pki.sign_ca_der, "JPKI for digital signature"}}) {
        CertPtr ca = parse(*root.der);
        const X509_NAME* subject = X509_get_subject_name(ca.get());
        CHECK(field(subject, NID_countryName) == "JP");
        CHECK(field(subject, NID_organizationName) == "JPKI-TEST");
        CHECK(field(subject, NID_organizationalUnitName, 0) == root.ou);
        CHECK(field(subject, NID_organizationalUnitName, 1) ==
              "Japan Agency for Local Authority Information Systems");
        CHECK(X509_NAME_cmp(subject, X509_get_issuer_name(ca.get())) == 0);
        CHECK(signed_by(ca.get(), ca.get()));
        CHECK(X509_check_ca(ca.get()) == 1);
        CHECK((X509_get_key_usage(ca.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) ==
              (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
        int crit = -1;
        auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(ca.get(), NID_basic_constraints, &crit, nullptr));
        REQUIRE(bc);
        CHECK(bc->ca);
        CHECK(crit == 1);
        BASIC_CONSTRAINTS_free(bc);
        auto* ku = static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(ca.get(), NID_key_usage, &crit, nullptr));
        REQUIRE(ku);
        CHECK(crit == 1);
        ASN1_BIT_STRING_free(ku);
        CHECK(X509_get0_subject_key_id(ca.get()) != nullptr);
        CHECK(X509_get_signature_nid(ca.get()) == NID_sha256WithRSAEncryption);
    }
    CHECK(pki.auth_ca_der != pki.sign_ca_der);
}

TEST_CASE("test PKI: auth leaf has an opaque CN, no personal data, digitalSignature only")
{
    const TestPki& pki = test_pki();
    CertPtr ca = parse(pki.auth_ca_der);
    CertPtr leaf = parse(pki.auth_der);
    CHECK(signed_by(leaf.get(), ca.get()));
    CHECK(X509_NAME_cmp(X509_get_issuer_name(leaf.get()), X509_get_subject_name(ca.get())) == 0);
    const X509_NAME* subject = X509_get_subject_name(leaf.get());
    CHECK(X509_NAME_entry_count(subject) == 2);
    CHECK(field(subject, NID_countryName) == "JP");
    CHECK(field(subject, NID_commonName).size() == 23);
    CHECK(field(subject, NID_localityName).empty());
    CHECK(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr) == nullptr);
    CHECK(X509_get_key_usage(leaf.get()) == KU_DIGITAL_SIGNATURE);
    CHECK(X509_get_signature_nid(leaf.get()) == NID_sha256WithRSAEncryption);
    CHECK(X509_get0_subject_key_id(leaf.get()) != nullptr);
    const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(leaf.get());
    REQUIRE(aki);
    CHECK(ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(ca.get())) == 0);
    CHECK(ASN1_INTEGER_get(X509_get0_serialNumber(leaf.get())) == 0x1001);
    CHECK(EVP_PKEY_get_bits(X509_get0_pubkey(leaf.get())) == 2048);
}

TEST_CASE("test PKI: sign leaf carries locality and the six JPKI otherNames as UTF8String")
{
    const TestPki& pki = test_pki();
    CertPtr ca = parse(pki.sign_ca_der);
    CertPtr leaf = parse(pki.sign_der);
    CHECK(signed_by(leaf.get(), ca.get()));
    const X509_NAME* subject = X509_get_subject_name(leaf.get());
    CHECK(!field(subject, NID_localityName).empty());
    int crit = -1;
    auto* ku = static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(leaf.get(), NID_key_usage, &crit, nullptr));
    REQUIRE(ku);
    CHECK(crit == 1);
    ASN1_BIT_STRING_free(ku);
    CHECK(X509_get_key_usage(leaf.get()) == (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));

    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr));
    REQUIRE(names);
    std::map<std::string, std::string> by_oid;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        REQUIRE(gn->type == GEN_OTHERNAME);
        char oid[64];
        OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1);
        REQUIRE(gn->d.otherName->value->type == V_ASN1_UTF8STRING);
        const ASN1_STRING* s = gn->d.otherName->value->value.utf8string;
        by_oid[oid] = std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(names);
    const PersonalData defaults;
    CHECK(by_oid.size() == 6);
    CHECK(by_oid["1.2.392.200149.8.5.5.1"] == defaults.name);
    CHECK(by_oid["1.2.392.200149.8.5.5.3"] == defaults.sex);
    CHECK(by_oid["1.2.392.200149.8.5.5.4"] == defaults.birth_date);
    CHECK(by_oid["1.2.392.200149.8.5.5.5"] == defaults.address);
    CHECK(by_oid.count("1.2.392.200149.8.5.5.2") == 1);
    CHECK(by_oid.count("1.2.392.200149.8.5.5.6") == 1);

    // sign_person() reads the same data back.
    auto person = pki.sign_person();
    REQUIRE(person);
    CHECK(person->name == defaults.name);
    CHECK(person->address == defaults.address);
}

TEST_CASE("test PKI: the otherName value is [0] EXPLICIT UTF8String in the DER")
{
    // otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }: after the OID
    // 06 0A 2A 83 08 8C 9B 55 08 05 05 01 comes A0 len 0C len <UTF-8 name>.
    const TestPki& pki = test_pki();
    const Bytes oid_name = {0x06, 0x0A, 0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x05, 0x01};
    auto it = std::search(pki.sign_der.begin(), pki.sign_der.end(), oid_name.begin(), oid_name.end());
    REQUIRE(it != pki.sign_der.end());
    it += static_cast<std::ptrdiff_t>(oid_name.size());
    CHECK(it[0] == 0xA0);
    CHECK(it[2] == 0x0C);
    const std::string name(PersonalData{}.name);
    CHECK(static_cast<std::size_t>(it[3]) == name.size());
}

TEST_CASE("test PKI: options (serials, validity, OCSP URL, long address) and save/load")
{
    PkiOptions options;
    options.key_bits = 1024;  // fast; shapes do not depend on the size
    options.auth_serial = 0x7777;
    options.sign_serial = 0x8888;
    options.leaf_not_before = 1700000000;
    options.leaf_not_after = 1900000000;
    options.ocsp_url = "http://127.0.0.1:8888/ocsp";
    options.person = person_with_long_address();
    const TestPki pki = TestPki::generate(options);
    CHECK(pki.sign_der.size() > 2048);
    CertPtr sign = parse(pki.sign_der);
    CertPtr auth = parse(pki.auth_der);
    CHECK(ASN1_INTEGER_get(X509_get0_serialNumber(auth.get())) == 0x7777);
    CHECK(ASN1_INTEGER_get(X509_get0_serialNumber(sign.get())) == 0x8888);
    CHECK(ASN1_TIME_cmp_time_t(X509_get0_notBefore(sign.get()), 1700000000) == 0);
    CHECK(ASN1_TIME_cmp_time_t(X509_get0_notAfter(auth.get()), 1900000000) == 0);
    for (X509* cert : {auth.get(), sign.get()}) {
        auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr));
        REQUIRE(aia);
        REQUIRE(sk_ACCESS_DESCRIPTION_num(aia) == 1);
        const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia, 0);
        CHECK(OBJ_obj2nid(ad->method) == NID_ad_OCSP);
        REQUIRE(ad->location->type == GEN_URI);
        const ASN1_STRING* uri = ad->location->d.uniformResourceIdentifier;
        CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri))) == *options.ocsp_url);
        AUTHORITY_INFO_ACCESS_free(aia);
    }
    CHECK(pki.sign_person()->address == options.person.address);

    const auto dir = std::filesystem::path(MYNACARD_BINARY_DIR) / "vcard-pki-roundtrip";
    std::filesystem::remove_all(dir);
    pki.save(dir);
    for (const char* f : {"auth_ca.pem", "auth_ca.der", "auth_ca.key.pem", "sign.pem", "sign.der",
                          "sign.key.pem", "auth.der", "sign_ca.der"})
        CHECK(std::filesystem::exists(dir / f));
    auto loaded = TestPki::load(dir);
    REQUIRE(loaded);
    CHECK(loaded->sign_der == pki.sign_der);
    CHECK(loaded->auth_ca_der == pki.auth_ca_der);
    CHECK(loaded->auth_key.private_key_pem == pki.auth_key.private_key_pem);
    std::filesystem::remove(dir / "sign.der");
    CHECK_FALSE(TestPki::load(dir));
    std::filesystem::remove_all(dir);
}

TEST_CASE("test PKI: shared_default is generated once per process")
{
    CHECK(&test_pki() == &TestPki::shared_default());
    CHECK(test_pki().auth_der == TestPki::shared_default().auth_der);
}
