#include "fixtures.hpp"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace revtest {
namespace {

namespace ossl = mynacard::revocation::ossl;

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error("fixture: " + what + ": " + ossl::drain_errors());
}

void check(int ok, const char* what)
{
    if (ok <= 0) fail(what);
}

/// "C=JP,O=X,OU=A,OU=B" -> X509_NAME (no escaping needed for test names).
X509_NAME* parse_dn(const std::string& text)
{
    X509_NAME* name = X509_NAME_new();
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        auto eq = part.find('=');
        std::string field = part.substr(0, eq);
        std::string value = part.substr(eq + 1);
        check(X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0),
              "name entry");
    }
    return name;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) fail("extension " + value);
    check(X509_add_ext(cert, ext, -1), "add ext");
    X509_EXTENSION_free(ext);
}

GENERAL_NAMES* dirname_names(const std::string& dn)
{
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    GENERAL_NAME* gn = GENERAL_NAME_new();
    gn->type = GEN_DIRNAME;
    gn->d.directoryName = parse_dn(dn);
    sk_GENERAL_NAME_push(names, gn);
    return names;
}

X509Ptr new_cert(X509_NAME* subject, const X509_NAME* issuer, long serial, std::time_t nb, std::time_t na, EVP_PKEY* key)
{
    X509Ptr cert(X509_new());
    check(X509_set_version(cert.get(), 2), "version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial), "serial");
    check(X509_set_subject_name(cert.get(), subject), "subject");
    check(X509_set_issuer_name(cert.get(), issuer), "issuer");
    check(ASN1_TIME_set(X509_getm_notBefore(cert.get()), nb) != nullptr, "notBefore");
    check(ASN1_TIME_set(X509_getm_notAfter(cert.get()), na) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key), "pubkey");
    return cert;
}

}  // namespace

std::time_t utc(int y, int mo, int d, int h, int mi, int s)
{
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return timegm(&tm);
}

EvpKeyPtr new_ec_key()
{
    EvpKeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("EC key");
    return key;
}

EvpKeyPtr new_rsa_key(int bits)
{
    EvpKeyPtr key(EVP_RSA_gen(static_cast<unsigned>(bits)));
    if (!key) fail("RSA key");
    return key;
}

