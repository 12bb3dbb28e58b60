// card-cp verify: a detached CMS/PKCS#7 signature or a raw PKCS#1 v1.5 signature against a
// file, then the signer's chain against the trust anchors (trust.hpp). The signature is checked
// first (exit 2 when it does not match), then the chain (exit 3 untrusted, 30 expired).
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "cert_info.hpp"
#include "commands.hpp"
#include "ossl.hpp"
#include "trust.hpp"

namespace mynacard::cli {
namespace {

struct VerifyOptions {
    std::string file;
    std::string signature;
    std::string format = "auto";
    std::string cert;
    std::vector<std::string> chain;
    std::string hash = "sha256";
    TrustOptions trust;
};

std::string subject_of(X509* cert)
{
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    return buf;
}

CmsPtr parse_cms(const Bytes& data)
{
    const unsigned char* p = data.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(data.size())));
    if (!cms) {
        BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        cms.reset(PEM_read_bio_CMS(bio.get(), nullptr, nullptr, nullptr));
    }
    ERR_clear_error();
    return cms;
}

std::optional<std::time_t> signing_time(CMS_SignerInfo* si)
{
    const int index = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (index < 0) return std::nullopt;
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, index);
    ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
    if (value == nullptr) return std::nullopt;
    const ASN1_TIME* t = nullptr;
    if (value->type == V_ASN1_UTCTIME) t = value->value.utctime;
    else if (value->type == V_ASN1_GENERALIZEDTIME) t = value->value.generalizedtime;
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
    return timegm(&tm);
}

std::vector<X509Ptr> load_cert_files(Context& ctx, const std::vector<std::string>& files)
{
    std::vector<X509Ptr> all;
    for (const auto& file : files) {
        auto certs = read_certificates(file);
        if (!certs) {
            if (certs.error().code == Errc::Io)
                ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {file, certs.error().context}));
            ctx.fail(ExitCode::DataError, ctx.msg(Msg::ErrBadCertificateFile, {file}));
        }
        for (auto& c : *certs) all.push_back(std::move(c));
    }
    return all;
}

/// Chain of `leaf` to an anchor in `trust`, at the current time, no purpose restriction
/// (JPKI certificates are not S/MIME certificates). Returns the chain's subjects.
std::vector<std::string> verify_chain(Context& ctx, const TrustStore& trust, X509* leaf,
                                      STACK_OF(X509)* untrusted)
{
    if (trust.anchors.empty()) ctx.fail(ExitCode::NotTrusted, ctx.msg(Msg::ErrNoAnchors));
    X509StoreCtxPtr store_ctx(X509_STORE_CTX_new());
    if (!store_ctx || X509_STORE_CTX_init(store_ctx.get(), trust.store.get(), leaf, untrusted) != 1)
        ctx.fail(ExitCode::Failure, ctx.msg(Msg::ErrGeneric, {openssl_errors()}));
    if (X509_verify_cert(store_ctx.get()) != 1) {
        const int err = X509_STORE_CTX_get_error(store_ctx.get());
        const std::string text = X509_verify_cert_error_string(err);
        if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID)
            ctx.fail(ExitCode::CertExpired, ctx.msg(Msg::ErrNotTrusted, {text}));
        ctx.fail(ExitCode::NotTrusted, ctx.msg(Msg::ErrNotTrusted, {text}));
    }
    std::vector<std::string> subjects;
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store_ctx.get());
    for (int i = 0; i < sk_X509_num(chain); ++i) subjects.push_back(subject_of(sk_X509_value(chain, i)));
    return subjects;
}

X509StackPtr to_stack(const std::vector<X509Ptr>& certs)
{
    X509StackPtr stack(sk_X509_new_null());
    for (const auto& c : certs) {
        X509_up_ref(c.get());
        sk_X509_push(stack.get(), c.get());
    }
    return stack;
}

