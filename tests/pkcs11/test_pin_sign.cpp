// PIN rules (pin-and-suspension.md §1.5) and signatures (jpki-card.md §1.7) through the module,
// proven at the virtual card: its counters and statistics show what reached it.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>

#include "mynacard/jpki/certificate.hpp"
#include "mynacard/revocation/status.hpp"
#include "mynacard/revocation/suspended_list.hpp"
#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::CardOptions;
using mynacard::vcard::VpcdCard;

TEST_CASE("malformed PINs are refused without touching the card")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SESSION_HANDLE ha = open_session(slot_for(card.reader(), false));
    const CK_SESSION_HANDLE hs = open_session(slot_for(card.reader(), true));
    const auto before = card.card().stats().apdus;
    // CKR_PIN_INCORRECT, the answer v2.40 §5.6 lists for C_Login (CKR_PIN_LEN_RANGE /
    // CKR_PIN_INVALID are for functions that set a PIN); ulDeviceError says it was not sent.
    for (const auto& [h, pin] : {std::pair{ha, "123"}, std::pair{ha, "12345"}, std::pair{ha, "12a4"},
                                 std::pair{ha, ""}, std::pair{hs, "AB12"}, std::pair{hs, "ABCDEFGHIJ1234567"},
                                 std::pair{hs, "ABC-123"}, std::pair{hs, "simply-wrong"}}) {
        INFO(pin);
        CHECK_RV(login(h, pin), CKR_PIN_INCORRECT);
        CHECK(session_info(h).ulDeviceError == mynacard::revocation::device_error::kPinMalformed);
    }
    CHECK_RV(fl()->C_Login(ha, CKU_USER, nullptr, 4), CKR_ARGUMENTS_BAD);
    CHECK(card.card().stats().apdus == before);  // not a single APDU
    CHECK(card.card().tries_left(0x18) == 3);
    CHECK(card.card().tries_left(0x1B) == 5);
    // No try was spent, so the token flags say so.
    constexpr CK_FLAGS counter_flags = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;
    CHECK((token_info(slot_for(card.reader(), false)).flags & counter_flags) == 0);
    CHECK((token_info(slot_for(card.reader(), true)).flags & counter_flags) == 0);
    CHECK_RV(login(ha, "1234", CKU_SO), CKR_USER_TYPE_INVALID);
    // The sign password is folded to upper case like the J-LIS software (jpki-card.md §1.6).
    CHECK_RV(login(hs, "abc123"), CKR_OK);
}

TEST_CASE("a wrong PIN costs one try and is reported; the flags follow the counter")
{
    // The last wrong try is spent only with final_try = allow (the default, confirm, refuses it
    // in the module: test_defaults.cpp).
    Env env("[pin]\nfinal_try = allow\n");
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_SESSION_HANDLE h = open_session(slot);
    CHECK_RV(login(h, "9999"), CKR_PIN_INCORRECT);
    CHECK(card.card().tries_left(0x18) == 2);
    CHECK((token_info(slot).flags & CKF_USER_PIN_COUNT_LOW) != 0);
    CHECK_RV(login(h, "9999"), CKR_PIN_INCORRECT);
    CHECK((token_info(slot).flags & CKF_USER_PIN_FINAL_TRY) != 0);
    // final_try = allow lets the last try through; it locks the PIN.
    CHECK_RV(login(h, "9999"), CKR_PIN_LOCKED);
    CHECK(card.card().tries_left(0x18) == 0);
    CHECK((token_info(slot).flags & CKF_USER_PIN_LOCKED) != 0);
    // Locked: refused without sending VERIFY.
    const auto verifies = card.card().stats().verify_with_data;
    CHECK_RV(login(h, "1234"), CKR_PIN_LOCKED);
    CHECK(card.card().stats().verify_with_data == verifies);
}

TEST_CASE("a locked counter is refused without VERIFY")
{
    Env env;
    CardOptions options;
    options.sign_pin.tries_left = 0;
    VpcdCard card(options);
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), true));
    CHECK_RV(login(h, "ABC123"), CKR_PIN_LOCKED);
    CHECK(card.card().stats().verify_with_data == 0);
}

TEST_CASE("final-try guard from the configuration: deny")
{
    Env env("[pin]\nfinal_try = deny\n");
    CardOptions options;
    options.auth_pin.tries_left = 1;
    VpcdCard card(options);
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    CHECK_RV(login(h, "1234"), CKR_FUNCTION_FAILED);
    CHECK(session_info(h).ulDeviceError == mynacard::revocation::device_error::kFinalTryGuard);
    CHECK(card.card().stats().verify_with_data == 0);
    CHECK(card.card().tries_left(0x18) == 1);
    // A session without a failure reports no device error.
    CHECK(session_info(open_session(slot_for(card.reader(), true))).ulDeviceError == 0);
}