Identity make_ca(const CaOptions& o)
{
    Identity id;
    id.key = o.rsa ? new_rsa_key() : new_ec_key();
    X509_NAME* name = parse_dn(o.dn);
    id.cert = new_cert(name, name, o.serial, o.not_before, o.not_after, id.key.get());
    X509_NAME_free(name);
    add_ext(id.cert.get(), id.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_ext(id.cert.get(), id.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(id.cert.get(), id.cert.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(id.cert.get(), id.key.get(), EVP_sha256()), "sign CA");
    return id;
}

Identity make_leaf(const Identity& ca, const LeafOptions& o)
{
    Identity id;
    id.key = new_ec_key();
    X509_NAME* name = parse_dn("C=JP,CN=" + o.cn);
    id.cert = new_cert(name, X509_get_subject_name(ca.x509()), o.serial, o.not_before, o.not_after, id.key.get());
    X509_NAME_free(name);
    X509* c = id.cert.get();
    add_ext(c, ca.x509(), NID_basic_constraints, "critical,CA:FALSE");
    add_ext(c, ca.x509(), NID_key_usage,
            o.ocsp_signing || o.tls_server ? "critical,digitalSignature" : "critical,digitalSignature,nonRepudiation");
    if (o.tls_server) {
        add_ext(c, ca.x509(), NID_ext_key_usage, "serverAuth");
        add_ext(c, ca.x509(), NID_subject_alt_name, "IP:127.0.0.1");
    }
    add_ext(c, ca.x509(), NID_subject_key_identifier, "hash");
    if (o.with_aki) add_ext(c, ca.x509(), NID_authority_key_identifier, "keyid:always");
    if (o.ocsp_signing) add_ext(c, ca.x509(), NID_ext_key_usage, "critical,OCSPSigning");
    if (!o.aia_ocsp.empty()) add_ext(c, ca.x509(), NID_info_access, "OCSP;URI:" + o.aia_ocsp);
    if (!o.crldp_dirname.empty()) {
        CRL_DIST_POINTS* dps = sk_DIST_POINT_new_null();
        DIST_POINT* dp = DIST_POINT_new();
        dp->distpoint = DIST_POINT_NAME_new();
        dp->distpoint->type = 0;
        dp->distpoint->name.fullname = dirname_names(o.crldp_dirname);
        sk_DIST_POINT_push(dps, dp);
        check(X509_add1_ext_i2d(c, NID_crl_distribution_points, dps, 0, X509V3_ADD_DEFAULT), "crldp");
        CRL_DIST_POINTS_free(dps);
    }
    check(X509_sign(c, ca.key.get(), EVP_sha256()), "sign leaf");
    return id;
}

Bytes make_crl(const Identity& ca, const CrlOptions& o)
{
    return make_crl(ca, ca, o);
}

Bytes make_crl(const Identity& issuer, const Identity& signer, const CrlOptions& o)
{
    ossl::X509CrlPtr crl(X509_CRL_new());
    check(X509_CRL_set_version(crl.get(), 1), "crl version");
    check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.x509())), "crl issuer");
    ASN1_TIME* t = ASN1_TIME_set(nullptr, o.this_update);
    check(X509_CRL_set1_lastUpdate(crl.get(), t), "lastUpdate");
    ASN1_TIME_free(t);
    if (o.next_update) {
        t = ASN1_TIME_set(nullptr, *o.next_update);
        check(X509_CRL_set1_nextUpdate(crl.get(), t), "nextUpdate");
        ASN1_TIME_free(t);
    }
    for (const Revoked& r : o.revoked) {
        X509_REVOKED* rev = X509_REVOKED_new();
        ASN1_INTEGER* serial = ASN1_INTEGER_new();
        ASN1_INTEGER_set(serial, r.serial);
        X509_REVOKED_set_serialNumber(rev, serial);
        ASN1_INTEGER_free(serial);
        t = ASN1_TIME_set(nullptr, r.when);
        X509_REVOKED_set_revocationDate(rev, t);
        ASN1_TIME_free(t);
        if (r.reason >= 0) {
            ASN1_ENUMERATED* reason = ASN1_ENUMERATED_new();
            ASN1_ENUMERATED_set(reason, r.reason);
            check(X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, 0), "reason");
            ASN1_ENUMERATED_free(reason);
            if (r.reason == 6) {
                // As `openssl ca -crl_hold holdInstructionReject` writes it (§3.9).
                ASN1_OBJECT* hold = OBJ_txt2obj("holdInstructionReject", 0);
                check(X509_REVOKED_add1_ext_i2d(rev, NID_hold_instruction_code, hold, 0, 0), "hold code");
                ASN1_OBJECT_free(hold);
            }
        }
        check(X509_CRL_add0_revoked(crl.get(), rev), "add revoked");
    }
    if (o.number) {
        ASN1_INTEGER* n = ASN1_INTEGER_new();
        ASN1_INTEGER_set(n, *o.number);
        check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, n, 0, 0), "crlNumber");
        ASN1_INTEGER_free(n);
    }
    // AKI names the signer's key, as a real issuer's CRL would (a forger copies the DN only).
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, signer.x509(), nullptr, nullptr, crl.get(), 0);
    X509_EXTENSION* aki = X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
    if (aki == nullptr) fail("crl aki");
    X509_CRL_add_ext(crl.get(), aki, -1);
    X509_EXTENSION_free(aki);
    if (!o.idp_dirname.empty()) {
        ISSUING_DIST_POINT* idp = ISSUING_DIST_POINT_new();
        idp->distpoint = DIST_POINT_NAME_new();
        idp->distpoint->type = 0;
        idp->distpoint->name.fullname = dirname_names(o.idp_dirname);
        check(X509_CRL_add1_ext_i2d(crl.get(), NID_issuing_distribution_point, idp, 1, 0), "idp");
        ISSUING_DIST_POINT_free(idp);
    }
    if (o.critical_unknown_ext) {
        ASN1_OBJECT* obj = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
        ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(data, reinterpret_cast<const unsigned char*>("\x05\x00"), 2);
        X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 1, data);
        X509_CRL_add_ext(crl.get(), ext, -1);
        X509_EXTENSION_free(ext);
        ASN1_OCTET_STRING_free(data);
        ASN1_OBJECT_free(obj);
    }
    check(X509_CRL_sort(crl.get()), "sort");
    check(X509_CRL_sign(crl.get(), signer.key.get(), EVP_sha256()), "sign crl");
    unsigned char* der = nullptr;
    int len = i2d_X509_CRL(crl.get(), &der);
    check(len, "encode crl");
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

