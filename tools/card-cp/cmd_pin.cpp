// card-cp pin status|verify|change for auth, sign, kenhojo. Status reads each counter with an
// empty VERIFY (no try spent, pin-and-suspension.md §1.2); verify sends one VERIFY with every
// safety check of obtain_pin() (the last try only after a typed "yes" or --allow-final-try: the
// PKCS#11 module refuses it under [pin] final_try = confirm and points here, issue 10 §1);
// change VERIFYs the current value and sends CHANGE REFERENCE DATA (jpki-card.md §1.8).
#include "card_report.hpp"
#include "commands.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {
namespace {

const std::vector<std::string> kPinKinds{"auth", "sign", "kenhojo"};

jpki::PinKind parse_pin_kind(const std::string& name)
{
    if (name == "sign") return jpki::PinKind::Sign;
    if (name == "kenhojo") return jpki::PinKind::Kenhojo;
    return jpki::PinKind::Auth;
}

int run_status(Context& ctx, const std::vector<std::string>& kinds)
{
    OpenCard card = open_card(ctx);
    const std::vector<std::string> wanted = kinds.empty() ? kPinKinds : kinds;
    nlohmann::json pins = nlohmann::json::object();
    for (const auto& name : wanted) {
        const auto kind = parse_pin_kind(name);
        const auto status = kinds.empty() ? look_at_pin_entry(ctx, card, kind) : read_pin_entry(ctx, card, kind);
        ctx.out(pin_status_line(ctx, status));
        pins[name] = pin_status_json(status);
    }
    if (ctx.options.json) ctx.emit_json("pin status", {{"pins", pins}});
    return 0;
}

int run_verify(Context& ctx, const std::string& name)
{
    const auto kind = parse_pin_kind(name);
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);  // the card forgets the VERIFY only when powered down (§1.9)
    verify_pin(ctx, card, kind);
    ctx.out(ctx.msg(Msg::PinVerified, {pin_name(ctx.msg, kind)}));
    if (ctx.options.json) ctx.emit_json("pin verify", {{"kind", name}, {"verified", true}});
    return 0;
}

int run_change(Context& ctx, const std::string& name)
{
    const auto kind = parse_pin_kind(name);
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    ReadyPin current = obtain_pin(ctx, card, kind);
    // The new value is read and checked before anything is sent, so a typo costs no try.
    SecureBytes fresh = obtain_new_pin(ctx, kind);
    ctx.progress(ctx.msg(Msg::ProgressChangingPin, {pin_name(ctx.msg, kind)}));
    auto changed = card.card().change_pin(kind, std::move(current.pin), std::move(fresh), current.options);
    if (!changed) {
        if (is_pin_error(changed.error().code)) fail_pin(ctx, kind, changed.error());
        ctx.fail(changed.error());
    }
    ctx.out(ctx.msg(Msg::PinChanged, {pin_name(ctx.msg, kind)}));
    if (ctx.options.json) ctx.emit_json("pin change", {{"kind", name}, {"changed", true}});
    return 0;
}

}  // namespace

void add_pin_commands(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto kinds = std::make_shared<std::vector<std::string>>();
    auto change_kind = std::make_shared<std::string>();
    auto* pin = app.add_subcommand("pin", ctx.msg(Msg::HelpPin));
    pin->require_subcommand(1);

    auto* status = pin->add_subcommand("status", ctx.msg(Msg::HelpPinStatus));
    status->add_option("kind", *kinds, ctx.msg(Msg::HelpPinStatusKind))->check(CLI::IsMember(kPinKinds));
    table.add(status, [&ctx, kinds] { return run_status(ctx, *kinds); });

    auto verify_kind = std::make_shared<std::string>();
    auto* verify = pin->add_subcommand("verify", ctx.msg(Msg::HelpPinVerify));
    verify->add_option("kind", *verify_kind, ctx.msg(Msg::HelpPinVerifyKind))->required()->check(CLI::IsMember(kPinKinds));
    table.add(verify, [&ctx, verify_kind] { return run_verify(ctx, *verify_kind); });

    auto* change = pin->add_subcommand(
        "change", ctx.msg(Msg::HelpPinChange));
    change->add_option("kind", *change_kind, ctx.msg(Msg::HelpPinChangeKind))->required()->check(CLI::IsMember(kPinKinds));
    table.add(change, [&ctx, change_kind] { return run_change(ctx, *change_kind); });
}

}  // namespace mynacard::cli
