// Fuzz target: the JPKI card layer as a whole (lib/jpki/card_session.cpp) against a hostile
// card: CardSession::open (JPKI AP, label EF 0006, presence EF 0008, Common AP identity), then
// a sequence of operations chosen by the input - certificate reads (with the cache check and
// write-back when enabled), certificate parse, PIN status, VERIFY, CHANGE REFERENCE DATA, sign,
// logout, Kenhojo read - each answered by the input (jpki-card.md §1, §5).
//
// Input: flags (1) | card answers and operation bytes, interleaved as they are consumed
// (support/fuzz_card.hpp): after open, each operation takes one byte (operation, low bits) and
// its answers follow. flags bit 0: transport offers extended length; bit 1:
// allow_extended_length; bit 2: certificate cache on (in a scratch directory emptied per input);
// bit 3: cache the signing certificate too; bit 4 (with bit 2): the cache already holds the test
// leaf as the auth certificate of card "AB12345678901CD" (the Common AP serial of the seeds),
// so the comparison of a cached entry with the card's first chunk is reached.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "../lib/jpki/cert_cache.hpp"
#include "fuzz_card.hpp"
#include "fuzz_pki.hpp"
#include "mynacard/jpki/card.hpp"
#include "mynacard/jpki/certificate.hpp"

namespace {

using namespace mynacard;

SecureBytes pin_for(jpki::PinKind kind)
{
    const char* text = kind == jpki::PinKind::Sign ? "ABC123" : "1234";
    return SecureBytes(text, text + std::char_traits<char>::length(text));
}

void check_der(const Result<Bytes>& der)
{
    if (!der) return;
    auto total = jpki::der_object_length(*der);
    if (!total || *total != der->size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const std::filesystem::path cache_dir = fuzz::scratch_dir() / "cert-cache";
    fuzz::ByteReader in(ByteView(data, size));
    const std::uint8_t flags = in.u8();

    jpki::SessionOptions options;
    options.allow_extended_length = (flags & 2) != 0;
    options.cache.enabled = (flags & 4) != 0;
    options.cache.directory = cache_dir;
    options.cache.include_sign_certificate = (flags & 8) != 0;
    std::error_code ec;
    std::filesystem::remove_all(cache_dir, ec);
    if ((flags & 0x14) == 0x14) {
        unsigned char* der = nullptr;
        const int len = i2d_X509(fuzz::fuzz_pki().leaf, &der);
        if (len <= 0) std::abort();
        const jpki::detail::CertCache cache(cache_dir);
        if (!cache.store(jpki::CardIdentity{"AB12345678901CD", "common-ap"}, jpki::CertKind::Auth,
                         ByteView(der, static_cast<std::size_t>(len))))
            std::abort();
        OPENSSL_free(der);
    }

    auto session = jpki::CardSession::open(std::make_unique<fuzz::FuzzCard>(in, (flags & 1) != 0), options);
    if (!session) return 0;
    const jpki::CardInfo& info = session->info();
    if (info.identity.serial.empty() || info.identity.serial.size() > 16) __builtin_trap();

    static const std::uint8_t kDigestInfo[] = {  // SHA-256 DigestInfo of "" (RFC 8017 §9.2)
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20, 0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95,
        0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    const ByteView digest_info(kDigestInfo, sizeof kDigestInfo);

    for (int step = 0; step < 12 && !in.empty(); ++step) {
        const std::uint8_t op = in.u8();
        const auto cert_kind = static_cast<jpki::CertKind>((op >> 4) & 3);
        const auto pin_kind = static_cast<jpki::PinKind>(((op >> 4) & 3) % 3);
        const auto key = ((op >> 4) & 1) != 0 ? jpki::KeyKind::Sign : jpki::KeyKind::Auth;
        const auto key_pin = key == jpki::KeyKind::Sign ? jpki::PinKind::Sign : jpki::PinKind::Auth;
        switch (op & 0x0F) {
        case 0:
            check_der(session->read_certificate(cert_kind));
            break;
        case 1:
            if (auto cert = session->certificate(cert_kind)) check_der(cert->der());
            break;
        case 2:
            if (auto st = session->pin_status(pin_kind); st && st->tries_left && *st->tries_left < 0) __builtin_trap();
            break;
        case 3:
            (void)session->verify_pin(pin_kind, pin_for(pin_kind));
            break;
        case 4:
            if (auto sig = session->sign(key, digest_info); sig && sig->empty()) __builtin_trap();
            break;
        case 5:
            if (auto sig = session->sign_with_pin(key, pin_for(key_pin), digest_info); sig && sig->empty())
                __builtin_trap();
            break;
        case 6:
            (void)session->logout();
            if (session->logged_in(jpki::KeyKind::Auth) || session->logged_in(jpki::KeyKind::Sign)) __builtin_trap();
            break;
        case 7:
            (void)session->read_kenhojo(pin_for(jpki::PinKind::Kenhojo));
            break;
        case 8: {
            const char* fresh = pin_kind == jpki::PinKind::Sign ? "XYZ789" : "5678";
            (void)session->change_pin(pin_kind, pin_for(pin_kind),
                                      SecureBytes(fresh, fresh + std::char_traits<char>::length(fresh)));
            break;
        }
        default:
            (void)session->apdu_count();
            break;
        }
    }
    return 0;
}
