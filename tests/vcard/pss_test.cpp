// COMPUTE DIGITAL SIGNATURE schemes by P1 (jpki-card.md §1.7 table, [1]): switch `pss` of the
// virtual card. Without it every P1 other than 00 answers 6A86; with it 01..05 work as the
// table says, a scheme the card knows answers 6982 before the PIN and one it does not 6A86.
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>

#include "vcard_test_util.hpp"

using namespace vcard_test;

namespace {

constexpr std::uint16_t kAuthKey = 0x0017, kAuthPin = 0x0018, kSignKey = 0x001A, kSignPin = 0x001B;

Bytes sha256(const Bytes& data)
{
    Bytes out(32);
    SHA256(data.data(), data.size(), out.data());
    return out;
}

Bytes digest_info(const Bytes& hash)
{
    static constexpr std::array<std::uint8_t, 19> kPrefix{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                          0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                          0x01, 0x05, 0x00, 0x04, 0x20};
    // Sized once and copied into: g++ 12 -O2 reports a false overflow for vector::insert here.
    Bytes di(kPrefix.size() + hash.size());
    std::copy(kPrefix.begin(), kPrefix.end(), di.begin());
    std::copy(hash.begin(), hash.end(), di.begin() + static_cast<std::ptrdiff_t>(kPrefix.size()));
    return di;
}

Command sign_command(std::uint8_t p1, const Bytes& data)
{
    return Command(0x80, 0x2A, p1, 0x80, SecureBytes(data.begin(), data.end()), 256);
}

struct PublicKey {
    EVP_PKEY* key = nullptr;
    explicit PublicKey(const Bytes& cert_der)
    {
        const unsigned char* p = cert_der.data();
        X509* cert = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
        REQUIRE(cert);
        key = X509_get_pubkey(cert);
        X509_free(cert);
        REQUIRE(key);
    }
    ~PublicKey() { EVP_PKEY_free(key); }
    PublicKey(const PublicKey&) = delete;
    PublicKey& operator=(const PublicKey&) = delete;

    /// The PKCS#1 v1.5 type-1 payload of `signature`.
    Bytes recover(const Bytes& signature) const
    {
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
        REQUIRE(ctx);
        REQUIRE(EVP_PKEY_verify_recover_init(ctx) == 1);
        REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1);
        Bytes out(512);
        std::size_t len = out.size();
        const int ok = EVP_PKEY_verify_recover(ctx, out.data(), &len, signature.data(), signature.size());
        EVP_PKEY_CTX_free(ctx);
        if (ok != 1) return {};
        out.resize(len);
        return out;
    }

    /// RSASSA-PSS verification over a SHA-256 hash with MGF1-SHA-256 and exactly `salt` bytes.
    bool pss_valid(const Bytes& hash, const Bytes& signature, int salt) const
    {
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
        REQUIRE(ctx);
        REQUIRE(EVP_PKEY_verify_init(ctx) == 1);
        REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1);
        REQUIRE(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1);
        REQUIRE(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1);
        REQUIRE(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt) == 1);
        const int ok = EVP_PKEY_verify(ctx, signature.data(), signature.size(), hash.data(), hash.size());
        EVP_PKEY_CTX_free(ctx);
        return ok == 1;
    }
};

CardOptions with_pss()
{
    CardOptions o;
    o.pss = true;
    return o;
}

/// Selects the JPKI AP and the key EF without verifying anything.
void select_key(CardRig& rig, std::uint16_t key)
{
    REQUIRE(rig.select_aid(kJpkiAid) == 0x9000);
    REQUIRE(rig.select_ef(key) == 0x9000);
}

void login_and_select(CardRig& rig, std::uint16_t pin, const std::string& value, std::uint16_t key)
{
    REQUIRE(rig.login(kJpkiAid, pin, value) == 0x9000);
    REQUIRE(rig.select_ef(key) == 0x9000);
}

const Bytes kMessage = {'T', 'L', 'S', ' ', '1', '.', '3', ' ', 'C', 'e', 'r', 't', 'V', 'e', 'r', 'i', 'f', 'y'};

}  // namespace

