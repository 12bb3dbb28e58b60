// The exact APDUs of the JPKI layer against scripts: READ BINARY rules (jpki-card.md §1.4-§1.5)
// and the open() sequence (§1.2, §1.4, §1.14).
#include <catch2/catch.hpp>

#include "card_io.hpp"
#include "mynacard/jpki/card.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "scripted_transport.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using mynacard::test::ScriptedTransport;

namespace {

/// A fake DER object of `total` bytes (30 82 LL LL + pattern), followed by `filler` FF bytes.
Bytes der_object(std::size_t total, std::size_t filler = 0)
{
    Bytes out{0x30, 0x82, static_cast<std::uint8_t>((total - 4) >> 8), static_cast<std::uint8_t>(total - 4)};
    for (std::size_t i = 4; i < total; ++i) out.push_back(static_cast<std::uint8_t>(i * 7));
    out.insert(out.end(), filler, 0xFF);
    return out;
}

std::string slice_hex(const Bytes& b, std::size_t from, std::size_t n, const char* sw)
{
    return to_hex(ByteView(b).subspan(from, n)) + sw;
}

Result<Bytes> read(ScriptedTransport& card, bool* extended = nullptr)
{
    auto tx = apdu::Transaction::begin(card);
    REQUIRE(tx);
    return detail::read_object(*tx, der_object_length, {extended, {}});
}

}  // namespace

TEST_CASE("read_object: 256-byte short reads, filler dropped", "[jpki][read]")
{
    const Bytes ef = der_object(600, 100);
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", slice_hex(ef, 0, 256, "9000"))
        .expect("00 B0 01 00 00", slice_hex(ef, 256, 256, "9000"))
        .expect("00 B0 02 00 58", slice_hex(ef, 512, 88, "9000"));
    auto der = read(card);
    REQUIRE(der);
    CHECK(*der == Bytes(ef.begin(), ef.begin() + 600));
    CHECK(card.finished());
}

TEST_CASE("read_object: short answers, 6282 at the end", "[jpki][read]")
{
    const Bytes ef = der_object(304);
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", slice_hex(ef, 0, 256, "9000"))
        .expect("00 B0 01 00 30", slice_hex(ef, 256, 20, "9000"))      // the card gives less
        .expect("00 B0 01 14 1C", slice_hex(ef, 276, 28, "6282"));     // end-of-file warning
    auto der = read(card);
    REQUIRE(der);
    CHECK(*der == ef);
    CHECK(card.finished());
}

TEST_CASE("read_object: a small object in one answer with 6282", "[jpki][read]")
{
    const Bytes ef = der_object(80, 20);
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", slice_hex(ef, 0, 100, "6282"));
    auto der = read(card);
    REQUIRE(der);
    CHECK(der->size() == 80);
    CHECK(card.finished());
}

TEST_CASE("read_object: an EF shorter than its header is an error", "[jpki][read]")
{
    const Bytes ef = der_object(600);
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", slice_hex(ef, 0, 256, "9000"))
        .expect("00 B0 01 00 00", "6B00");
    auto der = read(card);
    REQUIRE_FALSE(der);
    CHECK(der.error().code == Errc::MalformedResponse);
    CHECK(card.finished());
}

TEST_CASE("read_object: a first read refused with 6700 retries a header-sized read", "[jpki][read]")
{
    const Bytes ef = der_object(12);
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", "6700").expect("00 B0 00 00 08", slice_hex(ef, 0, 8, "9000"))
        .expect("00 B0 00 08 04", slice_hex(ef, 8, 4, "9000"));
    auto der = read(card);
    REQUIRE(der);
    CHECK(*der == ef);
    CHECK(card.finished());
}

TEST_CASE("read_object: a small EF whose card answers 6B00 to Le=256", "[jpki][read]")
{
    const Bytes ef = der_object(17);
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", "6B00").expect("00 B0 00 00 08", slice_hex(ef, 0, 8, "9000"))
        .expect("00 B0 00 08 09", slice_hex(ef, 8, 9, "9000"));
    auto der = read(card);
    REQUIRE(der);
    CHECK(*der == ef);
    CHECK(card.finished());
}

TEST_CASE("read_object: 6982 is passed up for the caller to map", "[jpki][read]")
{
    ScriptedTransport card;
    card.expect("00 B0 00 00 00", "6982");
    auto der = read(card);
    REQUIRE_FALSE(der);
    CHECK(der.error().code == Errc::SecurityStatusNotSatisfied);
    CHECK(der.error().sw == 0x6982);
}

