// card-cp check / suspend / unsuspend / suspended list: the suspension checks
// (pin-and-suspension.md §3) and the local suspended list (§3.6, lib/revocation
// suspended_list.hpp) from the command line.
#include <ctime>

#include "card_report.hpp"
#include "cert_info.hpp"
#include "commands.hpp"
#include "key_check.hpp"
#include "mynacard/revocation/suspended_list.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {
namespace {

struct CheckOptions {
    std::vector<std::string> kinds;
};

struct SuspendOptions {
    std::string cert;            ///< auth | sign: take issuer key id + serial from the card
    std::string serial;          ///< or given by hand
    std::string issuer_key_id;
    bool whole_card = false;     ///< card:<identity serial of the card in the reader>
    std::string card_serial;     ///< or given by hand
    std::string reason = "suspended";
    std::string note;
    std::string list;            ///< default: [local] suspended_list
};

jpki::Certificate leaf_certificate(Context& ctx, OpenCard& card, jpki::KeyKind key)
{
    const auto kind = jpki::cert_for(key);
    CertEntry entry = read_cert_entry(ctx, card, kind);
    if (entry.cert) return std::move(*entry.cert);
    if (!entry.present)
        ctx.fail(ExitCode::CardNotSupported,
                 ctx.msg(Msg::ErrNoSuchKey, {std::string(jpki::to_string(kind)) + " certificate"}));
    PasswordHold hold(ctx, card);  // the password's verified state ends once EF 0001 is read
    verify_pin(ctx, card, jpki::PinKind::Sign);
    return ctx.need(card.card().certificate(kind));
}

int run_check(Context& ctx, const CheckOptions& o)
{
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    const std::vector<std::string> kinds = o.kinds.empty() ? std::vector<std::string>{"auth", "sign"} : o.kinds;
    const std::string serial = card.card().info().identity.serial;
    nlohmann::json results = nlohmann::json::object();
    ExitCode worst = ExitCode::Ok;
    for (const auto& name : kinds) {
        const auto key = name == "sign" ? jpki::KeyKind::Sign : jpki::KeyKind::Auth;
        std::optional<jpki::Certificate> cert;
        if (o.kinds.empty()) {
            // Default run: no password prompt; the signing certificate only when readable.
            CertEntry entry = read_cert_entry(ctx, card, jpki::cert_for(key));
            if (!entry.cert) {
                results[name] = {{"checked", false}, {"reason", entry.reason}};
                ctx.out(cert_entry_line(ctx, entry, std::time(nullptr)));
                continue;
            }
            cert = std::move(entry.cert);
        } else {
            cert = leaf_certificate(ctx, card, key);
        }
        ctx.progress(ctx.msg(Msg::ProgressCheckingStatus));
        const auto decision = key_gate(ctx).decide(key, *cert, serial);
        nlohmann::json j = decision_json(decision);
        j["checked"] = true;
        j["serial"] = cert->serial_hex();
        results[name] = std::move(j);
        ctx.out("  " + name + "  " + cert->serial_hex() + "  " + decision_line(ctx, decision));
        if (!decision.allowed) {
            ctx.note(decision.message);
            const ExitCode code = exit_code_for(decision.status.status);
            // Revoked/held/suspended outranks expired outranks unknown.
            if (worst == ExitCode::Ok || code == ExitCode::CertRevoked ||
                (code == ExitCode::CertExpired && worst == ExitCode::CertStatusUnknown))
                worst = code;
        } else if (decision.warning) {
            ctx.note(decision.message);
        }
    }
    if (ctx.options.json) ctx.emit_json("check", {{"card_serial", serial}, {"certificates", results}});
    return to_int(worst);
}

std::filesystem::path list_path(Context& ctx, const std::string& given)
{
    if (!given.empty()) return given;
    const auto& configured = ctx.config().local.suspended_list;
    if (!configured)
        ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrNoSuspendedList));
    return *configured;
}

/// The entry named by the options: from the card (--cert / --card) or by hand.
revocation::SuspendedEntry entry_from(Context& ctx, const SuspendOptions& o)
{
    const std::time_t now = std::time(nullptr);
    const int selectors = (!o.cert.empty()) + (!o.serial.empty()) + o.whole_card + (!o.card_serial.empty());
    if (selectors != 1)
        ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrSuspendSelector));
    if (!o.card_serial.empty()) return ctx.need(revocation::make_card_entry(o.card_serial, o.reason, now, o.note));
    if (!o.serial.empty()) {
        if (o.issuer_key_id.empty()) ctx.fail(ExitCode::Usage, ctx.msg(Msg::ErrSerialNeedsKeyId));
        return ctx.need(revocation::make_certificate_entry(o.issuer_key_id, o.serial, o.reason, now, o.note));
    }
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    if (o.whole_card)
        return ctx.need(revocation::make_card_entry(card.card().info().identity.serial, o.reason, now, o.note));
    const auto cert = leaf_certificate(ctx, card, o.cert == "sign" ? jpki::KeyKind::Sign : jpki::KeyKind::Auth);
    const auto aki = cert.authority_key_id();
    if (!aki) ctx.fail(ExitCode::DataError, ctx.msg(Msg::ErrNoAuthorityKeyId));
    return ctx.need(revocation::make_certificate_entry(to_hex(*aki), cert.serial_hex(), o.reason, now, o.note));
}

