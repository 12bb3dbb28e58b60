// Signing (jpki-card.md §1.7): DigestInfo for every hash, verified with OpenSSL against the
// card's certificate; login errors, input limits, reset and removal.
#include <catch2/catch.hpp>

#include "session_fixture.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

namespace {

const HashAlg kAllHashes[] = {HashAlg::Sha1, HashAlg::Sha224, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512};

Bytes digest_info_of(HashAlg alg, ByteView data) { return *digest_info(alg, *hash(alg, data)); }

}  // namespace

TEST_CASE("sign: both keys, every hash, verified with OpenSSL", "[jpki][sign]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
    const Bytes message(1000, 0x5A);
    for (KeyKind key : {KeyKind::Auth, KeyKind::Sign}) {
        auto cert = session.read_certificate(cert_for(key));
        REQUIRE(cert);
        for (HashAlg alg : kAllHashes) {
            CAPTURE(to_string(key), to_string(alg));
            auto signature = session.sign(key, digest_info_of(alg, message));
            REQUIRE(signature);
            CHECK(signature->size() == 256);
            CHECK(signature_verifies(*cert, alg, message, *signature));
            CHECK_FALSE(signature_verifies(*cert, alg, Bytes(999, 0x5A), *signature));
        }
    }
    CHECK(reader.card->stats().signatures == 10);
}

TEST_CASE("sign: the auth key does not verify under the sign certificate", "[jpki][sign]")
{
    VirtualReader reader;
    auto session = open(reader);
    const Bytes message{1, 2, 3};
    auto signature = session.sign_with_pin(KeyKind::Auth, secure("1234"), digest_info_of(HashAlg::Sha256, message));
    REQUIRE(signature);
    REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
    CHECK(signature_verifies(*session.read_certificate(CertKind::Auth), HashAlg::Sha256, message, *signature));
    CHECK_FALSE(signature_verifies(*session.read_certificate(CertKind::Sign), HashAlg::Sha256, message, *signature));
}

TEST_CASE("sign: not logged in, too long, empty: nothing reaches the card", "[jpki][sign]")
{
    VirtualReader reader;
    auto session = open(reader);
    const auto apdus = session.apdu_count();
    auto r = session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1}));
    CHECK(r.error().code == Errc::NotLoggedIn);
    CHECK(session.sign(KeyKind::Sign, Bytes(51, 1)).error().code == Errc::NotLoggedIn);
    CHECK(session.apdu_count() == apdus);

    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    const auto after_login = session.apdu_count();
    CHECK(session.sign(KeyKind::Auth, Bytes(246, 1)).error().code == Errc::DataTooLong);
    CHECK(session.sign_with_pin(KeyKind::Auth, secure("1234"), Bytes(246, 1)).error().code == Errc::DataTooLong);
    CHECK(session.sign(KeyKind::Auth, Bytes{}).error().code == Errc::InvalidArgument);
    CHECK(session.apdu_count() == after_login);
    CHECK(reader.card->stats().signatures == 0);
    // 245 bytes is the largest input the card pads (256 - 11); raw DigestInfo-free input is the
    // caller's business.
    CHECK(session.sign(KeyKind::Auth, Bytes(245, 1)));
}

TEST_CASE("sign_with_pin: verify and sign in one transaction", "[jpki][sign]")
{
    VirtualReader reader;
    auto session = open(reader);
    const auto before = session.apdu_count();
    auto signature = session.sign_with_pin(KeyKind::Sign, secure("abc123"), digest_info_of(HashAlg::Sha384, Bytes{9}));
    REQUIRE(signature);
    // Label check (the JPKI AP is confirmed, not re-selected), SELECT PIN IEF, empty VERIFY,
    // VERIFY, the signing certificate (first chunk by short EF identifier + one extended read:
    // its key checks the signature), SELECT key EF, COMPUTE DIGITAL SIGNATURE.
    CHECK(session.apdu_count() - before == 8);
    CHECK(session.logged_in(KeyKind::Sign));
    auto wrong = session.sign_with_pin(KeyKind::Sign, secure("WRONG9"), digest_info_of(HashAlg::Sha384, Bytes{9}));
    CHECK(wrong.error().code == Errc::PinIncorrect);
    CHECK(wrong.error().tries_left == 4);
    CHECK_FALSE(session.logged_in(KeyKind::Sign));
    CHECK(reader.card->stats().signatures == 1);
}

TEST_CASE("sign: a reset by another application logs out; nothing is re-sent", "[jpki][sign][reset]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    const auto verifies = reader.card->stats().verify_with_data;
    reader.transport->external_reset();
    auto r = session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::NotLoggedIn);
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
    CHECK(reader.card->stats().verify_with_data == verifies);
    CHECK(reader.card->stats().signatures == 0);
    // Verifying again works.
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    CHECK(session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1})));
}

TEST_CASE("sign: a reset in the middle of the signing transaction", "[jpki][sign][reset]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    // The card is pulled and put back right after the SELECT AP of the signing transaction.
    vcard::Faults faults;
    faults.remove_after_apdus = reader.card->apdus_since_power_on() + 1;
    faults.reinsert_after = std::chrono::milliseconds(0);
    reader.card->set_faults(faults);
    auto r = session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::NotLoggedIn);
    reader.card->set_faults({});
    // The card lost its security state and so did we; the PIN is not re-sent.
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
    CHECK(session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1})).error().code == Errc::NotLoggedIn);
    CHECK(reader.card->stats().verify_with_data == 1);
    CHECK(reader.card->stats().signatures == 0);
}

TEST_CASE("sign: the card's 6982 means not logged in, and the session forgets the login", "[jpki][sign]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    vcard::Faults faults;
    faults.sw_for_ins[0x2A] = 0x6982;
    reader.card->set_faults(faults);
    auto r = session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1}));
    CHECK(r.error().code == Errc::NotLoggedIn);
    CHECK(r.error().sw == 0x6982);
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
}

TEST_CASE("sign: removal during the signature", "[jpki][sign][removal]")
{
    VirtualReader reader;
    auto session = open(reader);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    vcard::Faults faults;
    faults.remove_after_apdus = reader.card->apdus_since_power_on() + 2;  // after SELECT AP + EF
    reader.card->set_faults(faults);
    auto r = session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1}));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::CardRemoved);
    CHECK(reader.card->stats().signatures == 0);
}