TEST_CASE("read_object: one extended read for the rest when allowed", "[jpki][read][extended]")
{
    const Bytes ef = der_object(1300);
    ScriptedTransport card;
    card.set_extended_length(true);
    card.expect("00 B0 00 00 00", slice_hex(ef, 0, 256, "9000"))
        .expect("00 B0 01 00 00 04 14", slice_hex(ef, 256, 1044, "9000"));
    bool extended = true;
    auto der = read(card, &extended);
    REQUIRE(der);
    CHECK(*der == ef);
    CHECK(extended);
    CHECK(card.finished());
}

TEST_CASE("read_object: falls back to short reads when the extended read is refused", "[jpki][read][extended]")
{
    const Bytes ef = der_object(600);
    SECTION("6700 from the card")
    {
        ScriptedTransport card;
        card.set_extended_length(true);
        card.expect("00 B0 00 00 00", slice_hex(ef, 0, 256, "9000"))
            .expect("00 B0 01 00 00 01 58", "6700")
            .expect("00 B0 01 00 00", slice_hex(ef, 256, 256, "9000"))
            .expect("00 B0 02 00 58", slice_hex(ef, 512, 88, "9000"));
        bool extended = true;
        auto der = read(card, &extended);
        REQUIRE(der);
        CHECK(*der == ef);
        CHECK_FALSE(extended);  // not tried again for the next object
        CHECK(card.finished());
    }
    SECTION("a reader that fails the exchange")
    {
        ScriptedTransport card;
        card.set_extended_length(true);
        card.expect("00 B0 00 00 00", slice_hex(ef, 0, 256, "9000"))
            .expect_error("00 B0 01 00 00 01 58", Error(Errc::Transport, "SCardTransmit: insufficient buffer"))
            .expect("00 B0 01 00 00", slice_hex(ef, 256, 256, "9000"))
            .expect("00 B0 02 00 58", slice_hex(ef, 512, 88, "9000"));
        bool extended = true;
        auto der = read(card, &extended);
        REQUIRE(der);
        CHECK(*der == ef);
        CHECK(card.finished());
    }
    SECTION("but not when the card is gone")
    {
        ScriptedTransport card;
        card.set_extended_length(true);
        card.expect("00 B0 00 00 00", slice_hex(ef, 0, 256, "9000"))
            .expect_error("00 B0 01 00 00 01 58", Error(Errc::CardRemoved, "removed"));
        bool extended = true;
        auto der = read(card, &extended);
        REQUIRE_FALSE(der);
        CHECK(der.error().code == Errc::CardRemoved);
        CHECK(card.finished());
    }
}

namespace {

constexpr const char* kSelectJpki = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
constexpr const char* kSelectCommon = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00";
// The PIN-less RSA-PSS probe at the end of a new card's open (issue 9 §3, jpki-card.md §1.7):
// the auth key EF, then 80 2A 04 80 over SHA-256("mynacard RSA-PSS probe"), no SELECT by AID.
constexpr const char* kSelectSignKey = "00 A4 02 0C 02 00 1A";
constexpr const char* kPssProbe = "80 2A 04 80 20 68 E4 91 0E AF 92 71 DE 79 09 A6 74 A3 2D 4A EA"
                                  " F1 92 4F 6D CD E9 A0 71 9B 3C 50 DA D0 48 30 03 00";

/// How every open of a new card begins (issue 9 §4: the identity first): SELECT of the Common AP,
/// its record 01 (tag 01, length 1C: `content`, 28 characters), then SELECT of the JPKI AP.
ScriptedTransport& expect_identity_then_jpki(ScriptedTransport& script, std::string_view content)
{
    Bytes record{0x01, 0x1C};
    for (char c : content) record.push_back(static_cast<std::uint8_t>(c));
    return script.expect(kSelectCommon, "9000")
        .expect("00 B2 01 0C 00", to_hex(record) + "9000")
        .expect(kSelectJpki, "9000");
}

std::string label_hex(std::string_view label)
{
    Bytes b(label.begin(), label.end());
    b.resize(32, ' ');
    return to_hex(b) + "9000";
}

/// Lets a session own a transport while the test keeps the script (open() destroys its
/// transport when it fails).
class Borrowed final : public apdu::Transport {
public:
    explicit Borrowed(ScriptedTransport& inner) : m_inner(inner) {}
    Result<void> begin_transaction() override { return m_inner.begin_transaction(); }
    void end_transaction(apdu::Disposition how) noexcept override { m_inner.end_transaction(how); }
    Result<Bytes> transmit(ByteView command) override { return m_inner.transmit(command); }
    Result<void> reset(apdu::Disposition how) override { return m_inner.reset(how); }
    std::uint64_t reset_epoch() const noexcept override { return m_inner.reset_epoch(); }
    Bytes atr() const override { return m_inner.atr(); }
    bool extended_length() const noexcept override { return m_inner.extended_length(); }
    std::string name() const override { return m_inner.name(); }

private:
    ScriptedTransport& m_inner;
};

SessionOptions no_cache()
{
    SessionOptions o;
    o.cache.enabled = false;
    return o;
}

}  // namespace

