// The JPKI layer through the real PC/SC stack: pcscd + vpcd (tools/dev/pcsc-env.sh) serving the
// virtual card, plus the example program.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "mynacard/apdu/pcsc.hpp"
#include "expected_identity.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "session_fixture.hpp"
#include "vpcd_link.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

namespace {

apdu::PcscContext context()
{
    auto ctx = apdu::PcscContext::establish();
    if (!ctx) FAIL("PcscContext: " << ctx.error().message());
    return std::move(ctx).value();
}

CardSession open_pcsc(const apdu::PcscContext& ctx, const std::string& reader, SessionOptions opts = options())
{
    auto transport = ctx.connect(reader);
    if (!transport) FAIL("connect: " << transport.error().message());
    auto session = CardSession::open(std::move(transport).value(), std::move(opts));
    if (!session) FAIL("open: " << session.error().message());
    return std::move(session).value();
}

Bytes digest_info_of(HashAlg alg, ByteView data) { return *digest_info(alg, *hash(alg, data)); }

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary | std::ios::ate);
    const auto size = in.tellg();
    if (size <= 0) return {};
    std::string out(static_cast<std::size_t>(size), '\0');
    in.seekg(0);
    in.read(out.data(), size);
    return out;
}

}  // namespace

TEST_CASE("pcsc: detect, certificates, PINs, signatures, Kenhojo", "[jpki][pcsc]")
{
    vcard::VpcdCard card;
    const auto& pki = vcard::TestPki::shared_default();
    auto ctx = context();
    auto readers = ctx.list_readers();
    REQUIRE(readers);
    bool seen = false;
    for (const auto& r : *readers) seen = seen || (r.name == card.reader() && r.card_present);
    CHECK(seen);

    {
        auto transport = ctx.connect(card.reader());
        REQUIRE(transport);
        std::string label;
        // The label of EF 0006 names the card type (jpki-card.md §1.2); switch label-v1 gives
        // the older card's JPKIAPICCTOKEN, which is a Juki card to the detection.
        const std::string& card_label = card.card().options().token_label;
        CHECK(*detect_card(**transport, &label) ==
              (card_label == "JPKIAPICCTOKEN" ? CardType::JukiCard : CardType::MyNumberCard));
        CHECK(label == card_label);
    }

    auto session = open_pcsc(ctx, card.reader());
    const vcard::ExpectedIdentity identity = vcard::expected_identity(card.card());
    CHECK(session.info().identity.serial == identity.serial);
    CHECK(session.info().identity.source == identity.source);
    CHECK(*session.read_certificate(CertKind::Auth) == pki.auth_der);
    CHECK(*session.read_certificate(CertKind::AuthCa) == pki.auth_ca_der);
    CHECK(*session.read_certificate(CertKind::SignCa) == pki.sign_ca_der);

    // PIN rules through pcscd.
    CHECK(session.verify_pin(PinKind::Auth, secure("12a4")).error().code == Errc::PinCharactersInvalid);
    for (int i = 0; i < 20; ++i) CHECK(session.pin_status(PinKind::Sign)->tries_left == 5);
    CHECK(session.verify_pin(PinKind::Sign, secure("WRONG1")).error().tries_left == 4);
    CHECK(card.card().stats().verify_with_data == 1);
    REQUIRE(session.verify_pin(PinKind::Sign, secure("abc123")));
    CHECK(card.card().tries_left(0x1B) == 5);
    CHECK(*session.read_certificate(CertKind::Sign) == pki.sign_der);

    // Five signatures after one VERIFY, unless the card uses up a verification with each
    // signature (switch sign-consumes, jpki-card.md §7): then every further one is refused as
    // NotLoggedIn, the session shows the login gone and sends no PIN by itself; the caller
    // verifies again.
    const bool consumes = card.card().options().sign_consumes;
    const Bytes message(3000, 0x33);
    bool first = true;
    for (HashAlg alg : {HashAlg::Sha1, HashAlg::Sha224, HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512}) {
        CAPTURE(to_string(alg));
        if (consumes && !first) {
            const auto verifies = card.card().stats().verify_with_data;
            auto refused = session.sign(KeyKind::Sign, digest_info_of(alg, message));
            REQUIRE_FALSE(refused);
            CHECK(refused.error().code == Errc::NotLoggedIn);
            CHECK_FALSE(session.logged_in(KeyKind::Sign));
            CHECK(card.card().stats().verify_with_data == verifies);
            REQUIRE(session.verify_pin(PinKind::Sign, secure("abc123")));
            CHECK(card.card().stats().verify_with_data == verifies + 1);
        }
        first = false;
        auto sig = session.sign(KeyKind::Sign, digest_info_of(alg, message));
        REQUIRE(sig);
        CHECK(signature_verifies(pki.sign_der, alg, message, *sig));
        auto auth_sig = session.sign_with_pin(KeyKind::Auth, secure("1234"), digest_info_of(alg, message));
        REQUIRE(auth_sig);
        CHECK(signature_verifies(pki.auth_der, alg, message, *auth_sig));
    }

    auto kenhojo = session.read_kenhojo(secure("1234"));
    REQUIRE(kenhojo);
    CHECK(kenhojo->my_number == "123456789018");
    CHECK(kenhojo->attributes.name == vcard::PersonalData{}.name);

    REQUIRE(session.logout());
    CHECK_FALSE(session.logged_in(KeyKind::Sign));
    CHECK_FALSE(card.card().verified(0x1B));
    CHECK(session.sign(KeyKind::Sign, digest_info_of(HashAlg::Sha256, message)).error().code == Errc::NotLoggedIn);
}

