// card-cp readers: every reader, whether a card is in it, and what card (by application,
// never by ATR: jpki-card.md §1.2).
#include "card_report.hpp"
#include "commands.hpp"
#include "mynacard/apdu/pcsc.hpp"
#include "mynacard/jpki/card.hpp"

namespace mynacard::cli {
namespace {

int run_readers(Context& ctx)
{
    auto pcsc = ctx.need(apdu::PcscContext::establish());
    const auto readers = ctx.need(pcsc.list_readers());

    nlohmann::json list = nlohmann::json::array();
    for (const auto& reader : readers) {
        nlohmann::json entry{{"name", reader.name},
                             {"card_present", reader.card_present},
                             {"atr", to_hex(reader.atr)},
                             {"in_use_exclusively", reader.exclusive_in_use},
                             {"mute", reader.mute},
                             {"card_type", nullptr},
                             {"label", nullptr}};
        std::string card_text = ctx.msg(Msg::LblCardAbsent);
        if (reader.card_present) {
            auto transport = pcsc.connect(reader.name);
            if (transport) {
                std::string label;
                // No SELECT by AID on a card a process of ours identified in this insertion
                // (issue 9 §1): it could end that process's login.
                auto type = jpki::detect_card(**transport, jpki::ReaderInsertion{reader.name, reader.event_count},
                                              ctx.config().cache, &label);
                if (type) {
                    entry["card_type"] = card_type_id(*type);
                    if (!label.empty()) entry["label"] = label;
                    card_text = std::string(card_type_id(*type)) + (label.empty() ? "" : " (" + label + ")");
                } else {
                    entry["error"] = type.error().message();
                    card_text = type.error().message();
                }
            } else {
                entry["error"] = transport.error().message();
                card_text = transport.error().message();
            }
        }
        ctx.out(ctx.msg(Msg::LblReader) + ": " + reader.name);
        ctx.out("  " + ctx.msg(Msg::LblCardKind) + ": " + card_text);
        list.push_back(std::move(entry));
    }
    if (readers.empty()) ctx.out(ctx.msg(Msg::LblNoReaders));
    if (ctx.options.json) ctx.emit_json("readers", {{"readers", list}});
    return to_int(readers.empty() ? ExitCode::NoReader : ExitCode::Ok);
}

}  // namespace

void add_readers_command(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto* sub = app.add_subcommand("readers", ctx.msg(Msg::HelpReaders));
    table.add(sub, [&ctx] { return run_readers(ctx); });
}

}  // namespace mynacard::cli