TEST_CASE("open: the APDU sequence (identity first, then detect and presence, no re-select)", "[jpki][open]")
{
    // Issue 9 §4: the identity comes first (it names what the cache knows about the card), the
    // JPKI AP is selected once and stays selected, and EF 0006 / EF 0008 are read with a short
    // EF identifier (jpki-card.md §1.5), one APDU each instead of SELECT EF + READ BINARY.
    auto card = std::make_unique<ScriptedTransport>();
    auto& script = *card;
    expect_identity_then_jpki(script, "AB012345678901213101" "20351231")
        .expect("00 B0 86 00 20", label_hex("JPKIAPICCTOKEN2"))
        .expect("00 B0 88 00 03", "00 8F 00 9000");
    // No signing certificate: no EF 0001 to show a PIN unverified, so the RSASSA-PSS probe
    // waits for our own auth signature (learn_pss_after_signature).
    auto session = CardSession::open(std::move(card), no_cache());
    REQUIRE(session);
    CHECK(session->info().pss == SchemeSupport::Unknown);
    CHECK(session->info().type == CardType::MyNumberCard);
    CHECK(session->info().token_label == "JPKIAPICCTOKEN2");
    CHECK(session->info().identity.serial == "AB0123456789012");
    CHECK(session->info().identity.source == "common-ap");
    CHECK_FALSE(session->info().has_sign_certificate);
    CHECK(session->info().has_auth_certificate);
    CHECK(session->apdu_count() == 5);
    CHECK(script.finished());
    CHECK(script.transactions_begun() == 1);
    CHECK(script.transactions_ended() == 1);

    // No sign key on this card: refused before any APDU.
    CHECK(session->sign(KeyKind::Sign, Bytes(51, 1)).error().code == Errc::NoSuchKey);
    CHECK(session->read_certificate(CertKind::Sign).error().code == Errc::NoSuchKey);
    CHECK(script.sent().size() == 5);
}

TEST_CASE("open: the PSS probe goes to the sign key once EF 0001 shows the password unverified", "[jpki][open][pss]")
{
    // Issue 9 §3 without spending a login: READ BINARY of EF 0001 answers 6982 without the
    // sign password (jpki-card.md §1.3), so inside this transaction the sign key is unverified
    // and the probe can only meet 6982 or 6A86; it signs nothing, whatever the card keeps.
    for (const char* answer : {"6982", "6A86"}) {
        CAPTURE(answer);
        auto card = std::make_unique<ScriptedTransport>();
        auto& script = *card;
        expect_identity_then_jpki(script, "AB012345678901213101" "20351231")
            .expect("00 B0 86 00 20", label_hex("JPKIAPICCTOKEN2"))
            .expect("00 B0 88 00 03", "8F 8F 00 9000")
            .expect("00 B0 81 00 01", "6982")  // one byte of EF 0001 by short EF identifier
            .expect(kSelectSignKey, "9000")
            .expect(kPssProbe, answer);
        auto session = CardSession::open(std::move(card), no_cache());
        REQUIRE(session);
        CHECK(session->info().pss == (std::string_view(answer) == "6982" ? SchemeSupport::Yes : SchemeSupport::No));
        CHECK(session->apdu_count() == 8);
        CHECK(script.finished());
    }
}