std::string to_pem_crl(const Bytes& der)
{
    const unsigned char* p = der.data();
    ossl::X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509_CRL(bio.get(), crl.get());
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

Bytes make_ocsp_response(const Bytes& request_der, const Identity& ca, const Identity& signer, const OcspAnswer& a)
{
    const unsigned char* p = request_der.data();
    ossl::OcspRequestPtr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(request_der.size())));
    if (!req || OCSP_request_onereq_count(req.get()) < 1) fail("OCSP request");
    OCSP_CERTID* asked = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0));
    ossl::OcspCertIdPtr id(OCSP_CERTID_dup(asked));
    if (a.wrong_serial) {
        ASN1_INTEGER* serial = nullptr;
        OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial, id.get());
        ASN1_INTEGER_set(serial, 0x7777);
    }
    (void)ca;
    ossl::OcspBasicPtr bs(OCSP_BASICRESP_new());
    ASN1_TIME* thisupd = ASN1_TIME_set(nullptr, a.this_update);
    ASN1_TIME* nextupd = a.next_update ? ASN1_TIME_set(nullptr, *a.next_update) : nullptr;
    ASN1_TIME* revtime = ASN1_TIME_set(nullptr, a.this_update - kDay);
    OCSP_SINGLERESP* single = OCSP_basic_add1_status(bs.get(), id.get(), a.status, a.reason,
                                                     a.status == V_OCSP_CERTSTATUS_REVOKED ? revtime : nullptr,
                                                     thisupd, nextupd);
    ASN1_TIME_free(thisupd);
    ASN1_TIME_free(nextupd);
    ASN1_TIME_free(revtime);
    if (single == nullptr) fail("add status");
    switch (a.nonce) {
    case OcspAnswer::Nonce::Echo: check(OCSP_copy_nonce(bs.get(), req.get()), "copy nonce"); break;
    case OcspAnswer::Nonce::Wrong: check(OCSP_basic_add1_nonce(bs.get(), nullptr, 16), "wrong nonce"); break;
    case OcspAnswer::Nonce::None: break;
    }
    check(OCSP_basic_sign(bs.get(), signer.x509(), signer.key.get(), EVP_sha256(), nullptr,
                          a.include_signer_cert ? 0 : OCSP_NOCERTS),
          "sign OCSP");
    ossl::OcspResponsePtr resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs.get()));
    unsigned char* der = nullptr;
    int len = i2d_OCSP_RESPONSE(resp.get(), &der);
    check(len, "encode OCSP");
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

Bytes to_der(X509* cert)
{
    unsigned char* der = nullptr;
    int len = i2d_X509(cert, &der);
    check(len, "encode cert");
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

std::string to_pem(X509* cert)
{
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string key_pem(EVP_PKEY* key)
{
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

void write_file(const std::filesystem::path& path, const std::string& data, int mode)
{
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << data;
        if (!out) throw std::runtime_error("cannot write " + path.string());
    }
    ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

void write_file(const std::filesystem::path& path, const Bytes& data, int mode)
{
    write_file(path, std::string(data.begin(), data.end()), mode);
}

TempDir::TempDir()
{
    std::string tmpl = (std::filesystem::temp_directory_path() / "mynacard-rev.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    m_path = tmpl;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

}  // namespace revtest
