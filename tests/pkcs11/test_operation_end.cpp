// When C_Sign, C_Verify and C_Digest (and their Update/Final) end the active operation
// (PKCS#11 v2.40 §5.10-5.12), and the answers google/pkcs11test checks beyond that: key
// generation's argument precedence (§5.1.8) and a malformed PIN in C_Login (§5.6). Through the
// module (dlopen) and pcscd + vpcd to the virtual card, whose statistics show what reached it.
#include <catch2/catch.hpp>

#include "mynacard/revocation/status.hpp"
#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::VpcdCard;

namespace {

CK_RV digest(CK_SESSION_HANDLE h, Bytes& in, Bytes* out)
{
    CK_ULONG n = out ? out->size() : 0;
    const CK_RV rv = fl()->C_Digest(h, in.data(), in.size(), out ? out->data() : nullptr, &n);
    if (out && rv == CKR_OK) out->resize(n);
    return rv;
}

CK_RV digest_final(CK_SESSION_HANDLE h, Bytes* out)
{
    CK_ULONG n = out ? out->size() : 0;
    const CK_RV rv = fl()->C_DigestFinal(h, out ? out->data() : nullptr, &n);
    if (out && rv == CKR_OK) out->resize(n);
    return rv;
}

CK_RV sign_once(CK_SESSION_HANDLE h, Bytes& in, Bytes* sig)
{
    CK_ULONG n = sig ? sig->size() : 0;
    return fl()->C_Sign(h, in.data(), in.size(), sig ? sig->data() : nullptr, &n);
}

CK_RV sign_final(CK_SESSION_HANDLE h, Bytes* sig)
{
    CK_ULONG n = sig ? sig->size() : 0;
    return fl()->C_SignFinal(h, sig ? sig->data() : nullptr, &n);
}

}  // namespace