TEST_CASE("C_SetPIN changes a PIN through the card")
{
    Env env;
    VpcdCard card;
    Init init;
    const CK_SLOT_ID slot = slot_for(card.reader(), false);
    const CK_SESSION_HANDLE ro = open_session(slot);
    const CK_SESSION_HANDLE rw = open_session(slot, true);
    CK_UTF8CHAR old_pin[] = "1234", new_pin[] = "5678", bad_new[] = "56a8", wrong[] = "0000";
    CHECK_RV(fl()->C_SetPIN(ro, old_pin, 4, new_pin, 4), CKR_SESSION_READ_ONLY);
    const auto apdus = card.card().stats().apdus;
    CHECK_RV(fl()->C_SetPIN(rw, old_pin, 4, bad_new, 4), CKR_PIN_INVALID);
    CHECK_RV(fl()->C_SetPIN(rw, old_pin, 4, new_pin, 3), CKR_PIN_LEN_RANGE);
    CHECK(card.card().stats().apdus == apdus);
    CHECK_RV(fl()->C_SetPIN(rw, wrong, 4, new_pin, 4), CKR_PIN_INCORRECT);
    CHECK(card.card().tries_left(0x18) == 2);
    REQUIRE_RV(fl()->C_SetPIN(rw, old_pin, 4, new_pin, 4), CKR_OK);
    // Not logged in before: the VERIFY of the old PIN is not left active on the card.
    CHECK_FALSE(card.card().verified(0x18));
    CHECK_RV(login(rw, "1234"), CKR_PIN_INCORRECT);
    CHECK_RV(login(rw, "5678"), CKR_OK);
}

