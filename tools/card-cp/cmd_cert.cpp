// card-cp cert list|show|export for auth, auth-ca, sign, sign-ca. The signing certificate
// (EF 0001) is readable only after the signing password (pin-and-suspension.md §1.2); its
// personal attributes are shown only with --show-personal-data.
#include <ctime>

#include "card_report.hpp"
#include "cert_info.hpp"
#include "commands.hpp"
#include "output_file.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {
namespace {

const std::vector<std::string> kCertKinds{"auth", "auth-ca", "sign", "sign-ca"};

struct CertOptions {
    std::string kind = "auth";
    bool show_personal = false;
    std::string output = "-";
    std::string format = "pem";
};

/// The certificate of `kind`, asking for the signing password when the card wants it.
jpki::Certificate fetch_certificate(Context& ctx, OpenCard& card, jpki::CertKind kind)
{
    CertEntry entry = read_cert_entry(ctx, card, kind);
    if (entry.cert) return std::move(*entry.cert);
    if (!entry.present)
        ctx.fail(ExitCode::CardNotSupported, ctx.msg(Msg::ErrNoSuchKey, {std::string(jpki::to_string(kind)) + " certificate"}));
    if (entry.reason != "needs-password") ctx.fail(ExitCode::Failure, ctx.msg(Msg::ErrGeneric, {entry.reason}));
    PasswordHold hold(ctx, card);  // the password's verified state ends once EF 0001 is read
    verify_pin(ctx, card, jpki::PinKind::Sign);
    ctx.progress(ctx.msg(Msg::ProgressReadingCert, {jpki::to_string(kind)}));
    return ctx.need(card.card().certificate(kind));
}

int run_list(Context& ctx)
{
    OpenCard card = open_card(ctx);
    const std::time_t now = std::time(nullptr);
    nlohmann::json list = nlohmann::json::array();
    for (auto kind : {jpki::CertKind::Auth, jpki::CertKind::AuthCa, jpki::CertKind::Sign,
                      jpki::CertKind::SignCa}) {
        const CertEntry entry = read_cert_entry(ctx, card, kind);
        ctx.out(cert_entry_line(ctx, entry, now));
        list.push_back(cert_entry_json(entry, now));
    }
    if (ctx.options.json) ctx.emit_json("cert list", {{"certificates", list}});
    return 0;
}

int run_show(Context& ctx, const CertOptions& o)
{
    const auto kind = parse_cert_kind(o.kind);
    if (o.show_personal && kind != jpki::CertKind::Sign)
        ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrPersonalDataOnlySign));
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    const jpki::Certificate cert = fetch_certificate(ctx, card, kind);
    const std::time_t now = std::time(nullptr);

    std::optional<jpki::PersonalAttributes> personal;
    if (o.show_personal) personal = ctx.need(jpki::personal_attributes(cert));

    if (ctx.options.json) {
        nlohmann::json j = certificate_json(cert, now);
        j["kind"] = o.kind;
        j["personal_data"] = personal ? personal_json(*personal) : nlohmann::json(nullptr);
        ctx.emit_json("cert show", std::move(j));
        return 0;
    }
    for (const auto& line : certificate_lines(ctx, cert, now)) ctx.out(line);
    if (kind == jpki::CertKind::Sign) {
        if (personal) {
            ctx.out(ctx.msg(Msg::LblPersonalData) + ":");
            for (const auto& line : personal_lines(ctx, *personal)) ctx.out("  " + line);
        } else {
            ctx.out(ctx.msg(Msg::PersonalDataHidden));
        }
    }
    return 0;
}

int run_export(Context& ctx, const CertOptions& o)
{
    const auto kind = parse_cert_kind(o.kind);
    // The certificate itself would share stdout with the JSON report: refuse before any PIN.
    if (o.output == "-" && ctx.options.json) ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrJsonAndStdout));
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    const jpki::Certificate cert = fetch_certificate(ctx, card, kind);
    if (o.format == "der") {
        write_output(ctx, o.output, cert.der(), true);
    } else {
        const std::string pem = to_pem(cert);
        write_output(ctx, o.output, view(pem), false);
    }
    if (o.output != "-") {
        ctx.out(ctx.msg(Msg::CertWritten, {o.kind, o.output, o.format}));
        if (ctx.options.json)
            ctx.emit_json("cert export", {{"kind", o.kind},
                                          {"output", o.output},
                                          {"format", o.format},
                                          {"bytes", cert.der().size()},
                                          {"fingerprints", {{"sha256", colon_hex(cert.fingerprint_sha256())}}}});
    }
    return 0;
}

}  // namespace

void add_cert_commands(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto options = std::make_shared<CertOptions>();
    auto* cert = app.add_subcommand("cert", ctx.msg(Msg::HelpCert));
    cert->require_subcommand(1);

    auto* list = cert->add_subcommand("list", ctx.msg(Msg::HelpCertList));
    table.add(list, [&ctx] { return run_list(ctx); });

    auto* show = cert->add_subcommand("show", ctx.msg(Msg::HelpCertShow));
    show->add_option("kind", options->kind, ctx.msg(Msg::HelpCertShowKind))
        ->required()
        ->check(CLI::IsMember(kCertKinds));
    show->add_flag("--show-personal-data", options->show_personal,
                   ctx.msg(Msg::HelpShowPersonal));
    table.add(show, [&ctx, options] { return run_show(ctx, *options); });

    auto* exp = cert->add_subcommand("export", ctx.msg(Msg::HelpCertExport));
    exp->add_option("kind", options->kind, ctx.msg(Msg::HelpCertExportKind))
        ->required()
        ->check(CLI::IsMember(kCertKinds));
    exp->add_option("-o,--output", options->output, ctx.msg(Msg::HelpCertOutput));
    exp->add_option("-f,--format", options->format, ctx.msg(Msg::HelpCertFormat))
        ->check(CLI::IsMember({"pem", "der"}));
    table.add(exp, [&ctx, options] { return run_export(ctx, *options); });
}

}  // namespace mynacard::cli
