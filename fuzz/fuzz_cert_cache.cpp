// Fuzz target: the certificate-cache entry decoder (lib/jpki/cert_cache.cpp), which reads
// files from the user's cache directory (jpki-card.md §5 "Caching").
//
// Input: mode (1) | payload. Low 2 bits of mode: the certificate kind asked for.
//   mode >> 4 == 0: payload is a cache file, decoded for a fixed card identity;
//   mode >> 4 == 1: payload is DER; encode() then decode() must give it back exactly when it
//                   is one certificate, and CacheInvalid otherwise;
//   mode >> 4 == 2: payload[0] picks a byte of encode(payload[1..]) to flip; decode must refuse.
#include <cstddef>
#include <cstdint>

#include "../lib/jpki/cert_cache.hpp"
#include "fuzz_input.hpp"
#include "mynacard/jpki/certificate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mynacard;
    using jpki::detail::CertCache;
    static const jpki::CardIdentity kIdentity{"FUZZ0123456789A", "common-ap"};  // make_seeds.py

    fuzz::ByteReader in(ByteView(data, size));
    const std::uint8_t mode = in.u8();
    const auto kind = static_cast<jpki::CertKind>(mode & 3);
    switch (mode >> 4) {
    case 0: {
        auto der = CertCache::decode(in.rest(), kIdentity, kind);
        if (der && !jpki::Certificate::from_der(*der)) __builtin_trap();
        if (!der && der.error().code != Errc::CacheInvalid) __builtin_trap();
        break;
    }
    case 1: {
        const ByteView der = in.rest();
        const Bytes file = CertCache::encode(kIdentity, kind, der);
        auto back = CertCache::decode(file, kIdentity, kind);
        const bool is_cert = jpki::Certificate::from_der(der).has_value();
        if (back.has_value() != is_cert) __builtin_trap();
        if (back && (back->size() != der.size() || !std::equal(back->begin(), back->end(), der.begin())))
            __builtin_trap();
        // Another kind or another card never accepts the entry.
        const auto other_kind = static_cast<jpki::CertKind>((mode + 1) & 3);
        if (CertCache::decode(file, kIdentity, other_kind)) __builtin_trap();
        if (CertCache::decode(file, jpki::CardIdentity{"FUZZ0123456789B", "common-ap"}, kind)) __builtin_trap();
        break;
    }
    case 2: {
        const std::uint8_t pick = in.u8();
        const std::uint8_t flip = static_cast<std::uint8_t>(in.u8() | 1);
        Bytes file = CertCache::encode(kIdentity, kind, in.rest());
        file[pick % file.size()] ^= flip;
        if (CertCache::decode(file, kIdentity, kind)) __builtin_trap();
        break;
    }
    default:
        break;
    }
    return 0;
}