TEST_CASE("pcsc: PIN changes: the new values verify and sign, the old ones are refused", "[jpki][pcsc][pin]")
{
    // CHANGE REFERENCE DATA through pcscd (jpki-card.md §1.8): each change sends the old value
    // once (VERIFY) and the new one once; afterwards the old value is a wrong PIN that spends a
    // try, and the new one works in this session and in the next insertion.
    constexpr std::uint16_t kAuthPin = 0x18, kSignPin = 0x1B, kKenhojoPin = 0x11;
    vcard::VpcdCard card;
    const auto& pki = vcard::TestPki::shared_default();
    auto ctx = context();
    const Bytes message(500, 0x5A);
    const auto verifies = [&] { return card.card().stats().verify_with_data; };
    {
        auto session = open_pcsc(ctx, card.reader());

        // Auth PIN 1234 -> 5678.
        auto sent = verifies();
        REQUIRE(session.change_pin(PinKind::Auth, secure("1234"), secure("5678")));
        CHECK(verifies() == sent + 1);
        CHECK(session.logged_in(KeyKind::Auth));
        auto sig = session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, message));
        REQUIRE(sig);
        CHECK(signature_verifies(pki.auth_der, HashAlg::Sha256, message, *sig));
        auto old = session.verify_pin(PinKind::Auth, secure("1234"));
        REQUIRE_FALSE(old);
        CHECK(old.error().code == Errc::PinIncorrect);
        CHECK(old.error().tries_left == 2);
        CHECK_FALSE(session.logged_in(KeyKind::Auth));
        CHECK(session.pin_status(PinKind::Auth)->tries_left == 2);
        CHECK(card.card().tries_left(kAuthPin) == 2);
        sig = session.sign_with_pin(KeyKind::Auth, secure("5678"), digest_info_of(HashAlg::Sha256, message));
        REQUIRE(sig);
        CHECK(signature_verifies(pki.auth_der, HashAlg::Sha256, message, *sig));
        CHECK(card.card().tries_left(kAuthPin) == 3);

        // Sign password abc123 -> new456 (typed in lower case; the card holds upper case).
        sent = verifies();
        REQUIRE(session.change_pin(PinKind::Sign, secure("abc123"), secure("new456")));
        CHECK(verifies() == sent + 1);
        CHECK(session.logged_in(KeyKind::Sign));
        CHECK(*session.read_certificate(CertKind::Sign) == pki.sign_der);
        sig = session.sign(KeyKind::Sign, digest_info_of(HashAlg::Sha384, message));
        REQUIRE(sig);
        CHECK(signature_verifies(pki.sign_der, HashAlg::Sha384, message, *sig));
        old = session.verify_pin(PinKind::Sign, secure("ABC123"));
        REQUIRE_FALSE(old);
        CHECK(old.error().code == Errc::PinIncorrect);
        CHECK(old.error().tries_left == 4);
        CHECK_FALSE(session.logged_in(KeyKind::Sign));
        CHECK(session.pin_status(PinKind::Sign)->tries_left == 4);
        CHECK(card.card().tries_left(kSignPin) == 4);
        REQUIRE(session.verify_pin(PinKind::Sign, secure("NEW456")));
        CHECK(card.card().tries_left(kSignPin) == 5);
        sig = session.sign(KeyKind::Sign, digest_info_of(HashAlg::Sha256, message));
        REQUIRE(sig);
        CHECK(signature_verifies(pki.sign_der, HashAlg::Sha256, message, *sig));

        // A change with a wrong old value spends one try and changes nothing.
        sent = verifies();
        auto wrong = session.change_pin(PinKind::Auth, secure("1234"), secure("1111"));
        REQUIRE_FALSE(wrong);
        CHECK(wrong.error().code == Errc::PinIncorrect);
        CHECK(wrong.error().tries_left == 2);
        CHECK(verifies() == sent + 1);
        CHECK(card.card().tries_left(kAuthPin) == 2);

        // Kenhojo PIN 1234 -> 4321: the attributes are read with the new one only.
        REQUIRE(session.change_pin(PinKind::Kenhojo, secure("1234"), secure("4321")));
        auto refused = session.read_kenhojo(secure("1234"));
        REQUIRE_FALSE(refused);
        CHECK(refused.error().code == Errc::PinIncorrect);
        CHECK(refused.error().tries_left == 2);
        CHECK(session.pin_status(PinKind::Kenhojo)->tries_left == 2);
        auto kenhojo = session.read_kenhojo(secure("4321"));
        REQUIRE(kenhojo);
        CHECK(kenhojo->my_number == "123456789018");
        CHECK(card.card().tries_left(kKenhojoPin) == 3);
        REQUIRE(session.logout());
    }
    // The next insertion: the card holds the new values (tries restored by the accepted ones).
    REQUIRE(card.remove_card());
    REQUIRE(card.insert_card());
    auto session = open_pcsc(ctx, card.reader());
    CHECK(session.pin_status(PinKind::Auth)->tries_left == 2);
    auto sig = session.sign_with_pin(KeyKind::Auth, secure("5678"), digest_info_of(HashAlg::Sha512, message));
    REQUIRE(sig);
    CHECK(signature_verifies(pki.auth_der, HashAlg::Sha512, message, *sig));
    CHECK(card.card().tries_left(kAuthPin) == 3);
    REQUIRE(session.verify_pin(PinKind::Sign, secure("new456")));
    sig = session.sign(KeyKind::Sign, digest_info_of(HashAlg::Sha256, message));
    REQUIRE(sig);
    CHECK(signature_verifies(pki.sign_der, HashAlg::Sha256, message, *sig));
    CHECK(session.verify_pin(PinKind::Sign, secure("abc123")).error().tries_left == 4);
    CHECK(session.verify_pin(PinKind::Auth, secure("1234")).error().tries_left == 2);
}

