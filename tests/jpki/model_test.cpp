// Issue 9 §1/§3: one model of what the card has selected and verified. Signing works whether a
// re-SELECT of the AP keeps or ends a verification; another application's selection in between
// ends as NotLoggedIn or a correct signature, never a wrong one; every signature is checked in
// software; a second session in the same insertion disturbs nobody's login.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "cert_cache.hpp"
#include "mynacard/apdu/trace.hpp"
#include "session_fixture.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

namespace {

Bytes digest_info_of(ByteView data) { return *digest_info(HashAlg::Sha256, *hash(HashAlg::Sha256, data)); }

/// Every command the card layer sends while it lives (the APDU trace, rendered).
class Recorder {
public:
    Recorder()
    {
        apdu::trace::set_sink([this](const std::string& line) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_lines.push_back(line);
        });
    }
    ~Recorder() { apdu::trace::set_sink(nullptr); }
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Commands that are a SELECT by AID (00 A4 04 ..) since the last clear().
    std::size_t selects_by_aid()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        std::size_t n = 0;
        for (const auto& l : m_lines)
            if (l.find("00 A4 04 0C") != std::string::npos) ++n;
        return n;
    }
    void clear()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_lines.clear();
    }

private:
    std::mutex m_mutex;
    std::vector<std::string> m_lines;
};

const vcard::SelectRule kRules[] = {vcard::SelectRule::ClearAny, vcard::SelectRule::KeepSameAp,
                                    vcard::SelectRule::KeepAll};

const char* rule_name(vcard::SelectRule r)
{
    switch (r) {
    case vcard::SelectRule::ClearAny: return "reselect clears";
    case vcard::SelectRule::KeepSameAp: return "reselect keeps";
    case vcard::SelectRule::KeepAll: break;
    }
    return "keeps all";
}

/// Another application's APDU, straight to the card between two of our transactions.
void other_application(VirtualReader& reader, const char* hex)
{
    Bytes cmd;
    REQUIRE(from_hex(hex, cmd));
    const Bytes rsp = reader.card->process(cmd);
    REQUIRE(rsp.size() >= 2);
    CHECK(rsp[rsp.size() - 2] == 0x90);
}

constexpr const char* kSelectJpki = "00A4040C0AD392F000260100000001";
constexpr const char* kSelectKenhojo = "00A4040C0AD3921000310001010408";

/// Decorates a transport: corrupts (or shortens) the data of every 80 2A answer.
class TamperingTransport final : public apdu::Transport {
public:
    enum class Mode { FlipByte, DropByte };
    TamperingTransport(std::unique_ptr<apdu::Transport> inner, Mode mode) : m_inner(std::move(inner)), m_mode(mode) {}
    Result<void> begin_transaction() override { return m_inner->begin_transaction(); }
    void end_transaction(apdu::Disposition how) noexcept override { m_inner->end_transaction(how); }
    Result<Bytes> transmit(ByteView command) override
    {
        auto rsp = m_inner->transmit(command);
        if (rsp && command.size() > 1 && command[1] == 0x2A && rsp->size() > 2) {
            if (m_mode == Mode::FlipByte) {
                (*rsp)[10] ^= 0x01;
            } else {
                rsp->erase(rsp->begin());
            }
        }
        return rsp;
    }
    Result<void> reset(apdu::Disposition how) override { return m_inner->reset(how); }
    std::uint64_t reset_epoch() const noexcept override { return m_inner->reset_epoch(); }
    Bytes atr() const override { return m_inner->atr(); }
    bool extended_length() const noexcept override { return m_inner->extended_length(); }
    std::string name() const override { return m_inner->name(); }

private:
    std::unique_ptr<apdu::Transport> m_inner;
    Mode m_mode;
};

vcard::CardOptions with_rule(vcard::SelectRule rule)
{
    vcard::CardOptions o;
    o.select_rule = rule;
    return o;
}

}  // namespace

