#include "session_fixture.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mynacard/jpki/certificate.hpp"

namespace mynacard::jpki::testing {

VirtualReader::VirtualReader(vcard::CardOptions options, const vcard::TestPki& pki)
    : card(std::make_shared<vcard::VirtualJpkiCard>(pki, std::move(options))),
      owned(std::make_unique<vcard::VirtualCardTransport>(card))
{
    transport = owned.get();
}

std::unique_ptr<apdu::Transport> VirtualReader::take()
{
    REQUIRE(owned);
    return std::move(owned);
}

SessionOptions options(const std::filesystem::path& cache_dir)
{
    SessionOptions o;
    o.cache.enabled = !cache_dir.empty();
    if (!cache_dir.empty()) o.cache.directory = cache_dir;
    return o;
}

CardSession open(VirtualReader& reader, const SessionOptions& opts)
{
    auto session = CardSession::open(reader.take(), opts);
    if (!session) FAIL("open: " << session.error().message());
    return std::move(session).value();
}

SecureBytes secure(std::string_view s) { return SecureBytes(s.begin(), s.end()); }

TempDir::TempDir()
{
    std::string tmpl = (std::filesystem::temp_directory_path() / "mynacard-jpki-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

bool signature_verifies(const Bytes& cert_der, HashAlg alg, ByteView data, ByteView signature)
{
    auto cert = Certificate::from_der(cert_der);
    if (!cert) return false;
    EVP_PKEY* key = X509_get0_pubkey(cert->native());
    const EVP_MD* md = EVP_get_digestbyname(to_string(alg));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = key && md && ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx, signature.data(), signature.size(), data.data(), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

}  // namespace mynacard::jpki::testing