TEST_CASE("pcsc: another application resets the card: logged out, nothing re-sent", "[jpki][pcsc][reset]")
{
    vcard::VpcdCard card;
    auto ctx = context();
    auto session = open_pcsc(ctx, card.reader());
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    const auto verifies = card.card().stats().verify_with_data;
    {
        auto other = ctx.connect(card.reader());
        REQUIRE(other);
        REQUIRE((*other)->reset(apdu::Disposition::Unpower));
    }
    auto sig = session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1, 2, 3}));
    REQUIRE_FALSE(sig);
    CHECK(sig.error().code == Errc::NotLoggedIn);
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
    CHECK(card.card().stats().verify_with_data == verifies);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    CHECK(session.sign(KeyKind::Auth, digest_info_of(HashAlg::Sha256, Bytes{1, 2, 3})));
}

TEST_CASE("pcsc: removal in the middle of a certificate read", "[jpki][pcsc][removal]")
{
    vcard::VpcdCard card;
    auto ctx = context();
    auto session = open_pcsc(ctx, card.reader());
    vcard::Faults faults;
    // Gone after the first READ BINARY of EF 000B (its first chunk) answered, before the rest:
    // the CA certificate (~1 KB) takes two reads at least. How many APDUs the whole read takes
    // depends on the card: on the default one the session also confirms the JPKI AP (EF 0006)
    // and reads the certificate again; without a Common AP (switch no-common-ap) open() read
    // the auth certificate for the identity, which proves the CA by the leaf it issued, and the
    // two reads are all.
    faults.remove_after_apdus = card.card().apdus_since_power_on() + 1;
    card.card().set_faults(faults);
    auto der = session.read_certificate(CertKind::AuthCa);
    REQUIRE_FALSE(der);
    INFO(der.error().message());
    // Depending on when pcscd notices the vanished card, the exchange in flight fails as a
    // removal or as a communication error; once pcscd knows, every call says "removed".
    const Errc code = der.error().code;
    CHECK((code == Errc::CardRemoved || code == Errc::CardAbsent || code == Errc::Transport ||
           code == Errc::CardUnresponsive));
    REQUIRE(card.link().wait_absent(card.reader(), std::chrono::seconds(5)));
    auto status = session.pin_status(PinKind::Auth);
    REQUIRE_FALSE(status);
    INFO(status.error().message());
    CHECK((status.error().code == Errc::CardRemoved || status.error().code == Errc::CardAbsent));
    card.card().set_faults({});
}

