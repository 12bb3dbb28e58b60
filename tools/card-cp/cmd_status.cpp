// card-cp status: the card at a glance without spending any PIN try (pin-and-suspension.md
// §1.5.2: counters read with an empty VERIFY).
#include <ctime>
#include <map>

#include "card_report.hpp"
#include "cert_info.hpp"
#include "commands.hpp"
#include "key_check.hpp"

namespace mynacard::cli {
namespace {

int run_status(Context& ctx)
{
    OpenCard card = open_card(ctx);
    const auto& info = card.card().info();
    const std::time_t now = std::time(nullptr);

    std::vector<CertEntry> certs;
    for (auto kind : {jpki::CertKind::Auth, jpki::CertKind::AuthCa, jpki::CertKind::Sign,
                      jpki::CertKind::SignCa})
        certs.push_back(read_cert_entry(ctx, card, kind));
    // Suspension checks for the two leaf certificates that could be read (§3.3: status = full check).
    std::map<std::string, revocation::KeyDecision> decisions;
    for (const auto& c : certs) {
        if (!c.cert || (c.kind != jpki::CertKind::Auth && c.kind != jpki::CertKind::Sign)) continue;
        const auto key = c.kind == jpki::CertKind::Auth ? jpki::KeyKind::Auth : jpki::KeyKind::Sign;
        ctx.progress(ctx.msg(Msg::ProgressCheckingStatus));
        decisions.emplace(jpki::to_string(c.kind), key_gate(ctx).decide(key, *c.cert, info.identity.serial));
    }
    std::vector<PinEntry> pins;
    for (auto kind : {jpki::PinKind::Auth, jpki::PinKind::Sign, jpki::PinKind::Kenhojo})
        pins.push_back(look_at_pin_entry(ctx, card, kind));

    if (ctx.options.json) {
        nlohmann::json j;
        j["reader"] = card.reader;
        j["card"] = {{"type", card_type_id(info.type)},
                     {"label", info.token_label},
                     {"identity", {{"serial", info.identity.serial}, {"source", info.identity.source}}},
                     {"has_auth_certificate", info.has_auth_certificate},
                     {"has_sign_certificate", info.has_sign_certificate}};
        j["certificates"] = nlohmann::json::object();
        for (const auto& c : certs) {
            const std::string kind = jpki::to_string(c.kind);
            j["certificates"][kind] = cert_entry_json(c, now);
            if (auto it = decisions.find(kind); it != decisions.end())
                j["certificates"][kind]["revocation"] = decision_json(it->second);
        }
        j["pins"] = nlohmann::json::object();
        for (const auto& p : pins) j["pins"][jpki::to_string(p.kind)] = pin_status_json(p);
        ctx.emit_json("status", std::move(j));
        return 0;
    }
    ctx.out(ctx.msg(Msg::LblReader) + ": " + card.reader);
    ctx.out(ctx.msg(Msg::LblCardKind) + ": " + card_type_id(info.type) + " (" + info.token_label + ")");
    ctx.out(ctx.msg(Msg::LblCardSerial) + ": " + info.identity.serial + " (" + info.identity.source + ")");
    ctx.out(ctx.msg(Msg::LblCertificates) + ":");
    for (const auto& c : certs) {
        ctx.out(cert_entry_line(ctx, c, now));
        if (auto it = decisions.find(jpki::to_string(c.kind)); it != decisions.end())
            ctx.out("           " + decision_line(ctx, it->second));
    }
    ctx.out(ctx.msg(Msg::LblPins) + ":");
    for (const auto& p : pins) ctx.out(pin_status_line(ctx, p));
    return 0;
}

}  // namespace

void add_status_command(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto* sub = app.add_subcommand(
        "status", ctx.msg(Msg::HelpStatus));
    table.add(sub, [&ctx] { return run_status(ctx); });
}

}  // namespace mynacard::cli