TEST_CASE("model: login, counter queries and signature send no SELECT by AID", "[jpki][model]")
{
    for (auto rule : kRules) {
        CAPTURE(rule_name(rule));
        VirtualReader reader(with_rule(rule));
        auto session = open(reader);
        Recorder trace;
        REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
        // What clients do between C_Login and C_Sign: C_GetTokenInfo on both tokens.
        const auto before = session.apdu_count();
        auto known = session.pin_status(PinKind::Auth, true);
        REQUIRE(known);
        CHECK(known->tries_left == 3);
        CHECK(session.apdu_count() == before);  // our own VERIFY set it to the maximum
        CHECK(session.pin_status(PinKind::Sign)->tries_left == 5);
        for (int i = 0; i < 3; ++i) {
            auto signature = session.sign(KeyKind::Auth, digest_info_of(Bytes{1, 2, 3}));
            REQUIRE(signature);
            CHECK(signature_verifies(*session.read_certificate(CertKind::Auth), HashAlg::Sha256, Bytes{1, 2, 3},
                                     *signature));
        }
        CHECK(trace.selects_by_aid() == 0);
        CHECK(session.logged_in(KeyKind::Auth));
    }
}

TEST_CASE("model: another application's SELECT between login and sign", "[jpki][model]")
{
    for (auto rule : kRules) {
        CAPTURE(rule_name(rule));
        VirtualReader reader(with_rule(rule));
        auto session = open(reader);
        REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
        // DYNAMIC_SECTION with the rule in its name: a plain SECTION in a loop runs in the first
        // pass only, so the other rules never reached these checks.
        DYNAMIC_SECTION("of another AP: NotLoggedIn, the login is forgotten, nothing wrong is returned; "
                        << rule_name(rule))
        {
            other_application(reader, kSelectKenhojo);
            auto r = session.sign(KeyKind::Auth, digest_info_of(Bytes{7}));
            REQUIRE_FALSE(r);
            CHECK(r.error().code == Errc::NotLoggedIn);
            CHECK_FALSE(session.logged_in(KeyKind::Auth));
            CHECK(reader.card->stats().signatures == 0);
            // A new login works, and the next operation finds the JPKI AP again.
            REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
            CHECK(session.sign(KeyKind::Auth, digest_info_of(Bytes{7})));
        }
        DYNAMIC_SECTION("of the JPKI AP again: a card that keeps the verification signs, one that drops it says so; "
                        << rule_name(rule))
        {
            other_application(reader, kSelectJpki);
            auto r = session.sign(KeyKind::Auth, digest_info_of(Bytes{7}));
            if (rule == vcard::SelectRule::ClearAny) {
                REQUIRE_FALSE(r);
                CHECK(r.error().code == Errc::NotLoggedIn);
                CHECK(r.error().sw == 0x6982);
                CHECK_FALSE(session.logged_in(KeyKind::Auth));
            } else {
                REQUIRE(r);
                CHECK(signature_verifies(*session.read_certificate(CertKind::Auth), HashAlg::Sha256, Bytes{7}, *r));
            }
        }
    }
}

TEST_CASE("model: reading the Kenhojo AP shows the JPKI logins as gone", "[jpki][model][kenhojo]")
{
    for (auto rule : kRules) {
        CAPTURE(rule_name(rule));
        VirtualReader reader(with_rule(rule));
        auto session = open(reader);
        REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
        REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
        REQUIRE(session.read_kenhojo(secure("1234")));
        // The card may have dropped them (jpki-card.md §7): no silent 6982 later.
        CHECK_FALSE(session.logged_in(KeyKind::Auth));
        CHECK_FALSE(session.logged_in(KeyKind::Sign));
        CHECK(session.sign(KeyKind::Auth, digest_info_of(Bytes{1})).error().code == Errc::NotLoggedIn);
        REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
        CHECK(session.sign(KeyKind::Auth, digest_info_of(Bytes{1})));
    }
}

TEST_CASE("model: a signature that does not verify is never returned", "[jpki][model][sign]")
{
    for (auto mode : {TamperingTransport::Mode::FlipByte, TamperingTransport::Mode::DropByte}) {
        VirtualReader reader;
        auto session = CardSession::open(std::make_unique<TamperingTransport>(reader.take(), mode), options());
        REQUIRE(session);
        REQUIRE(session->verify_pin(PinKind::Auth, secure("1234")));
        auto r = session->sign(KeyKind::Auth, digest_info_of(Bytes{5}));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::MalformedResponse);
        CHECK(reader.card->stats().signatures == 1);  // the card did sign; we refused its answer
        auto again = session->sign_with_pin(KeyKind::Auth, secure("1234"), digest_info_of(Bytes{5}));
        REQUIRE_FALSE(again);
        CHECK(again.error().code == Errc::MalformedResponse);
    }
}