int run_suspend(Context& ctx, const SuspendOptions& o, bool add)
{
    const auto path = list_path(ctx, o.list);
    const auto entry = entry_from(ctx, o);
    bool changed = false;
    if (add) {
        changed = ctx.need(revocation::add_suspended(path, entry));
        ctx.out(ctx.msg(Msg::SuspendedAdded, {entry.to_line()}) + (changed ? "" : " " + ctx.msg(Msg::LblAlreadyListed)));
    } else {
        changed = ctx.need(revocation::remove_suspended(path, entry)) > 0;
        ctx.out(ctx.msg(Msg::SuspendedRemoved, {entry.to_line()}) + (changed ? "" : " " + ctx.msg(Msg::LblNotListed)));
    }
    if (ctx.options.json)
        ctx.emit_json(add ? "suspend" : "unsuspend",
                      {{"list", path.string()}, {"entry", entry.to_line()}, {"changed", changed}});
    return 0;
}

int run_list(Context& ctx, const std::string& given)
{
    const auto path = list_path(ctx, given);
    const auto entries = ctx.need(revocation::list_suspended(path));
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : entries) {
        const bool card = e.kind == revocation::SuspendedEntry::Kind::Card;
        list.push_back({{"kind", card ? "card" : "certificate"},
                        {"issuer_key_id", card ? nlohmann::json(nullptr) : nlohmann::json(e.issuer_key_id)},
                        {"serial", card ? nlohmann::json(nullptr) : nlohmann::json(e.serial)},
                        {"card_serial", card ? nlohmann::json(e.card_serial) : nlohmann::json(nullptr)},
                        {"reason", e.reason},
                        {"since", iso_utc(e.since)},
                        {"note", e.note}});
        ctx.out(e.to_line());
    }
    if (entries.empty()) ctx.out(ctx.msg(Msg::SuspendedNone));
    if (ctx.options.json) ctx.emit_json("suspended list", {{"list", path.string()}, {"entries", list}});
    return 0;
}

void add_selectors(CLI::App* sub, SuspendOptions& o, const Messages& msg)
{
    sub->add_option("--cert", o.cert, msg(Msg::HelpSelCert))
        ->check(CLI::IsMember({"auth", "sign"}));
    sub->add_option("--serial", o.serial, msg(Msg::HelpSelSerial));
    sub->add_option("--issuer-keyid", o.issuer_key_id, msg(Msg::HelpSelIssuerKeyId));
    sub->add_flag("--card", o.whole_card, msg(Msg::HelpSelCard));
    sub->add_option("--card-serial", o.card_serial, msg(Msg::HelpSelCardSerial));
    sub->add_option("--list", o.list, msg(Msg::HelpListFile));
}

}  // namespace

void add_revocation_commands(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto check_options = std::make_shared<CheckOptions>();
    auto* check = app.add_subcommand(
        "check", ctx.msg(Msg::HelpCheck));
    check->add_option("kind", check_options->kinds, ctx.msg(Msg::HelpCheckKind))
        ->check(CLI::IsMember({"auth", "sign"}));
    table.add(check, [&ctx, check_options] { return run_check(ctx, *check_options); });

    auto suspend_options = std::make_shared<SuspendOptions>();
    auto* suspend = app.add_subcommand("suspend", ctx.msg(Msg::HelpSuspend));
    add_selectors(suspend, *suspend_options, ctx.msg);
    suspend->add_option("--reason", suspend_options->reason, ctx.msg(Msg::HelpReason))
        ->check(CLI::IsMember({"hold", "revoked", "lost", "suspended", "other"}));
    suspend->add_option("--note", suspend_options->note, ctx.msg(Msg::HelpNote));
    table.add(suspend, [&ctx, suspend_options] { return run_suspend(ctx, *suspend_options, true); });

    auto unsuspend_options = std::make_shared<SuspendOptions>();
    auto* unsuspend = app.add_subcommand("unsuspend", ctx.msg(Msg::HelpUnsuspend));
    add_selectors(unsuspend, *unsuspend_options, ctx.msg);
    table.add(unsuspend, [&ctx, unsuspend_options] { return run_suspend(ctx, *unsuspend_options, false); });

    auto list_file = std::make_shared<std::string>();
    auto* suspended = app.add_subcommand("suspended", ctx.msg(Msg::HelpSuspended));
    suspended->require_subcommand(1);
    auto* list = suspended->add_subcommand("list", ctx.msg(Msg::HelpSuspendedList));
    list->add_option("--list", *list_file, ctx.msg(Msg::HelpListFile));
    table.add(list, [&ctx, list_file] { return run_list(ctx, *list_file); });
}

}  // namespace mynacard::cli