int report(Context& ctx, const std::string& format, X509* signer, std::optional<std::time_t> when,
           const std::vector<std::string>& chain, const std::string& hash)
{
    auto parsed = jpki::Certificate::from_der([&] {
        Bytes der(static_cast<std::size_t>(i2d_X509(signer, nullptr)));
        unsigned char* p = der.data();
        i2d_X509(signer, &p);
        return der;
    }());
    ctx.out(ctx.msg(Msg::VerifyValid));
    ctx.out(ctx.msg(Msg::VerifySigner, {subject_of(signer)}));
    if (when) ctx.out(ctx.msg(Msg::VerifySigningTime, {iso_utc(*when)}));
    if (!chain.empty()) ctx.out(ctx.msg(Msg::VerifyTrustedBy, {chain.back()}));
    if (ctx.options.json) {
        nlohmann::json j{{"valid", true},
                         {"format", format},
                         {"trusted", true},
                         {"chain", chain},
                         {"signing_time", when ? nlohmann::json(iso_utc(*when)) : nlohmann::json(nullptr)}};
        if (!hash.empty()) j["hash"] = hash;
        if (parsed) j["signer"] = certificate_json(*parsed, std::time(nullptr));
        ctx.emit_json("verify", std::move(j));
    }
    return 0;
}

int verify_cms(Context& ctx, const VerifyOptions& o, CMS_ContentInfo* cms, const TrustStore& trust)
{
    std::vector<X509Ptr> given = load_cert_files(ctx, o.chain);
    if (!o.cert.empty())
        for (auto& c : load_cert_files(ctx, {o.cert})) given.push_back(std::move(c));
    X509StackPtr extra = to_stack(given);

    BioPtr content(BIO_new_file(o.file.c_str(), "rb"));
    if (!content) ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {o.file, openssl_errors()}));
    // Step 1: the signature and the messageDigest over the content, chain not yet judged.
    if (CMS_verify(cms, extra.get(), nullptr, content.get(), nullptr,
                   CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1)
        ctx.fail(ExitCode::SignatureInvalid, ctx.msg(Msg::ErrSignatureInvalid, {openssl_errors()}));

    // Step 2: each signer's chain; embedded certificates and --chain/--cert are untrusted helpers.
    X509StackPtr untrusted = to_stack(given);
    STACK_OF(X509)* embedded = CMS_get1_certs(cms);
    for (int i = 0; embedded && i < sk_X509_num(embedded); ++i) {
        X509* c = sk_X509_value(embedded, i);
        X509_up_ref(c);
        sk_X509_push(untrusted.get(), c);
    }
    if (embedded) sk_X509_pop_free(embedded, X509_free);

    X509BorrowedStackPtr signer_stack(CMS_get0_signers(cms));
    STACK_OF(X509)* signers = signer_stack.get();
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    if (signers == nullptr || sk_X509_num(signers) == 0)
        ctx.fail(ExitCode::SignatureInvalid, ctx.msg(Msg::ErrSignatureInvalid, {ctx.msg(Msg::ErrNoSigner)}));
    std::vector<std::string> chain;
    for (int i = 0; i < sk_X509_num(signers); ++i)
        chain = verify_chain(ctx, trust, sk_X509_value(signers, i), untrusted.get());
    X509* first = sk_X509_value(signers, 0);
    X509_up_ref(first);
    X509Ptr signer(first);
    std::optional<std::time_t> when;
    if (infos && sk_CMS_SignerInfo_num(infos) > 0) when = signing_time(sk_CMS_SignerInfo_value(infos, 0));
    return report(ctx, "cms", signer.get(), when, chain, "");
}

