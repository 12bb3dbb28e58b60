// card-cp sign: a detached CMS/PKCS#7 SignedData (default) or a raw PKCS#1 v1.5 signature over
// a file, with the auth or the signing key. The certificate is checked (validity period) before
// any PIN is asked for when it can be read without one; the signing certificate itself needs
// the password first (pin-and-suspension.md §1.2).
#include <ctime>
#include <filesystem>

#include "card_access.hpp"
#include "card_report.hpp"
#include "cert_info.hpp"
#include "cms_signer.hpp"
#include "commands.hpp"
#include "key_check.hpp"
#include "mynacard/jpki/digest.hpp"
#include "ossl.hpp"
#include "output_file.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {
namespace {

struct SignOptions {
    std::string file;
    std::string key = "sign";
    std::string hash = "sha256";
    std::string format = "cms";
    bool pem = false;
    std::string output;
};

int run_sign(Context& ctx, const SignOptions& o)
{
    const jpki::KeyKind key = o.key == "auth" ? jpki::KeyKind::Auth : jpki::KeyKind::Sign;
    const jpki::PinKind pin = jpki::pin_for(key);
    const jpki::CertKind cert_kind = jpki::cert_for(key);
    const jpki::CertKind ca_kind = key == jpki::KeyKind::Auth ? jpki::CertKind::AuthCa : jpki::CertKind::SignCa;
    const jpki::HashAlg hash = parse_hash(o.hash);
    const std::string output =
        !o.output.empty() ? o.output : o.file + (o.format == "raw" ? ".sig" : ".p7s");
    if (output == "-" && ctx.options.json) ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrJsonAndStdout));

    // Nothing touches the card before the input is known to be readable.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(o.file, ec))
        ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {o.file, ec ? ec.message() : ctx.msg(Msg::ErrNotRegularFile)}));
    const Bytes file_hash = [&] {
        auto h = hash_file(o.file, hash);
        if (!h) ctx.fail(ExitCode::Io, ctx.msg(Msg::ErrReadFile, {o.file, h.error().context}));
        return std::move(h).value();
    }();

    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    // The signing key: the card is held from the password's VERIFY through the signature and
    // powered down before other processes get it back (issue 10 §2).
    std::optional<PasswordHold> hold;
    const auto hold_for_password = [&] {
        if (key == jpki::KeyKind::Sign) hold.emplace(ctx, card);
    };
    const std::time_t now = std::time(nullptr);

    // The certificate first; for the signing key it is readable only after the password,
    // unless the opt-in cache has it.
    CertEntry entry = read_cert_entry(ctx, card, cert_kind);
    if (!entry.present)
        ctx.fail(ExitCode::CardNotSupported,
                 ctx.msg(Msg::ErrNoSuchKey, {std::string(jpki::to_string(cert_kind)) + " certificate"}));
    std::optional<ReadyPin> ready;
    std::optional<jpki::Certificate> cert;
    if (entry.cert) {
        cert = std::move(entry.cert);
        require_valid_now(ctx, cert_kind, *cert, now);
        check_key_allowed(ctx, card, key, *cert);  // before any PIN: no try spent on a dead key
        hold_for_password();
        ready = obtain_pin(ctx, card, pin);  // VERIFY and signature in one transaction below
    } else {
        hold_for_password();
        verify_pin(ctx, card, pin);
        ctx.progress(ctx.msg(Msg::ProgressReadingCert, {jpki::to_string(cert_kind)}));
        cert = ctx.need(card.card().certificate(cert_kind));
        require_valid_now(ctx, cert_kind, *cert, now);
        check_key_allowed(ctx, card, key, *cert);
    }
    std::vector<jpki::Certificate> extra;
    if (auto ca = card.card().certificate(ca_kind)) extra.push_back(std::move(ca).value());

    const DigestInfoSigner on_card = [&](ByteView digest_info) -> Result<Bytes> {
        ctx.progress(ctx.msg(Msg::ProgressSigning));
        if (ready) {
            SecureBytes value = std::move(ready->pin);
            const auto options = ready->options;
            ready.reset();
            return card.card().sign_with_pin(key, std::move(value), digest_info, options);
        }
        return card.card().sign(key, digest_info);
    };

    Result<Bytes> signature = Unexpected{Errc::Internal};
    if (o.format == "raw") {
        auto info = ctx.need(jpki::digest_info(hash, file_hash));
        signature = on_card(info);
    } else {
        signature = cms_sign_detached(o.file, *cert, extra, hash, on_card);
    }
    if (hold) hold->end();  // the verified state ends with the signature
    if (!signature) {
        if (is_pin_error(signature.error().code)) fail_pin(ctx, pin, signature.error());
        ctx.fail(signature.error());
    }

    if (o.format == "cms" && o.pem) {
        const std::string pem = ctx.need(cms_der_to_pem(*signature));
        write_output(ctx, output, view(pem), false);
    } else {
        write_output(ctx, output, *signature, true);
    }
    const std::string format = o.format == "raw" ? "raw" : (o.pem ? "cms-pem" : "cms");
    if (output != "-") ctx.out(ctx.msg(Msg::SignWritten, {output, format, o.hash, o.key}));
    if (ctx.options.json)
        ctx.emit_json("sign", {{"output", output},
                               {"format", format},
                               {"key", o.key},
                               {"hash", o.hash},
                               {"signature_bytes", signature->size()},
                               {"signer",
                                {{"subject", cert->subject_text()},
                                 {"serial", cert->serial_hex()},
                                 {"sha256", colon_hex(cert->fingerprint_sha256())}}},
                               {"embedded_certificates", 1 + extra.size()}});
    return 0;
}

}  // namespace

void add_sign_command(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto o = std::make_shared<SignOptions>();
    auto* sub = app.add_subcommand("sign", ctx.msg(Msg::HelpSign));
    sub->add_option("file", o->file, ctx.msg(Msg::HelpSignFile))->required();
    sub->add_option("-k,--key", o->key, ctx.msg(Msg::HelpSignKey))
        ->check(CLI::IsMember({"auth", "sign"}));
    sub->add_option("--hash", o->hash, ctx.msg(Msg::HelpSignHash))
        ->check(CLI::IsMember({"sha256", "sha384", "sha512"}));
    sub->add_option("--format", o->format, ctx.msg(Msg::HelpSignFormat))
        ->check(CLI::IsMember({"cms", "raw"}));
    sub->add_flag("--pem", o->pem, ctx.msg(Msg::HelpSignPem));
    sub->add_option("-o,--output", o->output, ctx.msg(Msg::HelpSignOutput));
    table.add(sub, [&ctx, o] { return run_sign(ctx, *o); });
}

}  // namespace mynacard::cli