TEST_CASE("open: with the sign password verified elsewhere there is no PSS probe", "[jpki][open][pss]")
{
    // EF 0001 reads: another application holds the password. A probe now could sign with it
    // (and, on a card whose signatures use up the verification, end that login): none is sent.
    auto card = std::make_unique<ScriptedTransport>();
    auto& script = *card;
    expect_identity_then_jpki(script, "AB012345678901213101" "20351231")
        .expect("00 B0 86 00 20", label_hex("JPKIAPICCTOKEN2"))
        .expect("00 B0 88 00 03", "8F 8F 00 9000")
        .expect("00 B0 81 00 01", "30 9000");
    auto session = CardSession::open(std::move(card), no_cache());
    REQUIRE(session);
    CHECK(session->info().pss == SchemeSupport::Unknown);
    CHECK(session->apdu_count() == 6);
    CHECK(script.finished());
}

TEST_CASE("open: a card that refuses short EF identifiers is read with SELECT EF, and remembered", "[jpki][open]")
{
    auto card = std::make_unique<ScriptedTransport>();
    auto& script = *card;
    expect_identity_then_jpki(script, "AB012345678901213101" "20351231")
        .expect("00 B0 86 00 20", "6A86")
        .expect("00 A4 02 0C 02 00 06", "9000")
        .expect("00 B0 00 00 20", label_hex("JPKIAPICCTOKEN2"))
        // From here on, no short EF identifier is tried.
        .expect("00 A4 02 0C 02 00 08", "9000")
        .expect("00 B0 00 00 03", "8F 8F 00 9000")
        .expect("00 A4 02 0C 02 00 01", "9000")  // EF 0001 shows the sign password unverified
        .expect("00 B0 00 00 01", "6982")
        .expect(kSelectSignKey, "9000")
        .expect(kPssProbe, "6A86");  // no such scheme on this card
    auto session = CardSession::open(std::move(card), no_cache());
    REQUIRE(session);
    CHECK(session->info().pss == SchemeSupport::No);
    CHECK(session->info().has_sign_certificate);
    CHECK(script.finished());
}

TEST_CASE("open: without EF 0008, an absent EF 0001 means no signing certificate", "[jpki][open]")
{
    auto card = std::make_unique<ScriptedTransport>();
    auto& script = *card;
    expect_identity_then_jpki(script, "XY012345678901213101" "20351231")
        .expect("00 B0 86 00 20", label_hex("JPKIAPICCTOKEN2"))
        .expect("00 B0 88 00 03", "6A82")
        .expect("00 A4 02 0C 02 00 08", "6A82")
        .expect("00 A4 02 0C 02 00 01", "6A82");
    // No signing certificate: the PSS probe waits for our own auth signature.
    auto session = CardSession::open(std::move(card), no_cache());
    REQUIRE(session);
    CHECK(session->info().pss == SchemeSupport::Unknown);
    CHECK_FALSE(session->info().has_sign_certificate);
    CHECK(session->info().identity.serial == "XY0123456789012");
    CHECK(script.finished());
}

TEST_CASE("open: other labels are NotSupported with the label in the context", "[jpki][open]")
{
    for (const char* label : {"JPKIAPIOSTOKEN", "JPKIAPGPSETOKEN", "SOMETHINGELSE"}) {
        CAPTURE(label);
        ScriptedTransport script;
        script.expect(kSelectCommon, "6A82")
            .expect(kSelectJpki, "9000")
            .expect("00 B0 86 00 20", label_hex(label));
        auto session = CardSession::open(std::make_unique<Borrowed>(script), no_cache());
        REQUIRE_FALSE(session);
        CHECK(session.error().code == Errc::NotSupported);
        CHECK(session.error().context.find(label) != std::string::npos);
        CHECK(script.finished());
    }
    auto card = std::make_unique<ScriptedTransport>();
    card->expect(kSelectCommon, "6A82").expect(kSelectJpki, "6A82");
    auto session = CardSession::open(std::move(card), no_cache());
    REQUIRE_FALSE(session);
    CHECK(session.error().code == Errc::NotSupported);
}

TEST_CASE("detect_card: by application, the label decides", "[jpki][open]")
{
    ScriptedTransport card;
    card.expect(kSelectJpki, "9000").expect("00 B0 86 00 20", label_hex("JPKIAPICCTOKEN"));
    std::string label;
    auto type = detect_card(card, &label);
    REQUIRE(type);
    CHECK(*type == CardType::JukiCard);
    CHECK(label == "JPKIAPICCTOKEN");
    ScriptedTransport none;
    none.expect(kSelectJpki, "6A82");
    CHECK(*detect_card(none) == CardType::Unknown);
}
