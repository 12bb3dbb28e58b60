// COMPUTE DIGITAL SIGNATURE 80 2A 00 80 (jpki-card.md §1.7): PKCS#1 v1.5 type-1 padding of the
// DigestInfo the caller sends, with the key of the selected key EF, after the matching PIN.
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "vcard_test_util.hpp"

using namespace vcard_test;

namespace {

Bytes sha256_digest_info(const std::string& message)
{
    Bytes di = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    unsigned char hash[32];
    SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), hash);
    di.insert(di.end(), hash, hash + 32);
    return di;
}

/// Undoes the RSA operation with the certificate's public key and strips PKCS#1 type-1 padding.
Bytes recover(const Bytes& cert_der, const Bytes& signature)
{
    const unsigned char* p = cert_der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
    REQUIRE(cert);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(cert), nullptr);
    REQUIRE(ctx);
    REQUIRE(EVP_PKEY_verify_recover_init(ctx) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1);
    Bytes out(512);
    std::size_t len = out.size();
    const int ok = EVP_PKEY_verify_recover(ctx, out.data(), &len, signature.data(), signature.size());
    EVP_PKEY_CTX_free(ctx);
    X509_free(cert);
    REQUIRE(ok == 1);
    out.resize(len);
    return out;
}

}  // namespace

TEST_CASE("vcard: auth key signs a DigestInfo after the auth PIN - signature verifies with the cert")
{
    CardRig rig;
    const Bytes di = sha256_digest_info("challenge");
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    CHECK(rig.sw(Command::jpki_compute_signature(di)) == 0x6982);  // not verified
    CHECK(rig.card->stats().signatures == 0);

    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    Response r = rig.send(Command::jpki_compute_signature(di));
    REQUIRE(r.sw.value == 0x9000);
    CHECK(r.data.size() == 256);
    CHECK(recover(test_pki().auth_der, r.data) == di);
    // One VERIFY, many signatures (jpki-card.md §1.7).
    Response again = rig.send(Command::jpki_compute_signature(sha256_digest_info("second")));
    CHECK(again.sw.value == 0x9000);
    CHECK(rig.card->stats().signatures == 2);
    // PKCS#1 v1.5 is deterministic.
    CHECK(rig.send(Command::jpki_compute_signature(di)).data == r.data);
}

TEST_CASE("vcard: sign key needs the sign password, not the auth PIN")
{
    CardRig rig;
    const Bytes di = sha256_digest_info("document");
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x001A) == 0x9000);
    CHECK(rig.sw(Command::jpki_compute_signature(di)) == 0x6982);
    REQUIRE(rig.login(kJpkiAid, 0x001B, "ABC123") == 0x9000);
    REQUIRE(rig.select_ef(0x001A) == 0x9000);
    Response r = rig.send(Command::jpki_compute_signature(di));
    REQUIRE(r.sw.value == 0x9000);
    CHECK(recover(test_pki().sign_der, r.data) == di);
}

TEST_CASE("vcard: signature input limits: 1..245 bytes - longer is 6700 (or 6985)")
{
    CardRig rig;
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    const Bytes max_input(245, 0x5A);
    Response ok = rig.send(Command::jpki_compute_signature(max_input));
    CHECK(ok.sw.value == 0x9000);
    CHECK(recover(test_pki().auth_der, ok.data) == max_input);
    CHECK(rig.sw(Command::jpki_compute_signature(Bytes(246, 0x5A))) == 0x6700);
    // Raw bytes (the DigestInfo is not checked: any hash, any bytes).
    CHECK(rig.sw(Command::jpki_compute_signature(Bytes{0x01})) == 0x9000);

    CardOptions options;
    options.wrong_length_sw_6985 = true;
    CardRig other(options);
    REQUIRE(other.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(other.select_ef(0x0017) == 0x9000);
    CHECK(other.sw(Command::jpki_compute_signature(Bytes(246, 0x5A))) == 0x6985);
}

TEST_CASE("vcard: signature P1/P2: unknown P1 6A86, P2 97/9A name the key, no key EF 6985")
{
    CardRig rig;
    const Bytes di = sha256_digest_info("x");
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    // Current EF is the PIN IEF, not a key.
    CHECK(rig.sw(Command(0x80, 0x2A, 0x00, 0x80, SecureBytes(di.begin(), di.end()), 256)) == 0x6985);
    CHECK(rig.sw(Command(0x80, 0x2A, 0x04, 0x80, SecureBytes(di.begin(), di.end()), 256)) == 0x6A86);
    CHECK(rig.sw(Command(0x80, 0x2A, 0x00, 0x81, SecureBytes(di.begin(), di.end()), 256)) == 0x6A86);
    Response by_sfi = rig.send(Command(0x80, 0x2A, 0x00, 0x97, SecureBytes(di.begin(), di.end()), 256));
    CHECK(by_sfi.sw.value == 0x9000);
    CHECK(recover(test_pki().auth_der, by_sfi.data) == di);
    CHECK(rig.sw(Command(0x80, 0x2A, 0x00, 0x9A, SecureBytes(di.begin(), di.end()), 256)) == 0x6982);
    // Outside the JPKI AP there is no signing key.
    REQUIRE(rig.select_aid(kKenhojoAid) == 0x9000);
    CHECK(rig.sw(Command(0x80, 0x2A, 0x00, 0x97, SecureBytes(di.begin(), di.end()), 256)) == 0x6985);
}

TEST_CASE("vcard: signing after power off needs a new VERIFY")
{
    CardRig rig;
    const Bytes di = sha256_digest_info("y");
    REQUIRE(rig.login(kJpkiAid, 0x0018, "1234") == 0x9000);
    REQUIRE(rig.transport.reset(mynacard::apdu::Disposition::Unpower));
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(0x0017) == 0x9000);
    CHECK(rig.sw(Command::jpki_compute_signature(di)) == 0x6982);
}
