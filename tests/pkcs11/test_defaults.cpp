// The defaults a real holder gets (issue 10 §1): no configuration file, no revocation source,
// the J-LIS trust anchors only. The signing key signs (status unknown: allowed with the warning
// in ulDeviceError and the log), and the last PIN try is never spent by a program.
#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>

#include "mynacard/revocation/status.hpp"
#include "p11_harness.hpp"
#include "vcard/vpcd_link.hpp"

using namespace p11test;
using mynacard::vcard::CardOptions;
using mynacard::vcard::VpcdCard;
namespace dev = mynacard::revocation::device_error;

namespace {

/// One signature with the signing key under CKA_ALWAYS_AUTHENTICATE (the default).
CK_RV sign_with_sign_key(CK_SESSION_HANDLE h, const Bytes& data, Bytes& sig, CK_RV* init_rv = nullptr)
{
    const CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY, "JPKI Sign");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    const CK_RV init = fl()->C_SignInit(h, &m, key);
    if (init_rv != nullptr) *init_rv = init;
    if (init != CKR_OK) return init;
    if (CK_RV rv = login(h, "ABC123", CKU_CONTEXT_SPECIFIC); rv != CKR_OK) return rv;
    return sign_begun(h, data, sig);
}

}  // namespace

TEST_CASE("defaults: with no configuration and no revocation source the signing key signs, with the warning")
{
    DefaultEnv env;  // no file: every default
    VpcdCard card;
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), true);
    CHECK(bool_attribute(h, key, CKA_SIGN));
    CHECK(bool_attribute(h, key, CKA_ALWAYS_AUTHENTICATE));
    const Bytes data = bytes("新規ユーザーの署名");
    Bytes sig;
    CK_RV init_rv = CKR_GENERAL_ERROR;
    REQUIRE_RV(sign_with_sign_key(h, data, sig, &init_rv), CKR_OK);
    CHECK_RV(init_rv, CKR_OK);
    CHECK(openssl_verify(card.card().pki().sign_der, "SHA256", data, sig));
    CHECK(card.card().stats().signatures == 1);
}

TEST_CASE("defaults: the unknown status is visible in ulDeviceError and the module's log")
{
    DefaultEnv env;
    // Only the log is configured; every other key keeps its default.
    std::ofstream(env.config_path) << "[log]\nlevel = info\nfile = " << env.log_path.string() << "\n";
    VpcdCard card;
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), true);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE_RV(fl()->C_SignInit(h, &m, key), CKR_OK);
    CHECK(session_info(h).ulDeviceError == dev::kUnknownWarned);
    const std::string log = env.log();
    INFO(log);
    CHECK(log.find("key=sign decision=allowed-with-warning status=unknown") != std::string::npos);
    CHECK(log.find("device_error=0x4A500007") != std::string::npos);
}

TEST_CASE("defaults: definite bad news is still refused (an expired signing certificate)")
{
    // Revocation sources are not needed for this: the certificate's own dates say it.
    DefaultEnv env;
    mynacard::vcard::PkiOptions pki_options;
    pki_options.key_bits = 1024;  // fast; the module only reads the dates
    pki_options.leaf_not_before = std::time(nullptr) - 10 * 86400;
    pki_options.leaf_not_after = std::time(nullptr) - 86400;
    const auto pki = mynacard::vcard::TestPki::generate(pki_options);
    VpcdCard card(CardOptions{}, pki);
    Init init;
    const auto [h, key] = logged_in_key(card.reader(), true);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK_RV(fl()->C_SignInit(h, &m, key), CKR_KEY_FUNCTION_NOT_PERMITTED);
    CHECK(session_info(h).ulDeviceError == dev::kExpired);
    CHECK(card.card().stats().signatures == 0);
}

TEST_CASE("defaults: the module refuses the final try, names card-cp pin verify, and shows FINAL_TRY")
{
    DefaultEnv env;
    std::ofstream(env.config_path) << "[log]\nlevel = error\nfile = " << env.log_path.string() << "\n";
    CardOptions options;
    options.auth_pin.tries_left = 1;
    options.sign_pin.tries_left = 1;
    VpcdCard card(options);
    Init init;
    for (bool sign : {false, true}) {
        INFO((sign ? "sign" : "auth"));
        const CK_SLOT_ID slot = slot_for(card.reader(), sign);
        CHECK((token_info(slot).flags & CKF_USER_PIN_FINAL_TRY) != 0);
        const CK_SESSION_HANDLE h = open_session(slot);
        const auto verifies = card.card().stats().verify_with_data;
        // Even the right PIN: the module cannot ask "are you sure?", so it never sends it.
        CHECK_RV(login(h, sign ? "ABC123" : "1234"), CKR_FUNCTION_FAILED);
        CHECK(session_info(h).ulDeviceError == dev::kFinalTryGuard);
        CHECK(card.card().stats().verify_with_data == verifies);
        CHECK(card.card().tries_left(sign ? 0x1B : 0x18) == 1);
        CHECK((token_info(slot).flags & CKF_USER_PIN_FINAL_TRY) != 0);
        const std::string log = env.log();
        INFO(log);
        CHECK(log.find(std::string("card-cp pin verify ") + (sign ? "sign" : "auth")) != std::string::npos);
    }
}

TEST_CASE("[pin] final_try = allow lets the module spend the last try")
{
    // The old default stays one line away.
    Env env("[pin]\nfinal_try = allow\n");
    CardOptions options;
    options.auth_pin.tries_left = 1;
    VpcdCard card(options);
    Init init;
    const CK_SESSION_HANDLE h = open_session(slot_for(card.reader(), false));
    CHECK_RV(login(h, "1234"), CKR_OK);
    CHECK(card.card().tries_left(0x18) == 3);
}
