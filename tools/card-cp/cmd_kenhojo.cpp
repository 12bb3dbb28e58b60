// card-cp my-number / attributes: the Kenhojo AP (券面事項入力補助AP, jpki-card.md §1.12) after
// the Kenhojo PIN. Sensitive personal data: a plain warning first, printed only to stdout,
// never logged, cached or traced (TracePause below).
#include "card_report.hpp"
#include "cert_info.hpp"
#include "commands.hpp"
#include "mynacard/apdu/trace.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {
namespace {

/// The APDU trace shows response data in full; the Kenhojo AP answers with the My Number and
/// the four attributes, which must never reach a log. So the trace (--trace or MYNACARD_TRACE)
/// is off while that AP is read; --trace resumes afterwards, a MYNACARD_TRACE file does not.
class TracePause {
public:
    explicit TracePause(const Context& ctx) : m_ctx(ctx), m_was_on(apdu::trace::enabled())
    {
        if (!m_was_on) return;
        apdu::trace::set_sink(nullptr);
        m_ctx.note(m_ctx.msg(Msg::NoteTracePaused));
    }
    ~TracePause()
    {
        if (m_was_on && m_ctx.options.trace) trace_to_stderr();
    }
    TracePause(const TracePause&) = delete;
    TracePause& operator=(const TracePause&) = delete;

private:
    const Context& m_ctx;
    bool m_was_on;
};

int run_kenhojo(Context& ctx, bool number)
{
    OpenCard card = open_card(ctx);
    SessionEnder ender(ctx, card);
    ReadyPin ready = obtain_pin(ctx, card, jpki::PinKind::Kenhojo);
    ctx.progress(ctx.msg(Msg::ProgressReadingKenhojo));
    auto data = [&] {
        TracePause paused(ctx);
        return card.card().read_kenhojo(std::move(ready.pin), ready.options);
    }();
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
    auto* number = app.add_subcommand("my-number", ctx.msg(Msg::HelpMyNumber));
    table.add(number, [&ctx] { return run_kenhojo(ctx, true); });
    auto* attributes = app.add_subcommand(
        "attributes", ctx.msg(Msg::HelpAttributes));
    table.add(attributes, [&ctx] { return run_kenhojo(ctx, false); });
}

}  // namespace mynacard::cli