TEST_CASE("vcard pss off (default): every P1 other than 00 answers 6A86, before and after the PIN")
{
    ::unsetenv("MYNACARD_VCARD_SWITCHES");
    CardRig rig;
    CHECK_FALSE(rig.card->options().pss);
    const Bytes hash = sha256(kMessage);
    select_key(rig, kAuthKey);
    for (std::uint8_t p1 : {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xFF})
        CHECK(rig.sw(sign_command(p1, hash)) == 0x6A86);
    CHECK(rig.sw(sign_command(0x00, digest_info(hash))) == 0x6982);
    login_and_select(rig, kAuthPin, "1234", kAuthKey);
    for (std::uint8_t p1 : {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xFF})
        CHECK(rig.sw(sign_command(p1, hash)) == 0x6A86);
    CHECK(rig.card->stats().signatures == 0);
    CHECK(rig.sw(sign_command(0x00, digest_info(hash))) == 0x9000);
}

TEST_CASE("vcard pss on: schemes 00..05 answer 6982 before the PIN, unknown P1 6A86 either way")
{
    CardRig rig(with_pss());
    const Bytes hash = sha256(kMessage);
    for (std::uint16_t key : {kAuthKey, kSignKey}) {
        select_key(rig, key);
        CHECK(rig.sw(sign_command(0x00, digest_info(hash))) == 0x6982);
        for (std::uint8_t p1 : {0x01, 0x02, 0x03, 0x04, 0x05}) CHECK(rig.sw(sign_command(p1, hash)) == 0x6982);
        for (std::uint8_t p1 : {0x06, 0x10, 0x80, 0xFF}) CHECK(rig.sw(sign_command(p1, hash)) == 0x6A86);
    }
    login_and_select(rig, kAuthPin, "1234", kAuthKey);
    for (std::uint8_t p1 : {0x06, 0x10, 0x80, 0xFF}) CHECK(rig.sw(sign_command(p1, hash)) == 0x6A86);
    // The auth PIN does not unlock the sign key whatever the scheme.
    REQUIRE(rig.select_ef(kSignKey) == 0x9000);
    CHECK(rig.sw(sign_command(0x04, hash)) == 0x6982);
    CHECK(rig.card->stats().signatures == 0);
}

TEST_CASE("vcard pss on: P1 01 and 03 hash the message on the card, 02 wraps a 32-byte hash")
{
    CardRig rig(with_pss());
    const PublicKey pub(test_pki().auth_der);
    const Bytes hash = sha256(kMessage);
    login_and_select(rig, kAuthPin, "1234", kAuthKey);

    Response bare = rig.send(sign_command(0x01, kMessage));
    REQUIRE(bare.sw.value == 0x9000);
    CHECK(bare.data.size() == 256);
    CHECK(pub.recover(bare.data) == hash);  // the bare hash, no DigestInfo

    Response wrapped = rig.send(sign_command(0x02, hash));
    REQUIRE(wrapped.sw.value == 0x9000);
    CHECK(pub.recover(wrapped.data) == digest_info(hash));

    Response hashed = rig.send(sign_command(0x03, kMessage));
    REQUIRE(hashed.sw.value == 0x9000);
    CHECK(pub.recover(hashed.data) == digest_info(hash));
    // 02 over the hash and 03 over the message are the same PKCS#1 v1.5 signature, and the
    // same as 00 over the DigestInfo the host builds.
    CHECK(hashed.data == wrapped.data);
    CHECK(rig.send(sign_command(0x00, digest_info(hash))).data == wrapped.data);
    CHECK(rig.card->stats().signatures == 4);
}

