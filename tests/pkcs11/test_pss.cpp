// RSA-PSS through the module (issue 9 §3): offered only when the card's PIN-less probe showed
// COMPUTE DIGITAL SIGNATURE P1=04 (virtual-card switch `pss`, jpki-card.md §1.7 table), with
// SHA-256 / MGF1-SHA-256 / 32-byte salt only; every signature checked with OpenSSL here.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::CardOptions;
using mynacard::vcard::VpcdCard;

namespace {

CardOptions pss_card(bool on)
{
    // The CI matrix may set MYNACARD_VCARD_SWITCHES=pss for every card: these tests say for
    // themselves whether the card has it (the other switches of the run stay).
    if (const char* env = std::getenv("MYNACARD_VCARD_SWITCHES"); env != nullptr && !on) {
        std::string kept, all(env);
        std::size_t start = 0;
        while (start <= all.size()) {
            const std::size_t comma = std::min(all.find(',', start), all.size());
            const std::string name = all.substr(start, comma - start);
            if (!name.empty() && name != "pss") kept += (kept.empty() ? "" : ",") + name;
            start = comma + 1;
        }
        ::setenv("MYNACARD_VCARD_SWITCHES", kept.c_str(), 1);
    }
    CardOptions o;
    o.pss = on;
    return o;
}

std::vector<CK_MECHANISM_TYPE> mechanism_list(CK_SLOT_ID slot)
{
    CK_ULONG n = 0;
    REQUIRE_RV(fl()->C_GetMechanismList(slot, nullptr, &n), CKR_OK);
    std::vector<CK_MECHANISM_TYPE> list(n);
    REQUIRE_RV(fl()->C_GetMechanismList(slot, list.data(), &n), CKR_OK);
    list.resize(n);
    return list;
}

bool contains(const std::vector<CK_MECHANISM_TYPE>& list, CK_MECHANISM_TYPE m)
{
    return std::find(list.begin(), list.end(), m) != list.end();
}

std::vector<CK_MECHANISM_TYPE> allowed(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
    const Bytes raw = attribute(h, key, CKA_ALLOWED_MECHANISMS);
    std::vector<CK_MECHANISM_TYPE> out(raw.size() / sizeof(CK_MECHANISM_TYPE));
    std::memcpy(out.data(), raw.data(), out.size() * sizeof(CK_MECHANISM_TYPE));
    return out;
}

CK_RSA_PKCS_PSS_PARAMS good_params() { return {CKM_SHA256, CKG_MGF1_SHA256, 32}; }

CK_RV sign_init_pss(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key,
                    CK_RSA_PKCS_PSS_PARAMS params = good_params(), CK_ULONG len = sizeof(CK_RSA_PKCS_PSS_PARAMS))
{
    CK_MECHANISM m{type, &params, len};
    return fl()->C_SignInit(h, &m, key);
}

Bytes sign_pss(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key, Bytes data)
{
    REQUIRE_RV(sign_init_pss(h, type, key), CKR_OK);
    Bytes sig(512);
    CK_ULONG n = sig.size();
    REQUIRE_RV(fl()->C_Sign(h, data.data(), data.size(), sig.data(), &n), CKR_OK);
    sig.resize(n);
    return sig;
}

/// OpenSSL RSASSA-PSS check over SHA-256 of `message` (or `message` is the hash with
/// `is_hash`), MGF1-SHA-256, exactly a 32-byte salt.
bool pss_verifies(const Bytes& cert_der, const Bytes& message, const Bytes& sig, bool is_hash = false)
{
    const unsigned char* p = cert_der.data();
    std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())), X509_free);
    if (!cert) return false;
    const Bytes h = is_hash ? message : sha("SHA256", message);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert.get()), nullptr),
                                                                   EVP_PKEY_CTX_free);
    return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
           EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) == 1 &&
           EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), h.data(), h.size()) == 1;
}

}  // namespace