TEST_CASE("model: a second session in the same insertion sends no SELECT; the first still signs",
          "[jpki][model][insertion]")
{
    TempDir dir;
    SessionOptions opts = options(dir.path);
    opts.insertion = ReaderInsertion{"Virtual reader 0", 3};
    VirtualReader reader(with_rule(vcard::SelectRule::ClearAny));
    auto first = open(reader, opts);
    REQUIRE(first.verify_pin(PinKind::Auth, secure("1234")));
    REQUIRE(first.read_certificate(CertKind::AuthCa));

    // A second process on the same card and insertion (modelled by a second transport).
    auto second_transport = std::make_unique<vcard::VirtualCardTransport>(reader.card);
    Recorder trace;
    auto second = CardSession::open(std::move(second_transport), opts);
    REQUIRE(second);
    CHECK(second->apdu_count() == 1);  // one READ BINARY of EF 000A's first chunk
    CHECK(second->info().identity.serial == first.info().identity.serial);
    CHECK(second->info().has_sign_certificate);
    CHECK(*second->read_certificate(CertKind::Auth) == vcard::TestPki::shared_default().auth_der);
    CHECK(*second->read_certificate(CertKind::AuthCa) == vcard::TestPki::shared_default().auth_ca_der);
    CHECK(second->apdu_count() == 1);  // compared in this insertion by the first session
    CHECK(second->pin_status(PinKind::Auth));
    CHECK(trace.selects_by_aid() == 0);

    // The first session's login survived the second session on the strict card.
    CHECK(first.sign(KeyKind::Auth, digest_info_of(Bytes{9})));

    SECTION("another insertion: probed in full")
    {
        SessionOptions later = opts;
        later.insertion->event_count = 5;
        auto third = CardSession::open(std::make_unique<vcard::VirtualCardTransport>(reader.card), later);
        REQUIRE(third);
        // A known card (issue 9 §4, at most 3): SELECT JPKI + the auth certificate's first
        // chunk (the identity, and the check of the cached copy) + EF 0008.
        CHECK(third->apdu_count() == 3);
        CHECK(third->info().identity.serial == first.info().identity.serial);
        CHECK(*third->read_certificate(CertKind::Auth) == vcard::TestPki::shared_default().auth_der);
        CHECK(third->apdu_count() == 3);
    }
    SECTION("another card in the same reader and insertion count (pcscd restarted): not trusted")
    {
        vcard::CardOptions other;
        other.common_serial = "ZZ9876543210987";
        vcard::PkiOptions pki_options;
        pki_options.auth_serial = 0x7101;
        VirtualReader other_reader(other, vcard::TestPki::generate(pki_options));
        auto third = CardSession::open(other_reader.take(), opts);
        REQUIRE(third);
        CHECK(third->info().identity.serial == "ZZ9876543210987");
    }
}

TEST_CASE("model: a corrupt insertion record is ignored and rewritten", "[jpki][model][insertion]")
{
    TempDir dir;
    SessionOptions opts = options(dir.path);
    opts.insertion = ReaderInsertion{"Virtual reader 0", 3};
    VirtualReader reader;
    { auto s = open(reader, opts); }
    std::filesystem::path record;
    for (const auto& e : std::filesystem::directory_iterator(dir.path))
        if (e.path().extension() == ".insertion") record = e.path();
    REQUIRE_FALSE(record.empty());
    {
        std::ofstream out(record, std::ios::trunc);
        out << "mynacard-card 1\nserial=AB0123456789012\nsource=common-ap\nbogus=1\n";
    }
    auto again = CardSession::open(std::make_unique<vcard::VirtualCardTransport>(reader.card), opts);
    REQUIRE(again);
    CHECK(again->apdu_count() > 1);  // probed in full
    auto third = CardSession::open(std::make_unique<vcard::VirtualCardTransport>(reader.card), opts);
    REQUIRE(third);
    CHECK(third->apdu_count() == 1);  // rewritten by the second session
}

