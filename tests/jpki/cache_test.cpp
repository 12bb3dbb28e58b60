// The on-disk certificate cache: keyed by the card identity, checked against the card before use,
// private permissions, tamper detection, opt-in signing certificate, and what a warm start saves.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include <sys/stat.h>

#include "cert_cache.hpp"
#include "session_fixture.hpp"

using namespace mynacard;
using namespace mynacard::jpki;
using namespace mynacard::jpki::testing;

namespace {

const CertKind kPublic[] = {CertKind::Auth, CertKind::AuthCa, CertKind::SignCa};

const vcard::TestPki& other_pki()
{
    static const vcard::TestPki pki = [] {
        vcard::PkiOptions o;
        o.auth_serial = 0x7001;
        o.sign_serial = 0x7002;
        return vcard::TestPki::generate(o);
    }();
    return pki;
}

/// open() + all public certificates; returns the session's APDU count.
std::uint64_t open_and_read_public(VirtualReader& reader, const SessionOptions& opts, const vcard::TestPki& pki)
{
    auto session = open(reader, opts);
    CHECK(*session.read_certificate(CertKind::Auth) == pki.auth_der);
    CHECK(*session.read_certificate(CertKind::AuthCa) == pki.auth_ca_der);
    CHECK(*session.read_certificate(CertKind::SignCa) == pki.sign_ca_der);
    return session.apdu_count();
}

unsigned mode_of(const std::filesystem::path& p)
{
    struct stat st{};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

Bytes read_file(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::filesystem::path& p, const Bytes& b)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEST_CASE("cache: a warm start saves APDUs; files are private", "[jpki][cache]")
{
    TempDir dir;
    const auto cache_dir = dir.path / "mynacard";
    const auto& pki = vcard::TestPki::shared_default();
    for (bool extended : {false, true}) {
        CAPTURE(extended);
        std::filesystem::remove_all(cache_dir);
        vcard::CardOptions card_options;
        card_options.support_extended_length = extended;

        VirtualReader cold_reader(card_options);
        const auto cold = open_and_read_public(cold_reader, options(cache_dir), pki);
        VirtualReader warm_reader(card_options);
        const auto warm = open_and_read_public(warm_reader, options(cache_dir), pki);
        VirtualReader nocache_reader(card_options);
        const auto uncached = open_and_read_public(nocache_reader, options(), pki);

        std::cout << "[cache] " << (extended ? "extended" : "short") << " reads: open + 3 public certificates: cold "
                  << cold << " APDUs (" << cold_reader.card->stats().read_binary << " READ BINARY), warm " << warm
                  << " APDUs (" << warm_reader.card->stats().read_binary << " READ BINARY), no cache " << uncached
                  << "\n";
        // The cache never costs an APDU; cold it saves the label check a separate read of the
        // auth certificate needs (open() reads it while the JPKI AP is confirmed).
        CHECK(cold + 1 == uncached);
        CHECK(warm < cold);
        // A known card (identity first, then the cache): SELECT JPKI + the auth certificate's
        // first chunk (the identity, which also checks the cached auth certificate) + EF 0008
        // (which certificates are issued may change); then one READ BINARY (short EF
        // identifier, first chunk) per other cached certificate, compared with the cache;
        // nothing more.
        CHECK(warm == 3 + 2 * 1);
        CHECK(warm_reader.card->stats().read_binary == 2 + 2);
    }
    CHECK(mode_of(cache_dir) == 0700);
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(cache_dir)) {
        ++files;
        CHECK(mode_of(entry.path()) == 0600);
        CHECK(entry.path().filename().string().find("tmp") == std::string::npos);
    }
    // auth, auth-ca, sign-ca (the signing certificate is not cached by default), the card's
    // facts record (label, presence; card_record.hpp) and the same facts under its auth
    // certificate's first chunk (how a known card is recognised in a new insertion)
    CHECK(files == 5);
}

TEST_CASE("cache: another card is never served this card's data", "[jpki][cache]")
{
    TempDir dir;
    const auto& first = vcard::TestPki::shared_default();
    const auto& second = other_pki();
    VirtualReader a;
    open_and_read_public(a, options(dir.path), first);

    SECTION("a different identity")
    {
        vcard::CardOptions card_options;
        card_options.common_serial = "ZZ9876543210987";
        VirtualReader b(card_options, second);
        open_and_read_public(b, options(dir.path), second);
    }
    SECTION("the same identity with other certificates (renewed on the same card)")
    {
        VirtualReader b({}, second);
        open_and_read_public(b, options(dir.path), second);
        // The stale entries were replaced: a third session is warm again with the new data.
        VirtualReader c({}, second);
        const auto warm = open_and_read_public(c, options(dir.path), second);
        CHECK(warm == 3 + 2 * 1);
    }
}

TEST_CASE("cache: a tampered or corrupt file is rejected and rewritten", "[jpki][cache]")
{
    TempDir dir;
    const auto& pki = vcard::TestPki::shared_default();
    VirtualReader a;
    open_and_read_public(a, options(dir.path), pki);
    const detail::CertCache cache(dir.path);
    const CardIdentity id{"AB0123456789012", "common-ap"};
    const auto file = cache.path_for(id, CertKind::Auth);
    REQUIRE(std::filesystem::exists(file));

    SECTION("one flipped bit in the certificate")
    {
        Bytes content = read_file(file);
        content[content.size() - 10] ^= 0x04;
        write_file(file, content);
    }
    SECTION("a consistent entry holding another certificate")
    {
        write_file(file, detail::CertCache::encode(id, CertKind::Auth, other_pki().auth_der));
    }
    SECTION("garbage")
    {
        write_file(file, Bytes(100, 0x41));
    }
    ::chmod(file.c_str(), 0600);
    VirtualReader b;
    open_and_read_public(b, options(dir.path), pki);
    auto reread = cache.load(id, CertKind::Auth);
    REQUIRE(reread);
    REQUIRE(*reread);
    CHECK(**reread == pki.auth_der);
}

TEST_CASE("cache: a file with group/other access is not trusted", "[jpki][cache]")
{
    TempDir dir;
    const auto& pki = vcard::TestPki::shared_default();
    VirtualReader a;
    open_and_read_public(a, options(dir.path), pki);
    const detail::CertCache cache(dir.path);
    const CardIdentity id{"AB0123456789012", "common-ap"};
    ::chmod(cache.path_for(id, CertKind::AuthCa).c_str(), 0644);
    CHECK(cache.load(id, CertKind::AuthCa).error().code == Errc::CacheInvalid);
    VirtualReader b;
    open_and_read_public(b, options(dir.path), pki);
    CHECK(mode_of(cache.path_for(id, CertKind::AuthCa)) == 0600);
}

TEST_CASE("cache: the signing certificate only when enabled, after the password", "[jpki][cache]")
{
    TempDir dir;
    const auto& pki = vcard::TestPki::shared_default();
    const detail::CertCache cache(dir.path);
    const CardIdentity id{"AB0123456789012", "common-ap"};
    const auto sign_file = cache.path_for(id, CertKind::Sign);

    {  // default: never written
        VirtualReader reader;
        auto session = open(reader, options(dir.path));
        REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
        REQUIRE(session.read_certificate(CertKind::Sign));
        CHECK_FALSE(std::filesystem::exists(sign_file));
    }
    SessionOptions opt_in = options(dir.path);
    opt_in.cache.include_sign_certificate = true;
    // The insertion (reader + pcsc-lite event counter): the cached signing certificate can be
    // compared with the card only after the password (EF 0001, jpki-card.md §1.4), so before
    // login it is served only within the insertion in which a session compared it (issue 9 §4:
    // a certificate renewed after a house move must never come from the cache).
    SessionOptions same_insertion = opt_in;
    same_insertion.insertion = ReaderInsertion{"Virtual reader 0", 7};
    VirtualReader inserted;  // one card, left in its reader for the next two sessions
    {  // enabled: not before the password (the card refuses), written after it
        VirtualReader& reader = inserted;
        auto session = open(reader, same_insertion);
        CHECK(session.read_certificate(CertKind::Sign).error().code == Errc::NotLoggedIn);
        CHECK_FALSE(std::filesystem::exists(sign_file));
        REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
        REQUIRE(*session.read_certificate(CertKind::Sign) == pki.sign_der);
        REQUIRE(std::filesystem::exists(sign_file));
        CHECK(mode_of(sign_file) == 0600);
    }
    {  // the same insertion, another session (another process, with the card as the first one
       // left it, powered off by its logout): available before login, no password sent
        const auto before = inserted.card->stats();
        auto s = CardSession::open(std::make_unique<vcard::VirtualCardTransport>(inserted.card), same_insertion);
        REQUIRE(s);
        CHECK(*s->read_certificate(CertKind::Sign) == pki.sign_der);
        CHECK(inserted.card->stats().verify_with_data == before.verify_with_data);
    }
    {  // another insertion (the card may have been to the municipal office): not before login
        VirtualReader reader;
        SessionOptions next = opt_in;
        next.insertion = ReaderInsertion{"Virtual reader 0", 9};
        auto session = open(reader, next);
        CHECK(session.read_certificate(CertKind::Sign).error().code == Errc::NotLoggedIn);
        REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
        CHECK(*session.read_certificate(CertKind::Sign) == pki.sign_der);
    }
    {  // a card with the same identity but other certificates, in a new insertion: after the
       // password the card's certificate replaces the cached one
        VirtualReader reader({}, other_pki());
        SessionOptions next = opt_in;
        next.insertion = ReaderInsertion{"Virtual reader 0", 11};
        auto session = open(reader, next);
        CHECK(session.read_certificate(CertKind::Sign).error().code == Errc::NotLoggedIn);
        REQUIRE(session.verify_pin(PinKind::Sign, secure("ABC123")));
        CHECK(*session.read_certificate(CertKind::Sign) == other_pki().sign_der);
    }
    {  // without the opt-in the cached copy is ignored
        VirtualReader reader;
        auto session = open(reader, options(dir.path));
        CHECK(session.read_certificate(CertKind::Sign).error().code == Errc::NotLoggedIn);
    }
}

TEST_CASE("cache: default directory under $XDG_CACHE_HOME", "[jpki][cache]")
{
    TempDir dir;
    const char* old = std::getenv("XDG_CACHE_HOME");
    const std::string saved = old ? old : "";
    ::setenv("XDG_CACHE_HOME", dir.path.c_str(), 1);
    CHECK(detail::CertCache::default_directory() == dir.path / "mynacard");
    {
        VirtualReader reader;
        SessionOptions opts;  // cache on, default directory
        auto session = open(reader, opts);
        REQUIRE(session.read_certificate(CertKind::AuthCa));
    }
    if (old) {
        ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
    } else {
        ::unsetenv("XDG_CACHE_HOME");
    }
    CHECK(std::filesystem::exists(dir.path / "mynacard"));
    CHECK(mode_of(dir.path / "mynacard") == 0700);
    // The auth certificate (read at open), the auth CA, the card's facts record and the same
    // facts under the auth certificate's first chunk.
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path / "mynacard"),
                        std::filesystem::directory_iterator{}) == 4);
}
