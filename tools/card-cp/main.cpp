// card-cp: the command-line tool for the Japanese My Number card (JPKI). Parses the command
// line with CLI11, runs the chosen subcommand, and turns a CliFailure into a message on stderr
// (and a JSON error object with --json) plus the exit code of its cause (exit_codes.hpp).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.hpp"
#include "context.hpp"
#include "mynacard/version.hpp"
#include "pin_entry.hpp"
#include "prescan.hpp"

namespace mynacard::cli {
namespace {

std::string footer(const Messages& msg)
{
    return exit_code_table(msg) + "\n" + msg(Msg::HelpFooter, {kPinEnv, kNewPinEnv});
}

/// CLI11's own words in the help text ("Usage", "OPTIONS", group titles, ...) from the
/// catalogue. Labels live in the formatter every subcommand shares; groups are per option and
/// per subcommand, so the whole tree is walked once it is built.
void localise_labels(CLI::App& app, const Messages& msg)
{
    auto formatter = app.get_formatter();
    formatter->label("Usage", msg(Msg::HelpLabelUsage));
    formatter->label("OPTIONS", msg(Msg::HelpLabelOptions));
    formatter->label("SUBCOMMAND", msg(Msg::HelpLabelSubcommand));
    formatter->label("SUBCOMMANDS", msg(Msg::HelpLabelSubcommand));
    formatter->label("REQUIRED", msg(Msg::HelpLabelRequired));
    formatter->label("Positionals", msg(Msg::HelpLabelPositionals));
}

void localise_groups(CLI::App& app, const Messages& msg)
{
    for (CLI::Option* option : app.get_options())
        if (option->get_group() == "Options") option->group(msg(Msg::HelpGroupOptions));
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_group() == "Subcommands") sub->group(msg(Msg::HelpGroupSubcommands));
        localise_groups(*sub, msg);
    }
}

void add_global_options(CLI::App& app, GlobalOptions& o, const Messages& msg)
{
    app.add_flag("--json", o.json, msg(Msg::HelpJson));
    app.add_option("--lang", o.lang, msg(Msg::HelpLang))->check(CLI::IsMember({"en", "ja"}));
    app.add_option("--reader", o.reader, msg(Msg::HelpReader));
    app.add_flag("--trace", o.trace, msg(Msg::HelpTrace));
    app.add_option("--config", o.config_path, msg(Msg::HelpConfig));
    app.add_option("--pin-fd", o.pin_fd, msg(Msg::HelpPinFd))->check(CLI::NonNegativeNumber);
    app.add_option("--pin-file", o.pin_file, msg(Msg::HelpPinFile));
    app.add_option("--new-pin-fd", o.new_pin_fd, msg(Msg::HelpNewPinFd))->check(CLI::NonNegativeNumber);
    app.add_option("--new-pin-file", o.new_pin_file, msg(Msg::HelpNewPinFile));
    app.add_flag("--allow-final-try", o.allow_final_try, msg(Msg::HelpAllowFinalTry));
    app.add_flag("--offline", o.offline, msg(Msg::HelpOffline));
}

void print_failure(const Context& ctx, const CliFailure& failure)
{
    std::fprintf(stderr, "card-cp: %s\n", failure.what());
    for (const auto& hint : failure.hints()) std::fprintf(stderr, "  %s\n", hint.c_str());
    if (!ctx.options.json) return;
    nlohmann::json error{{"exit_code", to_int(failure.code())},
                         {"kind", exit_code_name(failure.code())},
                         {"message", failure.what()},
                         {"hints", failure.hints()}};
    if (const auto& cause = failure.cause()) {
        error["code"] = errc_name(cause->code);
        if (cause->sw) error["sw"] = to_hex(Bytes{static_cast<std::uint8_t>(*cause->sw >> 8),
                                                  static_cast<std::uint8_t>(*cause->sw & 0xFF)});
        if (cause->tries_left) error["tries_left"] = *cause->tries_left;
    }
    ctx.emit_json("error", {{"error", error}});
}