TEST_CASE("model: a known card in a new insertion is probed with at most 3 APDUs", "[jpki][model][insertion]")
{
    // Issue 9 §4: "a known card (its identity read first, then the cache) is probed with at
    // most 3 APDUs", and "a cached certificate is still checked against the card".
    TempDir dir;
    const auto& pki = vcard::TestPki::shared_default();
    SessionOptions opts = options(dir.path);
    opts.insertion = ReaderInsertion{"Virtual reader 0", 3};
    vcard::CardOptions card_options = with_rule(vcard::SelectRule::ClearAny);
    card_options.has_sign_certificate = false;  // an under-15 card
    {
        VirtualReader reader(card_options);
        auto cold = open(reader, opts);
        CHECK_FALSE(cold.info().has_sign_certificate);
        REQUIRE(cold.read_certificate(CertKind::AuthCa));
    }
    opts.insertion->event_count = 5;  // taken out and put back: a power-on, nothing selected

    SECTION("the same card: SELECT JPKI, the auth certificate's first chunk, EF 0008")
    {
        VirtualReader reader(card_options);
        Recorder trace;
        auto known = open(reader, opts);
        CHECK(known.apdu_count() == 3);
        CHECK(trace.selects_by_aid() == 1);
        CHECK(reader.card->stats().read_binary == 2);
        CHECK(known.info().identity.serial == "AB0123456789012");
        CHECK(known.info().identity.source == "common-ap");
        CHECK(known.info().token_label == "JPKIAPICCTOKEN2");
        CHECK_FALSE(known.info().has_sign_certificate);
        // The auth certificate was checked by the probe; the auth CA is compared on first use.
        CHECK(*known.read_certificate(CertKind::Auth) == pki.auth_der);
        CHECK(known.apdu_count() == 3);
        CHECK(*known.read_certificate(CertKind::AuthCa) == pki.auth_ca_der);
        CHECK(known.apdu_count() == 4);
        CHECK(known.verify_pin(PinKind::Auth, secure("1234")));
        CHECK(known.sign(KeyKind::Auth, digest_info_of(Bytes{1})));
    }
    SECTION("a signing certificate issued since: EF 0008 is read in every new insertion")
    {
        vcard::CardOptions now = card_options;
        now.has_sign_certificate = true;
        VirtualReader reader(now);
        auto known = open(reader, opts);
        CHECK(known.apdu_count() == 3);
        CHECK(known.info().has_sign_certificate);
    }
    SECTION("a re-issued auth certificate on the same card is read from the card, never the cache")
    {
        vcard::PkiOptions renewed;
        renewed.auth_serial = 0x7301;
        const auto other = vcard::TestPki::generate(renewed);
        VirtualReader reader(card_options, other);
        auto session = open(reader, opts);
        CHECK(session.info().identity.serial == "AB0123456789012");
        CHECK(*session.read_certificate(CertKind::Auth) == other.auth_der);
        CHECK(session.verify_pin(PinKind::Auth, secure("1234")));
        CHECK(session.sign(KeyKind::Auth, digest_info_of(Bytes{2})));
        // Known by its new certificate from now on.
        opts.insertion->event_count = 7;
        VirtualReader again(card_options, other);
        auto known = open(again, opts);
        CHECK(known.apdu_count() == 3);
        CHECK(*known.read_certificate(CertKind::Auth) == other.auth_der);
    }
    SECTION("a damaged cached auth certificate: the card is still known, the certificate read")
    {
        const auto file = detail::CertCache(dir.path).path_for({"AB0123456789012", "common-ap"}, CertKind::Auth);
        REQUIRE(std::filesystem::exists(file));
        {
            std::ofstream out(file, std::ios::binary | std::ios::trunc);
            out << "garbage";
        }
        VirtualReader reader(card_options);
        auto session = open(reader, opts);
        CHECK(*session.read_certificate(CertKind::Auth) == pki.auth_der);
        CHECK(session.apdu_count() > 3);  // the rest of EF 000A
    }
}