TEST_CASE("pss: a card without P1=04 lists nothing PSS and refuses the mechanisms")
{
    Env env;
    VpcdCard card(pss_card(false));
    Init init;
    for (bool sign_token : {false, true}) {
        const CK_SLOT_ID slot = slot_for(card.reader(), sign_token);
        const auto list = mechanism_list(slot);
        CHECK(contains(list, CKM_SHA256_RSA_PKCS));
        CHECK_FALSE(contains(list, CKM_RSA_PKCS_PSS));
        CHECK_FALSE(contains(list, CKM_SHA256_RSA_PKCS_PSS));
        CK_MECHANISM_INFO info{};
        CHECK_RV(fl()->C_GetMechanismInfo(slot, CKM_RSA_PKCS_PSS, &info), CKR_MECHANISM_INVALID);
        CHECK_RV(fl()->C_GetMechanismInfo(slot, CKM_SHA256_RSA_PKCS_PSS, &info), CKR_MECHANISM_INVALID);
    }
    const auto [h, key] = logged_in_key(card.reader(), false);
    CHECK_FALSE(contains(allowed(h, key), CKM_RSA_PKCS_PSS));
    CHECK(contains(allowed(h, key), CKM_SHA256_RSA_PKCS));
    const auto commands = card.card().stats().sign_commands;
    CHECK_RV(sign_init_pss(h, CKM_SHA256_RSA_PKCS_PSS, key), CKR_MECHANISM_INVALID);
    CHECK_RV(sign_init_pss(h, CKM_RSA_PKCS_PSS, key), CKR_MECHANISM_INVALID);
    const CK_OBJECT_HANDLE pub = find_one(h, CKO_PUBLIC_KEY, "JPKI Auth");
    CK_RSA_PKCS_PSS_PARAMS params = good_params();
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params};
    CHECK_RV(fl()->C_VerifyInit(h, &m, pub), CKR_MECHANISM_INVALID);
    CHECK(card.card().stats().sign_commands == commands);
    // The probe ran once, at binding, and PKCS#1 v1.5 signs as before.
    CHECK(commands == 1);
    CHECK(sign(h, CKM_SHA256_RSA_PKCS, key, bytes("tls 1.2")).size() == 256);
}

TEST_CASE("pss: a card with P1=04 lists both mechanisms, probed without a PIN")
{
    Env env;
    VpcdCard card(pss_card(true));
    Init init;
    for (bool sign_token : {false, true}) {
        const CK_SLOT_ID slot = slot_for(card.reader(), sign_token);
        const auto list = mechanism_list(slot);
        CHECK(contains(list, CKM_RSA_PKCS_PSS));
        CHECK(contains(list, CKM_SHA256_RSA_PKCS_PSS));
        CHECK_FALSE(contains(list, CKM_SHA384_RSA_PKCS_PSS));
        for (CK_MECHANISM_TYPE type : {CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS}) {
            CK_MECHANISM_INFO info{};
            REQUIRE_RV(fl()->C_GetMechanismInfo(slot, type, &info), CKR_OK);
            CHECK(info.ulMinKeySize == 2048);
            CHECK(info.ulMaxKeySize == 2048);
            CHECK((info.flags & (CKF_SIGN | CKF_VERIFY | CKF_HW)) == (CKF_SIGN | CKF_VERIFY | CKF_HW));
        }
    }
    const auto stats = card.card().stats();
    CHECK(stats.sign_commands == 1);  // one probe for the card, both tokens
    CHECK(stats.verify_with_data == 0);
    CHECK(stats.signatures == 0);
    const auto [h, key] = logged_in_key(card.reader(), false);
    const CK_OBJECT_HANDLE pub = find_one(h, CKO_PUBLIC_KEY, "JPKI Auth");
    for (CK_OBJECT_HANDLE o : {key, pub}) {
        CHECK(contains(allowed(h, o), CKM_RSA_PKCS_PSS));
        CHECK(contains(allowed(h, o), CKM_SHA256_RSA_PKCS_PSS));
        CHECK(contains(allowed(h, o), CKM_SHA256_RSA_PKCS));
    }
}

