// card-cp my-number / attributes: the Kenhojo AP (券面事項入力補助AP, jpki-card.md §1.12) after
// the Kenhojo PIN. Sensitive personal data: a plain warning first, printed only to stdout,
// never logged, cached or traced (the APDU trace redacts VERIFY; READ BINARY data of this AP
// is the library's concern).
#include "card_report.hpp"
#include "cert_info.hpp"
#include "commands.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {
namespace {

int run_kenhojo(Context& ctx, bool number)
{
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    ReadyPin ready = obtain_pin(ctx, card, jpki::PinKind::Kenhojo);
    ctx.progress(ctx.msg(Msg::ProgressReadingKenhojo));
    auto data = card.card().read_kenhojo(std::move(ready.pin), ready.options);
    if (!data) {
        if (is_pin_error(data.error().code)) fail_pin(ctx, jpki::PinKind::Kenhojo, data.error());
        ctx.fail(data.error());
    }
    ctx.note(ctx.msg(Msg::KenhojoWarning));
    const auto& a = data->attributes;
    if (ctx.options.json) {
        if (number)
            ctx.emit_json("my-number", {{"my_number", data->my_number}});
        else
            ctx.emit_json("attributes", {{"name", a.name},
                                         {"address", a.address},
                                         {"birth_date", a.birth_date},
                                         {"sex", a.sex}});
        return 0;
    }
    if (number) {
        ctx.out(ctx.msg(Msg::LblMyNumber) + ": " + data->my_number);
    } else {
        ctx.out(ctx.msg(Msg::LblName) + ": " + a.name);
        ctx.out(ctx.msg(Msg::LblAddress) + ": " + a.address);
        ctx.out(ctx.msg(Msg::LblBirthDate) + ": " + a.birth_date);
        ctx.out(ctx.msg(Msg::LblSex) + ": " + sex_text(ctx.msg, a.sex));
    }
    return 0;
}

}  // namespace

void add_kenhojo_commands(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto* number = app.add_subcommand("my-number", "Show the 12-digit My Number (Kenhojo PIN; sensitive)");
    table.add(number, [&ctx] { return run_kenhojo(ctx, true); });
    auto* attributes = app.add_subcommand(
        "attributes", "Show name, address, date of birth, sex from the Kenhojo AP (Kenhojo PIN; sensitive)");
    table.add(attributes, [&ctx] { return run_kenhojo(ctx, false); });
}

}  // namespace mynacard::cli