int verify_raw(Context& ctx, const VerifyOptions& o, const Bytes& signature, const TrustStore& trust)
{
    if (o.cert.empty()) ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrNeedCertForRaw));
    std::vector<X509Ptr> certs = load_cert_files(ctx, {o.cert});
    X509* leaf = certs.front().get();
    EVP_PKEY* key = X509_get0_pubkey(leaf);
    if (key == nullptr) ctx.fail(ExitCode::DataError, ctx.msg(Msg::ErrBadCertificateFile, {o.cert}));

    const jpki::HashAlg alg = parse_hash(o.hash);
    auto digest = hash_file(o.file, alg);
    if (!digest) ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {o.file, digest.error().context}));
    // PKCS#1 v1.5 over the prehashed value: EVP_PKEY_verify with the digest set checks the
    // DigestInfo (RFC 8017 §8.2.2).
    std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>> pctx(EVP_PKEY_CTX_new(key, nullptr));
    if (!pctx || EVP_PKEY_verify_init(pctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx.get(), RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(pctx.get(), evp_md(alg)) != 1)
        ctx.fail(ExitCode::Failure, ctx.msg(Msg::ErrGeneric, {openssl_errors()}));
    if (EVP_PKEY_verify(pctx.get(), signature.data(), signature.size(), digest->data(), digest->size()) != 1) {
        ERR_clear_error();
        ctx.fail(ExitCode::SignatureInvalid, ctx.msg(Msg::ErrSignatureInvalid, {"RSA PKCS#1 v1.5 " + o.hash}));
    }
    std::vector<X509Ptr> helpers = load_cert_files(ctx, o.chain);
    for (std::size_t i = 1; i < certs.size(); ++i) helpers.push_back(std::move(certs[i]));
    X509StackPtr untrusted = to_stack(helpers);
    const auto chain = verify_chain(ctx, trust, leaf, untrusted.get());
    return report(ctx, "raw", leaf, std::nullopt, chain, o.hash);
}

int run_verify(Context& ctx, const VerifyOptions& o)
{
    auto signature = read_file(o.signature);
    if (!signature) ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {o.signature, signature.error().context}));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.file, ec))
        ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {o.file, ec ? ec.message() : ctx.msg(Msg::ErrNotRegularFile)}));

    CmsPtr cms;
    if (o.format != "raw") {
        cms = parse_cms(*signature);
        if (!cms && o.format == "cms")
            ctx.fail(ExitCode::DataError, ctx.msg(Msg::ErrBadSignatureFile, {o.signature, "not DER or PEM CMS"}));
    }
    const TrustStore trust = build_trust_store(ctx, o.trust);
    if (cms) return verify_cms(ctx, o, cms.get(), trust);
    return verify_raw(ctx, o, *signature, trust);
}

}  // namespace

void add_verify_command(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto o = std::make_shared<VerifyOptions>();
    auto* sub = app.add_subcommand("verify", ctx.msg(Msg::HelpVerify));
    sub->add_option("file", o->file, ctx.msg(Msg::HelpVerifyFile))->required();
    sub->add_option("-s,--signature", o->signature, ctx.msg(Msg::HelpVerifySignature))->required();
    sub->add_option("--format", o->format, ctx.msg(Msg::HelpVerifyFormat))
        ->check(CLI::IsMember({"auto", "cms", "raw"}));
    sub->add_option("--cert", o->cert, ctx.msg(Msg::HelpVerifyCert));
    sub->add_option("--chain", o->chain, ctx.msg(Msg::HelpVerifyChain));
    sub->add_option("--ca", o->trust.ca_files, ctx.msg(Msg::HelpVerifyCa));
    sub->add_flag("--no-default-anchors", o->trust.no_default_anchors,
                  ctx.msg(Msg::HelpVerifyNoDefault));
    sub->add_flag("--accept-test-hierarchy", o->trust.accept_test_hierarchy,
                  ctx.msg(Msg::HelpVerifyTest));
    sub->add_option("--hash", o->hash, ctx.msg(Msg::HelpVerifyHash))
        ->check(CLI::IsMember({"sha256", "sha384", "sha512"}));
    table.add(sub, [&ctx, o] { return run_verify(ctx, *o); });
}

}  // namespace mynacard::cli