TEST_CASE("vcard pss on: P1 04 signs a 32-byte SHA-256 with RSASSA-PSS (MGF1-SHA-256, salt 32)")
{
    CardRig rig(with_pss());
    const Bytes hash = sha256(kMessage);
    for (auto [pin, value, key, der] : {std::tuple{kAuthPin, "1234", kAuthKey, test_pki().auth_der},
                                        std::tuple{kSignPin, "ABC123", kSignKey, test_pki().sign_der}}) {
        const PublicKey pub(der);
        login_and_select(rig, pin, value, key);
        Response first = rig.send(sign_command(0x04, hash));
        REQUIRE(first.sw.value == 0x9000);
        CHECK(first.data.size() == 256);
        CHECK(pub.pss_valid(hash, first.data, 32));
        CHECK_FALSE(pub.pss_valid(hash, first.data, 20));  // the salt is 32 bytes, not another length
        CHECK(pub.recover(first.data).empty());              // not PKCS#1 v1.5
        Response second = rig.send(sign_command(0x04, hash));
        REQUIRE(second.sw.value == 0x9000);
        CHECK(pub.pss_valid(hash, second.data, 32));
        CHECK(second.data != first.data);  // random salt
        CHECK_FALSE(pub.pss_valid(sha256(Bytes{'x'}), first.data, 32));
    }
}

TEST_CASE("vcard pss on: P1 05 hashes the message on the card, then RSASSA-PSS")
{
    CardRig rig(with_pss());
    const PublicKey pub(test_pki().auth_der);
    login_and_select(rig, kAuthPin, "1234", kAuthKey);
    Response r = rig.send(sign_command(0x05, kMessage));
    REQUIRE(r.sw.value == 0x9000);
    CHECK(pub.pss_valid(sha256(kMessage), r.data, 32));
    // A message longer than a DigestInfo and than k-11 bytes (extended Lc).
    const Bytes long_message(1000, 0x5A);
    Response big = rig.send(sign_command(0x05, long_message));
    REQUIRE(big.sw.value == 0x9000);
    CHECK(pub.pss_valid(sha256(long_message), big.data, 32));
    Response big_bare = rig.send(sign_command(0x01, long_message));
    REQUIRE(big_bare.sw.value == 0x9000);
    CHECK(pub.recover(big_bare.data) == sha256(long_message));
}

TEST_CASE("vcard pss on: 02 and 04 take exactly 32 bytes (6700, or 6985 with wrong_length_sw_6985)")
{
    for (bool sw_6985 : {false, true}) {
        CardOptions options = with_pss();
        options.wrong_length_sw_6985 = sw_6985;
        CardRig rig(options);
        const std::uint16_t expected = sw_6985 ? 0x6985 : 0x6700;
        login_and_select(rig, kAuthPin, "1234", kAuthKey);
        for (std::uint8_t p1 : {0x02, 0x04}) {
            CHECK(rig.sw(sign_command(p1, Bytes(31, 1))) == expected);
            CHECK(rig.sw(sign_command(p1, Bytes(33, 1))) == expected);
            CHECK(rig.sw(sign_command(p1, digest_info(Bytes(32, 1)))) == expected);  // 51 bytes
        }
        // P1 00 still refuses more than k - 11 bytes.
        CHECK(rig.sw(sign_command(0x00, Bytes(246, 1))) == expected);
        CHECK(rig.card->stats().signatures == 0);
    }
}

TEST_CASE("vcard switches: MYNACARD_VCARD_SWITCHES=pss turns the switch on for every card made")
{
    ::setenv("MYNACARD_VCARD_SWITCHES", "pss", 1);
    {
        CardRig rig;  // no option given: the environment applies on top of the defaults
        CHECK(rig.card->options().pss);
        const Bytes hash = sha256(kMessage);
        login_and_select(rig, kAuthPin, "1234", kAuthKey);
        Response r = rig.send(sign_command(0x04, hash));
        REQUIRE(r.sw.value == 0x9000);
        CHECK(PublicKey(test_pki().auth_der).pss_valid(hash, r.data, 32));
    }
    ::setenv("MYNACARD_VCARD_SWITCHES", ",pss,", 1);  // empty names are ignored
    CHECK(CardRig().card->options().pss);
    ::setenv("MYNACARD_VCARD_SWITCHES", "pss,no-such-switch", 1);
    CHECK_THROWS_AS(VirtualJpkiCard(test_pki(), CardOptions{}), std::invalid_argument);
    ::unsetenv("MYNACARD_VCARD_SWITCHES");
    CHECK_FALSE(CardRig().card->options().pss);
    CardOptions named;
    CHECK_NOTHROW(apply_switch(named, "pss"));
    CHECK(named.pss);
    CHECK_THROWS_AS(apply_switch(named, "PSS"), std::invalid_argument);  // names are exact
}
