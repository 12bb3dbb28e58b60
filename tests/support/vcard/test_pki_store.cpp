// TestPki on disk (save/load) and the per-process shared default. Layout of a PKI directory:
// <name>.der (DER certificate), <name>.pem (same certificate, PEM), <name>.key.pem (PKCS#8 private
// key) for name in auth_ca, sign_ca, auth, sign. Other tools (openssl, the vcard program, shell
// tests) read these files directly.
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <system_error>

#include <unistd.h>

#include "ossl_util.hpp"
#include "test_pki.hpp"

namespace mynacard::vcard {
namespace {

namespace fs = std::filesystem;

struct Entry {
    const char* name;
    Bytes TestPki::*der;
    KeyPairPem TestPki::*key;
};

constexpr Entry kEntries[] = {
    {"auth_ca", &TestPki::auth_ca_der, &TestPki::auth_ca_key},
    {"sign_ca", &TestPki::sign_ca_der, &TestPki::sign_ca_key},
    {"auth", &TestPki::auth_der, &TestPki::auth_key},
    {"sign", &TestPki::sign_der, &TestPki::sign_key},
};

void write_file(const fs::path& path, const std::string& data)
{
    // Write then rename, so a concurrent reader never sees half a file.
    const fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!out) throw std::runtime_error("TestPki: cannot write " + tmp.string());
    }
    fs::rename(tmp, path);
}

std::optional<std::string> read_file(const fs::path& path)
{
    // Sized read (not istreambuf_iterator, which trips g++ 12's -Wnull-dereference at -O2).
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    std::string data(static_cast<std::size_t>(size), '\0');
    if (!in.read(data.data(), static_cast<std::streamsize>(data.size()))) return std::nullopt;
    return data;
}

std::string pem_of_cert(ByteView der)
{
    ossl::X509Ptr cert = ossl::cert_from_der(der);
    if (!cert) ossl::fail("PEM of certificate");
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) ossl::fail("PEM_write_bio_X509");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

TestPki load_or_generate_shared()
{
    const char* env = std::getenv("MYNACARD_TEST_PKI_DIR");
    if (!env || !*env) return TestPki::generate();
    const fs::path dir(env);
    if (auto loaded = TestPki::load(dir)) return std::move(*loaded);
    // Generate into a private sibling directory and move it into place in one rename, so that
    // parallel test processes either all see the complete PKI or build their own.
    TestPki pki = TestPki::generate();
    const fs::path tmp = dir.string() + ".tmp" + std::to_string(::getpid());
    pki.save(tmp);
    std::error_code ec;
    if (fs::exists(dir, ec) && fs::is_empty(dir, ec)) fs::remove(dir, ec);
    fs::rename(tmp, dir, ec);
    if (ec) {
        fs::remove_all(tmp, ec);
        if (auto winner = TestPki::load(dir)) return std::move(*winner);  // another process won
    }
    return pki;
}

}  // namespace

void TestPki::save(const fs::path& dir) const
{
    fs::create_directories(dir);
    for (const Entry& e : kEntries) {
        const Bytes& der = this->*e.der;
        const std::string base = e.name;
        write_file(dir / (base + ".der"), std::string(der.begin(), der.end()));
        write_file(dir / (base + ".pem"), pem_of_cert(der));
        write_file(dir / (base + ".key.pem"), (this->*e.key).private_key_pem);
    }
}

std::optional<TestPki> TestPki::load(const fs::path& dir)
{
    TestPki pki;
    for (const Entry& e : kEntries) {
        const std::string base = e.name;
        auto der = read_file(dir / (base + ".der"));
        auto key = read_file(dir / (base + ".key.pem"));
        if (!der || !key) return std::nullopt;
        Bytes bytes(der->begin(), der->end());
        if (!ossl::cert_from_der(bytes) || !ossl::key_from_pem(*key)) {
            ossl::drain_errors();
            return std::nullopt;
        }
        pki.*e.der = std::move(bytes);
        (pki.*e.key).private_key_pem = std::move(*key);
    }
    return pki;
}

const TestPki& TestPki::shared_default()
{
    static const TestPki pki = load_or_generate_shared();
    return pki;
}

}  // namespace mynacard::vcard
