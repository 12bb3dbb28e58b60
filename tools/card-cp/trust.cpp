#include "trust.hpp"

#include "mynacard/revocation/anchors.hpp"

#include <glob.h>

#include <cstdlib>
#include <filesystem>

namespace mynacard::cli {
namespace {

std::string subject_of(X509* cert)
{
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return buf;
}

/// Expands a configured entry: a directory gives its *.pem/*.crt/*.der files, a glob its
/// matches, a plain path itself.
std::vector<std::filesystem::path> expand(const std::filesystem::path& entry)
{
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(entry, ec)) {
        for (const auto& item : std::filesystem::directory_iterator(entry, ec)) {
            const auto ext = item.path().extension();
            if (ext == ".pem" || ext == ".crt" || ext == ".der") files.push_back(item.path());
        }
        std::sort(files.begin(), files.end());
        return files;
    }
    glob_t matches{};
    if (glob(entry.c_str(), 0, nullptr, &matches) == 0)
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
    globfree(&matches);
    return files;
}

}  // namespace

bool is_test_hierarchy(X509* cert)
{
    X509_NAME* name = X509_get_subject_name(cert);
    for (int i = X509_NAME_get_index_by_NID(name, NID_organizationName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) {
        const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        const std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                                    static_cast<std::size_t>(ASN1_STRING_length(value)));
        if (text == "JPKI-TEST") return true;
    }
    return false;
}

TrustStore build_trust_store(Context& ctx, const TrustOptions& options)
{
    TrustStore trust{X509StorePtr(X509_STORE_new()), {}};
    const bool accept_test = options.accept_test_hierarchy || ctx.config().trust.accept_test_hierarchy;

    std::vector<std::filesystem::path> files;
    if (!options.no_default_anchors) {
        const auto& configured = ctx.config().trust.anchors;
        if (configured.empty()) {
            for (auto& f : expand(revocation::default_anchors_directory())) files.push_back(std::move(f));
        } else {
            for (const auto& entry : configured)
                for (auto& f : expand(entry)) files.push_back(std::move(f));
        }
    }
    for (const auto& file : options.ca_files) files.emplace_back(file);

    for (const auto& file : files) {
        auto certs = read_certificates(file);
        if (!certs) {
            if (certs.error().code == Errc::Io)
                ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {file.string(), certs.error().context}));
            ctx.fail(ExitCode::DataError, ctx.msg(Msg::ErrBadCertificateFile, {file.string()}));
        }
        for (auto& cert : *certs) {
            if (is_test_hierarchy(cert.get()) && !accept_test) {
                ctx.note(ctx.msg(Msg::WarnTestAnchorSkipped, {subject_of(cert.get())}));
                continue;
            }
            if (X509_STORE_add_cert(trust.store.get(), cert.get()) == 1)
                trust.anchors.push_back(subject_of(cert.get()));
        }
    }
    return trust;
}

}  // namespace mynacard::cli