TEST_CASE("pss: CKM_SHA256_RSA_PKCS_PSS and CKM_RSA_PKCS_PSS sign; OpenSSL verifies with salt 32")
{
    Env env;
    VpcdCard card(pss_card(true));
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    const Bytes cert = attribute(h, find_one(h, CKO_CERTIFICATE, "JPKI Auth"), CKA_VALUE);
    const Bytes message = bytes("TLS 1.3, client CertificateVerify");

    SECTION("hash and sign, single part")
    {
        const Bytes sig = sign_pss(h, CKM_SHA256_RSA_PKCS_PSS, key, message);
        CHECK(sig.size() == 256);
        CHECK(pss_verifies(cert, message, sig));
        CHECK_FALSE(pss_verifies(cert, bytes("something else"), sig));
        CHECK_FALSE(openssl_verify(cert, "SHA256", message, sig));  // not PKCS#1 v1.5
        // Switch sign-consumes: one signature per login (p11_harness.hpp).
        login_again_if_used_up(card.card(), h, key, "1234");
        // Random salt: two signatures of one message differ, both verify.
        const Bytes again = sign_pss(h, CKM_SHA256_RSA_PKCS_PSS, key, message);
        CHECK(again != sig);
        CHECK(pss_verifies(cert, message, again));
    }
    SECTION("hash and sign, multi-part: the card never sees the message")
    {
        REQUIRE_RV(sign_init_pss(h, CKM_SHA256_RSA_PKCS_PSS, key), CKR_OK);
        Bytes part1(message.begin(), message.begin() + 5), part2(message.begin() + 5, message.end());
        REQUIRE_RV(fl()->C_SignUpdate(h, part1.data(), part1.size()), CKR_OK);
        REQUIRE_RV(fl()->C_SignUpdate(h, part2.data(), part2.size()), CKR_OK);
        CK_ULONG n = 0;
        REQUIRE_RV(fl()->C_SignFinal(h, nullptr, &n), CKR_OK);  // size query: the operation stays
        CHECK(n == 256);
        Bytes sig(n);
        REQUIRE_RV(fl()->C_SignFinal(h, sig.data(), &n), CKR_OK);
        CHECK(pss_verifies(cert, message, sig));
    }
    SECTION("CKM_RSA_PKCS_PSS over a 32-byte SHA-256")
    {
        const Bytes hash = sha("SHA256", message);
        const Bytes sig = sign_pss(h, CKM_RSA_PKCS_PSS, key, hash);
        CHECK(pss_verifies(cert, hash, sig, true));
        // Anything but 32 bytes: CKR_DATA_LEN_RANGE, nothing reaches the card.
        const auto sigs = card.card().stats().signatures;
        for (std::size_t len : {31u, 33u, 51u}) {
            REQUIRE_RV(sign_init_pss(h, CKM_RSA_PKCS_PSS, key), CKR_OK);
            Bytes out;
            CHECK_RV(sign_begun(h, Bytes(len, 1), out), CKR_DATA_LEN_RANGE);
        }
        CHECK(card.card().stats().signatures == sigs);
    }
    SECTION("C_Verify in software, PSS")
    {
        const CK_OBJECT_HANDLE pub = find_one(h, CKO_PUBLIC_KEY, "JPKI Auth");
        Bytes sig = sign_pss(h, CKM_SHA256_RSA_PKCS_PSS, key, message);
        CK_RSA_PKCS_PSS_PARAMS params = good_params();
        CK_MECHANISM m{CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params};
        Bytes msg = message;
        REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, msg.data(), msg.size(), sig.data(), sig.size()), CKR_OK);
        sig[100] ^= 1;
        REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, msg.data(), msg.size(), sig.data(), sig.size()), CKR_SIGNATURE_INVALID);
        sig[100] ^= 1;
        Bytes hash = sha("SHA256", message);
        CK_MECHANISM raw{CKM_RSA_PKCS_PSS, &params, sizeof params};
        REQUIRE_RV(fl()->C_VerifyInit(h, &raw, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, hash.data(), hash.size(), sig.data(), sig.size()), CKR_OK);
        // A PSS signature is no PKCS#1 v1.5 signature.
        CK_MECHANISM pkcs1{CKM_SHA256_RSA_PKCS, nullptr, 0};
        REQUIRE_RV(fl()->C_VerifyInit(h, &pkcs1, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, msg.data(), msg.size(), sig.data(), sig.size()), CKR_SIGNATURE_INVALID);
    }
    SECTION("the sign key signs PSS too (sign token)")
    {
        const auto [hs, skey] = logged_in_key(card.reader(), true);
        const Bytes scert = attribute(hs, find_one(hs, CKO_CERTIFICATE, "JPKI Sign"), CKA_VALUE);
        REQUIRE_RV(sign_init_pss(hs, CKM_SHA256_RSA_PKCS_PSS, skey), CKR_OK);
        if (bool_attribute(hs, skey, CKA_ALWAYS_AUTHENTICATE))
            REQUIRE_RV(login(hs, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
        Bytes sig;
        REQUIRE_RV(sign_begun(hs, message, sig), CKR_OK);
        CHECK(pss_verifies(scert, message, sig));
    }
}

TEST_CASE("pss: parameters other than SHA-256 / MGF1-SHA-256 / salt 32 are CKR_MECHANISM_PARAM_INVALID")
{
    Env env;
    VpcdCard card(pss_card(true));
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    for (CK_MECHANISM_TYPE type : {CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS}) {
        CAPTURE(type);
        CHECK_RV(sign_init_pss(h, type, key, {CKM_SHA_1, CKG_MGF1_SHA256, 32}), CKR_MECHANISM_PARAM_INVALID);
        CHECK_RV(sign_init_pss(h, type, key, {CKM_SHA384, CKG_MGF1_SHA384, 48}), CKR_MECHANISM_PARAM_INVALID);
        CHECK_RV(sign_init_pss(h, type, key, {CKM_SHA256, CKG_MGF1_SHA1, 32}), CKR_MECHANISM_PARAM_INVALID);
        CHECK_RV(sign_init_pss(h, type, key, {CKM_SHA256, CKG_MGF1_SHA256, 20}), CKR_MECHANISM_PARAM_INVALID);
        CHECK_RV(sign_init_pss(h, type, key, {CKM_SHA256, CKG_MGF1_SHA256, 0}), CKR_MECHANISM_PARAM_INVALID);
        CHECK_RV(sign_init_pss(h, type, key, good_params(), sizeof(CK_RSA_PKCS_PSS_PARAMS) - 1), CKR_MECHANISM_PARAM_INVALID);
        CK_MECHANISM none{type, nullptr, 0};
        CHECK_RV(fl()->C_SignInit(h, &none, key), CKR_MECHANISM_PARAM_INVALID);
        // Nothing is active after a refused init.
        REQUIRE_RV(sign_init_pss(h, type, key), CKR_OK);
        CHECK_RV(sign_init_pss(h, type, key), CKR_OPERATION_ACTIVE);
        Bytes sig;
        REQUIRE_RV(sign_begun(h, sha("SHA256", bytes("x")), sig), CKR_OK);
        login_again_if_used_up(card.card(), h, key, "1234");  // switch sign-consumes
    }
    CHECK(card.card().stats().signatures == 2);
}

TEST_CASE("pss: a card that passed the probe and later answers 6A86 loses PSS: CKR_MECHANISM_INVALID")
{
    Env env;
    VpcdCard card(pss_card(true));
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    REQUIRE(contains(mechanism_list(slot), CKM_RSA_PKCS_PSS));
    const CK_SESSION_HANDLE h = open_session(slot);
    REQUIRE_RV(login(h, "1234"), CKR_OK);
    const CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY, "JPKI Auth");
    REQUIRE_RV(sign_init_pss(h, CKM_SHA256_RSA_PKCS_PSS, key), CKR_OK);
    mynacard::vcard::Faults faults;
    faults.sw_for_ins[0x2A] = 0x6A86;
    card.card().set_faults(faults);
    Bytes sig;
    CHECK_RV(sign_begun(h, bytes("refused"), sig), CKR_MECHANISM_INVALID);
    card.card().set_faults({});
    // From now on this card has no PSS: not listed, not allowed, refused at C_SignInit.
    CHECK_FALSE(contains(mechanism_list(slot), CKM_RSA_PKCS_PSS));
    CHECK_FALSE(contains(mechanism_list(slot), CKM_SHA256_RSA_PKCS_PSS));
    CHECK_FALSE(contains(allowed(h, key), CKM_RSA_PKCS_PSS));
    CHECK_RV(sign_init_pss(h, CKM_SHA256_RSA_PKCS_PSS, key), CKR_MECHANISM_INVALID);
    // The login is intact and PKCS#1 v1.5 still signs.
    const Bytes cert = attribute(h, find_one(h, CKO_CERTIFICATE, "JPKI Auth"), CKA_VALUE);
    CHECK(openssl_verify(cert, "SHA256", bytes("still"), sign(h, CKM_SHA256_RSA_PKCS, key, bytes("still"))));
}