TEST_CASE("pcsc: warm start with the cache", "[jpki][pcsc][cache]")
{
    TempDir dir;
    vcard::VpcdCard card;
    auto ctx = context();
    std::uint64_t cold = 0, warm = 0;
    for (auto* count : {&cold, &warm}) {
        auto session = open_pcsc(ctx, card.reader(), options(dir.path));
        for (CertKind kind : {CertKind::Auth, CertKind::AuthCa, CertKind::SignCa}) REQUIRE(session.read_certificate(kind));
        *count = session.apdu_count();
    }
    std::cout << "[cache/pcsc] open + 3 public certificates: cold " << cold << " APDUs, warm " << warm << "\n";
    CHECK(warm < cold);
}

TEST_CASE("pcsc: a known card taken out and put back is probed with 3 APDUs", "[jpki][pcsc][cache]")
{
    // Issue 9 §4 through pcscd + vpcd: a known card in a new insertion (pcsc-lite's event
    // counter moved, the card was powered up again) is probed with SELECT JPKI + the auth
    // certificate's first chunk (its identity and the check of the cached copy) + EF 0008.
    TempDir dir;
    vcard::VpcdCard card;
    auto ctx = context();
    const auto insertion = [&]() {
        auto readers = ctx.list_readers();
        REQUIRE(readers);
        for (const auto& r : *readers)
            if (r.name == card.reader() && r.card_present) return ReaderInsertion{r.name, r.event_count};
        FAIL("no card in " << card.reader());
        return ReaderInsertion{};
    };
    SessionOptions opts = options(dir.path);
    opts.insertion = insertion();
    std::uint64_t cold = 0;
    {
        auto session = open_pcsc(ctx, card.reader(), opts);
        cold = session.apdu_count();
    }
    REQUIRE(card.remove_card());
    REQUIRE(card.insert_card());
    const auto again = insertion();
    CHECK(again.event_count != opts.insertion->event_count);
    opts.insertion = again;
    const auto before = card.card().stats();
    auto session = open_pcsc(ctx, card.reader(), opts);
    std::cout << "[known card/pcsc] open: first insertion " << cold << " APDUs, the next one " << session.apdu_count()
              << "\n";
    CHECK(session.apdu_count() == 3);
    CHECK(card.card().stats().apdus - before.apdus == 3);
    CHECK(card.card().stats().selects - before.selects == 1);
    CHECK(*session.read_certificate(CertKind::Auth) == vcard::TestPki::shared_default().auth_der);
    CHECK(session.apdu_count() == 3);
}

#ifdef MYNACARD_EXAMPLE_PATH
TEST_CASE("pcsc: the example program lists, prints subjects and signs a file", "[jpki][pcsc][example]")
{
    vcard::VpcdCard card;
    TempDir dir;
    const auto file = dir.path / "hello.txt";
    std::ofstream(file) << "hello, JPKI\n";
    const auto out = dir.path / "out.txt";
    const std::string cmd = "printf '1234\\n' | XDG_CACHE_HOME='" + dir.path.string() + "' '" MYNACARD_EXAMPLE_PATH
                            "' --reader '" + card.reader() + "' '" + file.string() + "' > '" + out.string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string text = slurp(out);
    INFO(text);
    REQUIRE(rc == 0);
    CHECK(text.find(card.reader()) != std::string::npos);
    // The card type the label names (switch label-v1: the older card's JPKIAPICCTOKEN).
    CHECK(text.find(card.card().options().token_label == "JPKIAPICCTOKEN" ? "Juki card" : "My Number card") !=
          std::string::npos);
    CHECK(text.find("auth-ca") != std::string::npos);
    const auto& pki = vcard::TestPki::shared_default();
    CHECK(text.find(Certificate::from_der(pki.auth_der)->subject_text()) != std::string::npos);
    const std::string sig_text = slurp(file.string() + ".sig");
    const Bytes sig(sig_text.begin(), sig_text.end());
    const Bytes data{'h', 'e', 'l', 'l', 'o', ',', ' ', 'J', 'P', 'K', 'I', '\n'};
    CHECK(signature_verifies(pki.auth_der, HashAlg::Sha256, data, sig));
}
#endif
