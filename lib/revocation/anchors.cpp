#include "anchors.hpp"

#include "file_util.hpp"

#include <glob.h>

#include <algorithm>

#include <openssl/pem.h>

#include "mynacard/revocation/anchors.hpp"

#ifndef MYNACARD_INSTALL_ANCHORS_DIR
#error "MYNACARD_INSTALL_ANCHORS_DIR is set by lib/revocation/CMakeLists.txt"
#endif
#ifndef MYNACARD_BUILD_ANCHORS_DIR
#error "MYNACARD_BUILD_ANCHORS_DIR is set by lib/revocation/CMakeLists.txt"
#endif

namespace mynacard::revocation {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxAnchorFileBytes = 1 << 20;

std::vector<fs::path> expand(const fs::path& entry)
{
    std::vector<fs::path> out;
    std::error_code ec;
    if (fs::is_directory(entry, ec)) {
        for (const auto& de : fs::directory_iterator(entry, ec)) {
            auto ext = de.path().extension();
            if (de.is_regular_file(ec) && (ext == ".pem" || ext == ".crt" || ext == ".cer")) out.push_back(de.path());
        }
    } else if (entry.string().find_first_of("*?[") != std::string::npos) {
        glob_t g{};
        if (::glob(entry.c_str(), 0, nullptr, &g) == 0)
            for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
        ::globfree(&g);
    } else {
        out.push_back(entry);
    }
    std::sort(out.begin(), out.end());
    return out;
}

void load_file(const fs::path& path, std::vector<ossl::X509Ptr>& certs, std::vector<std::string>& problems)
{
    auto bytes = read_file_limited(path, kMaxAnchorFileBytes);
    if (!bytes) {
        problems.push_back(bytes.error().context);
        return;
    }
    std::string data(bytes->begin(), bytes->end());
    std::size_t before = certs.size();
    if (data.find("-----BEGIN") != std::string::npos) {
        ossl::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(cert);
    } else {
        const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
        X509* cert = d2i_X509(nullptr, &p, static_cast<long>(data.size()));
        if (cert != nullptr && p == reinterpret_cast<const unsigned char*>(data.data()) + data.size())
            certs.emplace_back(cert);
        else
            X509_free(cert);
    }
    ossl::drain_errors();  // PEM_read_bio_X509 ends with a "no start line" error by design
    if (certs.size() == before) problems.push_back(path.string() + ": no certificate");
}

}  // namespace

std::filesystem::path installed_anchors_directory()
{
    return MYNACARD_INSTALL_ANCHORS_DIR;
}

std::filesystem::path default_anchors_directory()
{
    if (const char* env = std::getenv("MYNACARD_ANCHORS_DIR"); env != nullptr && *env != '\0') return env;
    std::error_code ec;
    if (fs::is_directory(installed_anchors_directory(), ec)) return installed_anchors_directory();
    return MYNACARD_BUILD_ANCHORS_DIR;
}

bool is_test_hierarchy(const X509_NAME* name)
{
    int idx = -1;
    while ((idx = X509_NAME_get_index_by_NID(name, NID_organizationName, idx)) >= 0) {
        const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
        std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                              static_cast<std::size_t>(ASN1_STRING_length(value)));
        if (text == "JPKI-TEST") return true;
    }
    return false;
}

AnchorSet load_anchors(const Config::Trust& trust)
{
    AnchorSet set;
    std::vector<fs::path> entries = trust.anchors;
    if (entries.empty()) entries.push_back(default_anchors_directory() / "*.pem");
    std::vector<ossl::X509Ptr> certs;
    for (const auto& entry : entries) {
        auto files = expand(entry);
        if (files.empty()) set.problems.push_back(entry.string() + ": no such file");
        for (const auto& f : files) load_file(f, certs, set.problems);
    }
    for (auto& cert : certs) {
        if (!trust.accept_test_hierarchy && is_test_hierarchy(X509_get_subject_name(cert.get())))
            set.refused_test.push_back(std::move(cert));
        else
            set.anchors.push_back(std::move(cert));
    }
    return set;
}

X509* find_issuer(const AnchorSet& set, X509* leaf, std::time_t now, std::string& why)
{
    std::string issuer = ossl::name_text(X509_get_issuer_name(leaf));
    std::string aki = ossl::authority_key_id_hex(leaf);
    int same_name = 0;
    std::string expired;
    for (const auto& anchor : set.anchors) {
        X509* ca = anchor.get();
        if (X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(leaf)) != 0) continue;
        ++same_name;
        // Key identifiers pick the generation; the signature is the final word.
        if (X509_check_issued(ca, leaf) != X509_V_OK || X509_check_ca(ca) == 0) continue;
        EVP_PKEY* key = X509_get0_pubkey(ca);
        if (key == nullptr || X509_verify(leaf, key) != 1) {
            ossl::drain_errors();
            continue;
        }
        if (X509_cmp_time(X509_get0_notBefore(ca), &now) > 0 ||
            ASN1_TIME_cmp_time_t(X509_get0_notAfter(ca), now) < 0) {
            expired = " (the matching anchor " + ossl::subject_key_id_hex(ca) + " is outside its validity)";
            continue;
        }
        return ca;
    }
    ossl::drain_errors();
    bool test_refused = std::any_of(set.refused_test.begin(), set.refused_test.end(), [&](const auto& a) {
        return X509_NAME_cmp(X509_get_subject_name(a.get()), X509_get_issuer_name(leaf)) == 0;
    });
    why = "untrusted issuer: ";
    if (test_refused)
        why += "the issuer is the JPKI-TEST hierarchy, refused unless trust.accept_test_hierarchy = true";
    else if (same_name == 0)
        why += "no configured anchor is named " + issuer;
    else
        why += std::to_string(same_name) + " anchor(s) named " + issuer + " but none with key id " +
               (aki.empty() ? std::string("(no AKI)") : aki) + " verifies the signature" + expired;
    return nullptr;
}

}  // namespace mynacard::revocation
