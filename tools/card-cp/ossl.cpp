#include "ossl.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace mynacard::cli {

std::string openssl_errors()
{
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!text.empty()) text += "; ";
        text += buf;
    }
    return text.empty() ? "unknown OpenSSL error" : text;
}

const EVP_MD* evp_md(jpki::HashAlg alg) noexcept
{
    switch (alg) {
    case jpki::HashAlg::Sha1: return EVP_sha1();
    case jpki::HashAlg::Sha224: return EVP_sha224();
    case jpki::HashAlg::Sha256: return EVP_sha256();
    case jpki::HashAlg::Sha384: return EVP_sha384();
    case jpki::HashAlg::Sha512: return EVP_sha512();
    }
    return EVP_sha256();
}

jpki::HashAlg parse_hash(const std::string& name)
{
    if (name == "sha384") return jpki::HashAlg::Sha384;
    if (name == "sha512") return jpki::HashAlg::Sha512;
    return jpki::HashAlg::Sha256;
}

Result<Bytes> hash_file(const std::filesystem::path& path, jpki::HashAlg alg)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return Unexpected{Errc::Io, path.string() + ": " + std::strerror(errno)};
    EvpMdCtxPtr md(EVP_MD_CTX_new());
    if (!md || EVP_DigestInit_ex(md.get(), evp_md(alg), nullptr) != 1)
        return Unexpected{Errc::Crypto, openssl_errors()};
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto n = in.gcount();
        if (n > 0 && EVP_DigestUpdate(md.get(), buf.data(), static_cast<std::size_t>(n)) != 1)
            return Unexpected{Errc::Crypto, openssl_errors()};
    }
    if (in.bad()) return Unexpected{Errc::Io, path.string() + ": read error"};
    Bytes out(static_cast<std::size_t>(EVP_MD_get_size(evp_md(alg))));
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(md.get(), out.data(), &len) != 1) return Unexpected{Errc::Crypto, openssl_errors()};
    out.resize(len);
    return out;
}

Result<Bytes> read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return Unexpected{Errc::Io, path.string() + ": " + std::strerror(errno)};
    Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return Unexpected{Errc::Io, path.string() + ": read error"};
    return data;
}

Result<std::vector<X509Ptr>> read_certificates(const std::filesystem::path& path)
{
    MYNACARD_TRY(Bytes data, read_file(path));
    std::vector<X509Ptr> certs;
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(x);
    ERR_clear_error();  // the PEM loop ends with a "no start line" error by design
    if (certs.empty()) {
        const unsigned char* p = data.data();
        if (X509* x = d2i_X509(nullptr, &p, static_cast<long>(data.size())))
            certs.emplace_back(x);
        ERR_clear_error();
    }
    if (certs.empty()) return Unexpected{Errc::CertificateInvalid, path.string()};
    return certs;
}

}  // namespace mynacard::cli