TEST_CASE("signatures with the auth key verify against the certificate")
{
    Env env;
    VpcdCard card;
    Init init;
    const Bytes cert = card.card().pki().auth_der;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    const Bytes data = bytes("mynacard signs this message");

    SECTION("not logged in")
    {
        REQUIRE_RV(login(h, "1234"), CKR_OK);
        const CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY, "JPKI Auth");
        REQUIRE_RV(fl()->C_Logout(h), CKR_OK);
        CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
        CHECK_RV(fl()->C_SignInit(h, &m, key), CKR_USER_NOT_LOGGED_IN);
    }
    REQUIRE_RV(login(h, "1234"), CKR_OK);
    const CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY, "JPKI Auth");

    SECTION("CKM_RSA_PKCS over a DigestInfo")
    {
        const Bytes di = digest_info_sha256(data);
        const Bytes sig = sign(h, CKM_RSA_PKCS, key, di);
        CHECK(sig.size() == 256);
        CHECK(openssl_verify(cert, "SHA256", data, sig));
        CHECK(openssl_verify(cert, "", di, sig));
    }
    SECTION("hash-and-sign, single part")
    {
        for (auto [mech, hash] : {std::pair{CKM_SHA1_RSA_PKCS, "SHA1"}, std::pair{CKM_SHA224_RSA_PKCS, "SHA224"},
                                  std::pair{CKM_SHA256_RSA_PKCS, "SHA256"}, std::pair{CKM_SHA384_RSA_PKCS, "SHA384"},
                                  std::pair{CKM_SHA512_RSA_PKCS, "SHA512"}}) {
            INFO(hash);
            CHECK(openssl_verify(cert, hash, data, sign(h, mech, key, data)));
            // Switch sign-consumes: one signature per login (p11_harness.hpp).
            login_again_if_used_up(card.card(), h, key, "1234");
        }
    }
    SECTION("hash-and-sign, multi part")
    {
        for (auto [mech, hash] : {std::pair{CKM_SHA256_RSA_PKCS, "SHA256"}, std::pair{CKM_SHA512_RSA_PKCS, "SHA512"},
                                  std::pair{CKM_SHA1_RSA_PKCS, "SHA1"}}) {
            INFO(hash);
            CK_MECHANISM m{mech, nullptr, 0};
            REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
            Bytes part1(data.begin(), data.begin() + 10), part2(data.begin() + 10, data.end());
            REQUIRE_RV(fl()->C_SignUpdate(h, part1.data(), part1.size()), CKR_OK);
            REQUIRE_RV(fl()->C_SignUpdate(h, part2.data(), part2.size()), CKR_OK);
            CHECK_RV(fl()->C_Sign(h, part1.data(), part1.size(), nullptr, nullptr), CKR_ARGUMENTS_BAD);
            REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
            REQUIRE_RV(fl()->C_SignUpdate(h, part1.data(), part1.size()), CKR_OK);
            REQUIRE_RV(fl()->C_SignUpdate(h, part2.data(), part2.size()), CKR_OK);
            // Two-call convention on C_SignFinal too.
            CK_ULONG n = 0;
            const auto sigs = card.card().stats().signatures;
            REQUIRE_RV(fl()->C_SignFinal(h, nullptr, &n), CKR_OK);
            CHECK(n == 256);
            CHECK(card.card().stats().signatures == sigs);
            Bytes sig(n);
            REQUIRE_RV(fl()->C_SignFinal(h, sig.data(), &n), CKR_OK);
            CHECK(openssl_verify(cert, hash, data, sig));
            login_again_if_used_up(card.card(), h, key, "1234");
        }
    }
    SECTION("the two-call convention never touches the card nor ends the operation")
    {
        CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
        REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
        CHECK_RV(fl()->C_SignInit(h, &m, key), CKR_OPERATION_ACTIVE);
        Bytes in = data;
        const auto stats = card.card().stats();
        CK_ULONG n = 0;
        REQUIRE_RV(fl()->C_Sign(h, in.data(), in.size(), nullptr, &n), CKR_OK);
        CHECK(n == 256);
        Bytes sig(100);
        n = sig.size();
        CHECK_RV(fl()->C_Sign(h, in.data(), in.size(), sig.data(), &n), CKR_BUFFER_TOO_SMALL);
        CHECK(n == 256);
        CHECK(card.card().stats().apdus == stats.apdus);
        sig.resize(n);
        REQUIRE_RV(fl()->C_Sign(h, in.data(), in.size(), sig.data(), &n), CKR_OK);
        CHECK(card.card().stats().signatures == stats.signatures + 1);
        CHECK(openssl_verify(cert, "SHA256", data, sig));
        CHECK_RV(fl()->C_Sign(h, in.data(), in.size(), sig.data(), &n), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("bad input and wrong keys")
    {
        CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
        REQUIRE_RV(fl()->C_SignInit(h, &rsa, key), CKR_OK);
        Bytes big(246, 0x30);
        CK_ULONG n = 256;
        Bytes sig(256);
        CHECK_RV(fl()->C_Sign(h, big.data(), big.size(), sig.data(), &n), CKR_DATA_LEN_RANGE);
        CHECK_RV(fl()->C_Sign(h, big.data(), big.size(), sig.data(), &n), CKR_OPERATION_NOT_INITIALIZED);
        // Without parameters: no such mechanism, or on a card that signs RSA-PSS (switch pss)
        // the parameters are missing.
        CK_MECHANISM pss{CKM_RSA_PKCS_PSS, nullptr, 0};
        CHECK_RV(fl()->C_SignInit(h, &pss, key),
                 card.card().options().pss ? CKR_MECHANISM_PARAM_INVALID : CKR_MECHANISM_INVALID);
        CK_MECHANISM digest{CKM_SHA256, nullptr, 0};
        CHECK_RV(fl()->C_SignInit(h, &digest, key), CKR_MECHANISM_INVALID);
        CHECK_RV(fl()->C_SignInit(h, &rsa, find_one(h, CKO_CERTIFICATE, "JPKI Auth")), CKR_KEY_HANDLE_INVALID);
        CHECK_RV(fl()->C_SignInit(h, &rsa, find_one(h, CKO_PUBLIC_KEY, "JPKI Auth")), CKR_KEY_FUNCTION_NOT_PERMITTED);
        CHECK_RV(fl()->C_SignInit(h, nullptr, key), CKR_ARGUMENTS_BAD);
        CHECK_RV(fl()->C_SignUpdate(h, big.data(), 1), CKR_OPERATION_NOT_INITIALIZED);
        CHECK_RV(fl()->C_SignFinal(h, sig.data(), &n), CKR_OPERATION_NOT_INITIALIZED);
    }
    SECTION("software verification and digests")
    {
        const Bytes sig = sign(h, CKM_SHA256_RSA_PKCS, key, data);
        const CK_OBJECT_HANDLE pub = find_one(h, CKO_PUBLIC_KEY, "JPKI Auth");
        CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
        Bytes in = data, s = sig;
        REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, in.data(), in.size(), s.data(), s.size()), CKR_OK);
        s[10] ^= 1;
        REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, in.data(), in.size(), s.data(), s.size()), CKR_SIGNATURE_INVALID);
        REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, in.data(), in.size(), s.data(), 100), CKR_SIGNATURE_LEN_RANGE);
        s[10] ^= 1;
        REQUIRE_RV(fl()->C_VerifyInit(h, &m, pub), CKR_OK);
        REQUIRE_RV(fl()->C_VerifyUpdate(h, in.data(), 5), CKR_OK);
        REQUIRE_RV(fl()->C_VerifyUpdate(h, in.data() + 5, in.size() - 5), CKR_OK);
        CHECK_RV(fl()->C_VerifyFinal(h, s.data(), s.size()), CKR_OK);
        CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
        Bytes di = digest_info_sha256(data);
        REQUIRE_RV(fl()->C_VerifyInit(h, &rsa, pub), CKR_OK);
        CHECK_RV(fl()->C_Verify(h, di.data(), di.size(), s.data(), s.size()), CKR_OK);
        CHECK_RV(fl()->C_VerifyInit(h, &rsa, key), CKR_KEY_FUNCTION_NOT_PERMITTED);

        CK_MECHANISM sha384{CKM_SHA384, nullptr, 0};
        REQUIRE_RV(fl()->C_DigestInit(h, &sha384), CKR_OK);
        CK_ULONG n = 0;
        REQUIRE_RV(fl()->C_Digest(h, in.data(), in.size(), nullptr, &n), CKR_OK);
        CHECK(n == 48);
        Bytes out(10);
        n = out.size();
        CHECK_RV(fl()->C_Digest(h, in.data(), in.size(), out.data(), &n), CKR_BUFFER_TOO_SMALL);
        out.resize(48);
        REQUIRE_RV(fl()->C_Digest(h, in.data(), in.size(), out.data(), &n), CKR_OK);
        CHECK(out == sha("SHA384", data));
        REQUIRE_RV(fl()->C_DigestInit(h, &sha384), CKR_OK);
        CHECK_RV(fl()->C_DigestKey(h, key), CKR_KEY_INDIGESTIBLE);
        REQUIRE_RV(fl()->C_DigestUpdate(h, in.data(), 3), CKR_OK);
        REQUIRE_RV(fl()->C_DigestUpdate(h, in.data() + 3, in.size() - 3), CKR_OK);
        n = out.size();
        REQUIRE_RV(fl()->C_DigestFinal(h, out.data(), &n), CKR_OK);
        CHECK(out == sha("SHA384", data));
        CHECK_RV(fl()->C_DigestFinal(h, out.data(), &n), CKR_OPERATION_NOT_INITIALIZED);
    }
}

