// Helpers for CardSession tests over the virtual card.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "mynacard/jpki/card.hpp"
#include "mynacard/jpki/digest.hpp"
#include "virtual_card.hpp"

namespace mynacard::jpki::testing {

/// A virtual card plus the transport a session will own; the raw pointer stays valid while the
/// session lives (for remove()/external_reset()).
struct VirtualReader {
    std::shared_ptr<vcard::VirtualJpkiCard> card;
    vcard::VirtualCardTransport* transport = nullptr;
    std::unique_ptr<vcard::VirtualCardTransport> owned;

    explicit VirtualReader(vcard::CardOptions options = {},
                           const vcard::TestPki& pki = vcard::TestPki::shared_default());
    /// Hands the transport to a session (once).
    std::unique_ptr<apdu::Transport> take();
};

/// No cache (tests never touch the user's cache directory) unless a directory is given.
SessionOptions options(const std::filesystem::path& cache_dir = {});

/// Opens a session on `reader` (REQUIREs success).
CardSession open(VirtualReader& reader, const SessionOptions& opts = options());

SecureBytes secure(std::string_view s);

/// A fresh private directory, removed by the destructor.
struct TempDir {
    std::filesystem::path path;
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

/// OpenSSL check of an RSA PKCS#1 v1.5 signature of `data` hashed with `alg`, against the
/// public key of the certificate `cert_der`.
bool signature_verifies(const Bytes& cert_der, HashAlg alg, ByteView data, ByteView signature);

}  // namespace mynacard::jpki::testing