/// A command-line error: CLI11's explanation (English only: CLI11 has no catalogue) inside a
/// translated sentence, a pointer to --help, and the JSON error object when --json was asked.
int usage_failure(const Context& ctx, const CLI::ParseError& e, CLI::App& app, const PreScan& early)
{
    std::string reason = e.what();
    // CLI11 says "A subcommand is required" both for a mistyped command and for a missing one:
    // follow the command words to say which, with the choices at that level.
    auto names_of = [](const std::vector<CLI::App*>& subs) {
        std::string names;
        for (CLI::App* sub : subs) names += (names.empty() ? "" : ", ") + sub->get_name();
        return names;
    };
    CLI::App* level = &app;
    bool explained = false;
    for (const auto& word : early.words) {
        const auto subs = level->get_subcommands([](CLI::App*) { return true; });
        if (subs.empty()) break;  // a leaf command: the rest are its arguments
        CLI::App* next = nullptr;
        for (CLI::App* sub : subs)
            if (sub->get_name() == word) next = sub;
        if (next == nullptr) {
            reason = ctx.msg(Msg::ErrUnknownCommand, {word, names_of(subs)});
            explained = true;
            break;
        }
        level = next;
    }
    if (const auto subs = level->get_subcommands([](CLI::App*) { return true; }); !explained && !subs.empty())
        reason = ctx.msg(Msg::ErrMissingCommand, {names_of(subs)});
    const CliFailure failure(ExitCode::Usage, ctx.msg(Msg::ErrUsage, {reason}), {ctx.msg(Msg::HintSeeHelp)});
    print_failure(ctx, failure);
    return to_int(ExitCode::Usage);
}

int run(int argc, char** argv)
{
    Context ctx;
    // The language decides the help text, which CLI11 needs before it parses: read --lang first.
    const PreScan early = prescan(std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
    ctx.msg = Messages(Messages::choose(early.lang));
    ctx.options.json = early.json;  // for a usage error; the parse sets it properly

    CLI::App app{ctx.msg(Msg::HelpApp), "card-cp"};
    localise_labels(app, ctx.msg);
    app.set_help_flag("-h,--help", ctx.msg(Msg::HelpHelp));  // subcommands copy it when created
    app.set_version_flag("--version", std::string("card-cp ") + mynacard::version(), ctx.msg(Msg::HelpVersion));
    app.require_subcommand(1);
    app.fallthrough();  // global options are accepted after the subcommand too
    app.footer(footer(ctx.msg));
    add_global_options(app, ctx.options, ctx.msg);

    CommandTable table;
    add_readers_command(app, ctx, table);
    add_status_command(app, ctx, table);
    add_cert_commands(app, ctx, table);
    add_sign_command(app, ctx, table);
    add_verify_command(app, ctx, table);
    add_pin_commands(app, ctx, table);
    add_kenhojo_commands(app, ctx, table);
    add_revocation_commands(app, ctx, table);
    add_setup_command(app, ctx, table);
    localise_groups(app, ctx.msg);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_failure(ctx, e, app, early);
    }
    ctx.msg = Messages(Messages::choose(ctx.options.lang));
    if (ctx.options.trace) trace_to_stderr();

    const auto* command = table.chosen();
    if (command == nullptr) {
        std::fprintf(stderr, "%s", app.help().c_str());
        return to_int(ExitCode::Usage);
    }
    try {
        return (*command)();
    } catch (const CliFailure& failure) {
        print_failure(ctx, failure);
        return to_int(failure.code());
    }
}

}  // namespace
}  // namespace mynacard::cli

int main(int argc, char** argv)
{
    try {
        return mynacard::cli::run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "card-cp: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "card-cp: internal error\n");
    }
    return mynacard::cli::to_int(mynacard::cli::ExitCode::Failure);
}