TEST_CASE("the signing key wants a context-specific login per signature")
{
    Env env;
    VpcdCard card;
    Init init;
    const Bytes cert = card.card().pki().sign_der;
    const auto [h, key] = logged_in_key(card.reader(), true);
    Bytes data = bytes("契約書 v1");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    Bytes sig(256);
    CK_ULONG n = sig.size();

    CHECK_RV(login(h, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OPERATION_NOT_INITIALIZED);
    REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
    const auto sigs = card.card().stats().signatures;
    CHECK_RV(fl()->C_Sign(h, data.data(), data.size(), sig.data(), &n), CKR_USER_NOT_LOGGED_IN);
    CHECK(card.card().stats().signatures == sigs);

    REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
    const auto verifies = card.card().stats().verify_with_data;
    CHECK_RV(login(h, "ABC12", CKU_CONTEXT_SPECIFIC), CKR_PIN_INCORRECT);  // malformed: not sent
    REQUIRE_RV(login(h, "ABC123", CKU_CONTEXT_SPECIFIC), CKR_OK);
    CHECK(card.card().stats().verify_with_data == verifies + 1);  // a real VERIFY, like the official client
    n = sig.size();
    REQUIRE_RV(fl()->C_Sign(h, data.data(), data.size(), sig.data(), &n), CKR_OK);
    CHECK(openssl_verify(cert, "SHA256", data, sig));
    CHECK(openssl_verify(card.card().pki().sign_der, "SHA256", data, sig));
}

TEST_CASE("sign_always_authenticate = false: one login, many signatures")
{
    Env env("[pkcs11]\nsign_always_authenticate = false\n");
    VpcdCard card;
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), true);
    CHECK_FALSE(bool_attribute(h, key, CKA_ALWAYS_AUTHENTICATE));
    const Bytes data = bytes("two signatures, one password");
    for (int i = 0; i < 2; ++i) {
        CHECK(openssl_verify(card.card().pki().sign_der, "SHA512", data, sign(h, CKM_SHA512_RSA_PKCS, key, data)));
        // Switch sign-consumes: the password is good for one signature; a VERIFY per login only.
        login_again_if_used_up(card.card(), h, key, "ABC123");
    }
    CHECK(card.card().stats().verify_with_data == (signatures_use_up_login(card.card()) ? 3u : 1u));
}