TEST_CASE("model: detect_card with the insertion record sends no SELECT by AID", "[jpki][model][insertion]")
{
    // What card-cp's reader discovery and `card-cp readers` use (issue 9 §1 "Other processes"):
    // a card a session identified in this insertion is recognised with one READ BINARY.
    TempDir dir;
    SessionOptions opts = options(dir.path);
    opts.insertion = ReaderInsertion{"Virtual reader 0", 3};
    VirtualReader reader(with_rule(vcard::SelectRule::ClearAny));
    auto first = open(reader, opts);
    REQUIRE(first.verify_pin(PinKind::Auth, secure("1234")));

    vcard::VirtualCardTransport other(reader.card);
    Recorder trace;
    std::string label;
    auto before = reader.card->stats().apdus;
    auto type = detect_card(other, *opts.insertion, opts.cache, &label);
    REQUIRE(type);
    CHECK(*type == CardType::MyNumberCard);
    CHECK(label == "JPKIAPICCTOKEN2");
    CHECK(reader.card->stats().apdus - before == 1);
    CHECK(trace.selects_by_aid() == 0);
    CHECK(first.sign(KeyKind::Auth, digest_info_of(Bytes{3})));  // the login survived

    SECTION("another insertion: detected by AID")
    {
        ReaderInsertion later = *opts.insertion;
        later.event_count = 4;
        type = detect_card(other, later, opts.cache, &label);
        REQUIRE(type);
        CHECK(*type == CardType::MyNumberCard);
        CHECK(trace.selects_by_aid() == 1);
    }
    SECTION("the card shows no AP (powered off and on): detected by AID")
    {
        reader.card->power_off();
        reader.card->power_on();
        before = reader.card->stats().apdus;
        type = detect_card(other, *opts.insertion, opts.cache, &label);
        REQUIRE(type);
        CHECK(*type == CardType::MyNumberCard);
        CHECK(trace.selects_by_aid() == 1);
        CHECK(reader.card->stats().apdus - before == 1 + 2);
    }
    SECTION("no cache: detected by AID")
    {
        CacheOptions none;
        none.enabled = false;
        type = detect_card(other, *opts.insertion, none, &label);
        REQUIRE(type);
        CHECK(trace.selects_by_aid() == 1);
    }
}

TEST_CASE("model: a card whose signature uses up the verification (sign-consumes)", "[jpki][model][sign]")
{
    // jpki-card.md §7 leaves open whether each 80 2A needs a fresh VERIFY. The login is assumed
    // to survive until the card shows otherwise; the PIN is never sent again behind the caller.
    vcard::CardOptions consumes;
    consumes.sign_consumes = true;
    VirtualReader reader(consumes);
    auto session = open(reader);
    const Bytes di = digest_info_of(Bytes{9});
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    REQUIRE(session.sign(KeyKind::Auth, di));
    CHECK(session.logged_in(KeyKind::Auth));  // nothing has shown it yet
    const auto verifies = reader.card->stats().verify_with_data;
    auto second = session.sign(KeyKind::Auth, di);
    REQUIRE_FALSE(second);
    CHECK(second.error().code == Errc::NotLoggedIn);
    CHECK(second.error().sw == 0x6982);
    CHECK_FALSE(session.logged_in(KeyKind::Auth));
    CHECK(reader.card->stats().verify_with_data == verifies);  // no silent re-VERIFY
    CHECK(reader.card->stats().signatures == 1);

    // Learned: a new login signs once, and then shows the login gone before the card is asked.
    for (int i = 0; i < 2; ++i) {
        REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
        CHECK(session.logged_in(KeyKind::Auth));
        auto r = session.sign(KeyKind::Auth, di);
        REQUIRE(r);
        CHECK(signature_verifies(*session.read_certificate(CertKind::Auth), HashAlg::Sha256, Bytes{9}, *r));
        CHECK_FALSE(session.logged_in(KeyKind::Auth));
        const auto commands = reader.card->stats().sign_commands;
        CHECK(session.sign(KeyKind::Auth, di).error().code == Errc::NotLoggedIn);
        CHECK(reader.card->stats().sign_commands == commands);
    }
    CHECK(reader.card->stats().signatures == 3);
}

TEST_CASE("model: a 69 82 before any signature of the login teaches nothing", "[jpki][model][sign]")
{
    // On the strict card another application's SELECT of the JPKI AP ends our login before we
    // signed: that says nothing about signatures, so later logins still sign many times.
    vcard::CardOptions strict = with_rule(vcard::SelectRule::ClearAny);
    strict.sign_consumes = false;
    VirtualReader reader(strict);
    auto session = open(reader);
    const Bytes di = digest_info_of(Bytes{4});
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    other_application(reader, kSelectJpki);
    CHECK(session.sign(KeyKind::Auth, di).error().code == Errc::NotLoggedIn);
    REQUIRE(session.verify_pin(PinKind::Auth, secure("1234")));
    for (int i = 0; i < 3; ++i) REQUIRE(session.sign(KeyKind::Auth, di));
    CHECK(session.logged_in(KeyKind::Auth));
}
