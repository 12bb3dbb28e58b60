// card-cp: the command-line tool for the Japanese My Number card (JPKI). Parses the command
// line with CLI11, runs the chosen subcommand, and turns a CliFailure into a message on stderr
// (and a JSON error object with --json) plus the exit code of its cause (exit_codes.hpp).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "context.hpp"
#include "mynacard/apdu/trace.hpp"
#include "mynacard/version.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {
namespace {

std::string footer()
{
    return exit_code_table() +
           "\nPIN input: prompted on the terminal without echo. For scripts: --pin-fd N, --pin-file "
           "FILE or $" +
           std::string(kPinEnv) + " (new value: --new-pin-fd, --new-pin-file, $" + kNewPinEnv +
           "). PINs are never accepted as command-line values.\n"
           "Tries left are shown before every PIN entry; the last try needs a typed \"yes\" or "
           "--allow-final-try.\n"
           "Language: --lang, else LC_ALL / LC_MESSAGES / LANG (ja* = Japanese).\n"
           "See card-cp(1) for the JSON output schema.";
}

void add_global_options(CLI::App& app, GlobalOptions& o)
{
    app.add_flag("--json", o.json, "Machine-readable output on stdout (schema in card-cp(1))");
    app.add_option("--lang", o.lang, "Message language: en or ja (default from LANG/LC_MESSAGES)")
        ->check(CLI::IsMember({"en", "ja"}));
    app.add_option("--reader", o.reader, "Reader name or unique part of it (default: first My Number card)");
    app.add_flag("--trace", o.trace, "APDU trace on stderr (PINs redacted)");
    app.add_option("--config", o.config_path, "Configuration file (default: $MYNACARD_CONFIG, ~/.config/mynacard/mynacard.conf, /etc/mynacard/mynacard.conf)");
    app.add_option("--pin-fd", o.pin_fd, "Read the PIN/password from this file descriptor (one line)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--pin-file", o.pin_file, "Read the PIN/password from the first line of this file");
    app.add_option("--new-pin-fd", o.new_pin_fd, "pin change: read the new value from this descriptor")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--new-pin-file", o.new_pin_file, "pin change: read the new value from this file");
    app.add_flag("--allow-final-try", o.allow_final_try,
                 "Allow spending the last PIN try without an interactive confirmation");
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

int run(int argc, char** argv)
{
    Context ctx;
    CLI::App app{"card-cp: use a Japanese My Number card (JPKI) from the command line", "card-cp"};
    app.set_version_flag("--version", std::string("card-cp ") + mynacard::version());
    app.require_subcommand(1);
    app.fallthrough();  // global options are accepted after the subcommand too
    app.footer(footer());
    add_global_options(app, ctx.options);

    CommandTable table;
    add_readers_command(app, ctx, table);
    add_status_command(app, ctx, table);
    add_cert_commands(app, ctx, table);
    add_sign_command(app, ctx, table);
    add_verify_command(app, ctx, table);
    add_pin_commands(app, ctx, table);
    add_kenhojo_commands(app, ctx, table);
    add_revocation_commands(app, ctx, table);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return to_int(ExitCode::Usage);
    }
    ctx.msg = Messages(Messages::choose(ctx.options.lang));
    if (ctx.options.trace)
        apdu::trace::set_sink([](const std::string& line) { std::fprintf(stderr, "trace: %s\n", line.c_str()); });

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