TEST_CASE("the opt-in cache exposes the signing certificate before the password")
{
    TempDir cache;
    const std::string config = "[cache]\nenabled = true\nsign_certificate = true\ndirectory = " +
                               cache.path.string() + "\n";
    Env env(config);
    VpcdCard card;
    const Bytes sign_der = card.card().pki().sign_der;
    {
        Init init;
        const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), true));
        CHECK(find(h).size() == 1);  // nothing cached yet
        REQUIRE_RV(login(h, "ABC123"), CKR_OK);
        CHECK(attribute(h, find_one(h, CKO_CERTIFICATE, "JPKI Sign"), CKA_VALUE) == sign_der);
    }
    {  // the same card insertion: compared with the card after the password, so served
        Init init;
        const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), true));
        const CK_OBJECT_HANDLE cert = find_one(h, CKO_CERTIFICATE, "JPKI Sign");
        CHECK(attribute(h, cert, CKA_VALUE) == sign_der);
        CHECK_FALSE(bool_attribute(h, cert, CKA_PRIVATE));
        CHECK(find(h).size() == 3);  // CA, cert, public key; the private key stays hidden
        CHECK(card.card().stats().verify_with_data == 1);
    }
    // Another insertion: the card may have been to the municipal office (a new signing
    // certificate after a house move), which nothing readable before the password would show
    // (issue 9 §4): not served until the password is verified again.
    REQUIRE(card.remove_card());
    REQUIRE(card.insert_card());
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), true));
    CHECK(find(h).size() == 1);  // the CA only
    REQUIRE_RV(login(h, "ABC123"), CKR_OK);
    CHECK(attribute(h, find_one(h, CKO_CERTIFICATE, "JPKI Sign"), CKA_VALUE) == sign_der);
}

TEST_CASE("a suspended certificate: C_SignInit refuses with the reason in ulDeviceError")
{
    TempDir lists;
    const auto list = lists.path / "suspended.list";
    VpcdCard card;
    auto cert = mynacard::jpki::Certificate::from_der(card.card().pki().sign_der);
    REQUIRE(cert.has_value());
    auto aki = cert->authority_key_id();
    REQUIRE(aki.has_value());
    auto entry = mynacard::revocation::make_certificate_entry(mynacard::to_hex(*aki), cert->serial_hex(),
                                                              "hold", 1700000000, "p11 test");
    REQUIRE(entry.has_value());
    REQUIRE(mynacard::revocation::add_suspended(list, *entry, 0600).has_value());
    // The checks need the chain to a configured anchor before they consult the list.
    card.card().pki().save(lists.path / "pki");
    Env env("[local]\nsuspended_list = " + list.string() + "\n[trust]\nanchors = " +
            (lists.path / "pki" / "auth_ca.pem").string() + ", " + (lists.path / "pki" / "sign_ca.pem").string() + "\n");
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), true);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK_RV(fl()->C_SignInit(h, &m, key), CKR_KEY_FUNCTION_NOT_PERMITTED);
    CHECK(session_info(h).ulDeviceError == mynacard::revocation::device_error::kLocallySuspended);
    CHECK_FALSE(bool_attribute(h, key, CKA_SIGN));
    CHECK(card.card().stats().signatures == 0);
    // Known bad now: with [pin] skip_login_if_revoked (default on) the next login is refused
    // before VERIFY, with its own device error (pin-and-suspension.md §3.8).
    REQUIRE_RV(fl()->C_Logout(h), CKR_OK);
    const auto verifies = card.card().stats().verify_with_data;
    CHECK_RV(login(h, "ABC123"), CKR_FUNCTION_FAILED);
    CHECK(session_info(h).ulDeviceError == mynacard::revocation::device_error::kLoginRefusedRevoked);
    CHECK(card.card().stats().verify_with_data == verifies);
    // The auth key of the same card is not suspended.
    const CK_SESSION_HANDLE ha = logged_in_session(card.reader(), false);
    const Bytes data = bytes("auth still works");
    CHECK(openssl_verify(card.card().pki().auth_der, "SHA256", data,
                         sign(ha, CKM_SHA256_RSA_PKCS, find_one(ha, CKO_PRIVATE_KEY, "JPKI Auth"), data)));
}