TEST_CASE("C_Digest, C_DigestUpdate, C_DigestFinal of the wrong form end the operation (§5.10)")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    CK_MECHANISM sha256{CKM_SHA256, nullptr, 0};
    Bytes data = bytes("digest me"), out(64);

    SECTION("C_Digest after C_DigestUpdate (pkcs11test DigestIntersperse)")
    {
        REQUIRE_RV(fl()->C_DigestInit(h, &sha256), CKR_OK);
        REQUIRE_RV(fl()->C_DigestUpdate(h, data.data(), 1), CKR_OK);
        REQUIRE_RV(digest_final(h, nullptr), CKR_OK);  // a size query leaves it active
        CHECK_RV(digest(h, data, &out), CKR_OPERATION_ACTIVE);
        CHECK_RV(digest_final(h, &out), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("C_DigestFinal after a C_Digest size query (pkcs11test DigestFinalIntersperse)")
    {
        REQUIRE_RV(fl()->C_DigestInit(h, &sha256), CKR_OK);
        REQUIRE_RV(digest(h, data, nullptr), CKR_OK);
        CHECK_RV(digest_final(h, &out), CKR_OPERATION_ACTIVE);
        CHECK_RV(digest(h, data, &out), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("C_Digest after a C_DigestFinal size query (no C_DigestUpdate before it)")
    {
        REQUIRE_RV(fl()->C_DigestInit(h, &sha256), CKR_OK);
        REQUIRE_RV(digest_final(h, nullptr), CKR_OK);
        CHECK_RV(digest(h, data, &out), CKR_OPERATION_ACTIVE);
        CHECK_RV(digest_final(h, &out), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("C_DigestUpdate after C_Digest was told the buffer is too small")
    {
        REQUIRE_RV(fl()->C_DigestInit(h, &sha256), CKR_OK);
        Bytes small(8);
        REQUIRE_RV(digest(h, data, &small), CKR_BUFFER_TOO_SMALL);
        CHECK_RV(fl()->C_DigestUpdate(h, data.data(), data.size()), CKR_OPERATION_ACTIVE);
        CHECK_RV(digest_final(h, &out), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("after a short buffer the single-part operation goes on with C_Digest")
    {
        REQUIRE_RV(fl()->C_DigestInit(h, &sha256), CKR_OK);
        Bytes small(8);
        REQUIRE_RV(digest(h, data, &small), CKR_BUFFER_TOO_SMALL);
        REQUIRE_RV(digest(h, data, &out), CKR_OK);
        CHECK(out == sha("SHA256", data));
        CHECK_RV(digest(h, data, &out), CKR_OPERATION_NOT_INITIALIZED);
    }
    // Either way the session can digest again at once.
    REQUIRE_RV(fl()->C_DigestInit(h, &sha256), CKR_OK);
    out.resize(64);
    REQUIRE_RV(digest(h, data, &out), CKR_OK);
    CHECK(out == sha("SHA256", data));
}

TEST_CASE("C_Sign, C_SignUpdate, C_SignFinal of the wrong form end the operation (§5.11)")
{
    Env env;
    VpcdCard card;
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), false);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    Bytes data = bytes("sign me"), sig(256);
    const auto signatures = card.card().stats().signatures;

    SECTION("C_Sign after C_SignUpdate")
    {
        REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
        REQUIRE_RV(fl()->C_SignUpdate(h, data.data(), data.size()), CKR_OK);
        CHECK_RV(sign_once(h, data, &sig), CKR_OPERATION_ACTIVE);
        CHECK_RV(sign_final(h, &sig), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("C_SignFinal after a C_Sign size query")
    {
        REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
        REQUIRE_RV(sign_once(h, data, nullptr), CKR_OK);
        CHECK_RV(sign_final(h, &sig), CKR_OPERATION_ACTIVE);
        CHECK_RV(sign_once(h, data, &sig), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("C_SignUpdate after a C_Sign size query")
    {
        REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
        REQUIRE_RV(sign_once(h, data, nullptr), CKR_OK);
        CHECK_RV(fl()->C_SignUpdate(h, data.data(), data.size()), CKR_OPERATION_ACTIVE);
        CHECK_RV(sign_once(h, data, &sig), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("C_Sign after a C_SignFinal size query (no C_SignUpdate before it)")
    {
        REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
        REQUIRE_RV(sign_final(h, nullptr), CKR_OK);
        CHECK_RV(sign_once(h, data, &sig), CKR_OPERATION_ACTIVE);
        CHECK_RV(sign_final(h, &sig), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("CKM_RSA_PKCS: C_Sign after C_SignUpdate")
    {
        CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
        Bytes di = digest_info_sha256(data);
        REQUIRE_RV(fl()->C_SignInit(h, &rsa, key), CKR_OK);
        REQUIRE_RV(fl()->C_SignUpdate(h, di.data(), di.size()), CKR_OK);
        CHECK_RV(sign_once(h, di, &sig), CKR_OPERATION_ACTIVE);
        CHECK_RV(sign_final(h, &sig), CKR_OPERATION_NOT_INITIALIZED);
    }
    // None of these reached the card, and a new signature can start at once.
    CHECK(card.card().stats().signatures == signatures);
    REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
    CK_ULONG n = sig.size();
    REQUIRE_RV(fl()->C_Sign(h, data.data(), data.size(), sig.data(), &n), CKR_OK);
    CHECK(openssl_verify(card.card().pki().auth_der, "SHA256", data, sig));
}

TEST_CASE("C_Verify after C_VerifyUpdate ends the operation (§5.12)")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    const CK_OBJECT_HANDLE pub = find_one(h, CKO_PUBLIC_KEY, "JPKI Auth");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    Bytes data = bytes("verify me"), sig(256, 0x01);
    REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
    REQUIRE_RV(fl()->C_VerifyUpdate(h, data.data(), data.size()), CKR_OK);
    CHECK_RV(fl()->C_Verify(h, data.data(), data.size(), sig.data(), sig.size()), CKR_OPERATION_ACTIVE);
    CHECK_RV(fl()->C_VerifyFinal(h, sig.data(), sig.size()), CKR_OPERATION_NOT_INITIALIZED);
    REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
}

TEST_CASE("key generation: argument errors first, then the mechanism (§5.1.8); nothing reaches the card")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    const auto apdus = card.card().stats().apdus;
    auto* f = fl();
    CK_MECHANISM des{CKM_DES_KEY_GEN, nullptr, 0}, rsa{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE t{CKA_ENCRYPT, &yes, sizeof yes};
    CK_OBJECT_HANDLE o = 0, o2 = 0;
    // pkcs11test ReadOnlySessionTest.GenerateKeyInvalid / GenerateKeyPairInvalid.
    CHECK_RV(f->C_GenerateKey(0xFFFFFF, &des, &t, 1, &o), CKR_SESSION_HANDLE_INVALID);
    CHECK_RV(f->C_GenerateKey(h, nullptr, &t, 1, &o), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKey(h, &des, nullptr, 1, &o), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKey(h, &des, &t, 1, nullptr), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKey(h, &des, &t, 1, &o), CKR_MECHANISM_INVALID);
    CHECK_RV(f->C_GenerateKey(h, &des, nullptr, 0, &o), CKR_MECHANISM_INVALID);
    CHECK_RV(f->C_GenerateKeyPair(0xFFFFFF, &rsa, &t, 1, &t, 1, &o, &o2), CKR_SESSION_HANDLE_INVALID);
    CHECK_RV(f->C_GenerateKeyPair(h, nullptr, &t, 1, &t, 1, &o, &o2), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKeyPair(h, &rsa, nullptr, 1, &t, 1, &o, &o2), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKeyPair(h, &rsa, &t, 1, nullptr, 1, &o, &o2), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKeyPair(h, &rsa, &t, 1, &t, 1, nullptr, &o2), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKeyPair(h, &rsa, &t, 1, &t, 1, &o, nullptr), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_GenerateKeyPair(h, &rsa, &t, 1, &t, 1, &o, &o2), CKR_MECHANISM_INVALID);
    CK_BYTE wrapped[16] = {};
    CHECK_RV(f->C_UnwrapKey(h, &rsa, 1, wrapped, sizeof wrapped, &t, 1, nullptr), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_UnwrapKey(h, &rsa, 1, wrapped, sizeof wrapped, &t, 1, &o), CKR_MECHANISM_INVALID);
    CHECK_RV(f->C_DeriveKey(h, &rsa, 1, &t, 1, nullptr), CKR_ARGUMENTS_BAD);
    CHECK_RV(f->C_DeriveKey(h, &rsa, 1, &t, 1, &o), CKR_MECHANISM_INVALID);
    CHECK(card.card().stats().apdus == apdus);
}
