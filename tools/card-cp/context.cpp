#include "context.hpp"

#include <cstdio>

#include "mynacard/apdu/trace.hpp"
#include "terminal.hpp"

namespace mynacard::cli {

void trace_to_stderr()
{
    apdu::trace::set_sink([](const std::string& line) { std::fprintf(stderr, "trace: %s\n", line.c_str()); });
}

const Config& Context::config()
{
    if (!m_config) {
        std::optional<std::filesystem::path> path;
        if (options.config_path) path = *options.config_path;
        auto loaded = load_config(path);
        if (!loaded) fail(ExitCode::Config, msg(Msg::ErrConfig, {loaded.error().message()}));
        m_config = std::move(loaded).value();
        // --offline adds to the configuration; it never turns an offline configuration online.
        if (options.offline) m_config->revocation.offline = true;
    }
    return *m_config;
}

void Context::progress(const std::string& line) const
{
    if (stderr_is_terminal()) std::fprintf(stderr, "%s\n", line.c_str());
}

void Context::note(const std::string& line) const { std::fprintf(stderr, "%s\n", line.c_str()); }

void Context::out(const std::string& line) const
{
    if (!options.json) std::fprintf(stdout, "%s\n", line.c_str());
}

void Context::emit_json(const std::string& command, nlohmann::json doc) const
{
    doc["schema"] = kJsonSchemaVersion;
    doc["command"] = command;
    const std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fprintf(stdout, "%s\n", text.c_str());
    std::fflush(stdout);
}

void Context::fail(ExitCode code, std::string message, std::vector<std::string> hints,
                   std::optional<Error> cause) const
{
    throw CliFailure(code, std::move(message), std::move(hints), std::move(cause));
}

void Context::fail(const Error& error) const
{
    const ExitCode code = exit_code_for(error.code);
    std::string text;
    switch (error.code) {
    case Errc::NoService: text = msg(Msg::ErrNoService); break;
    case Errc::NoReader: text = msg(Msg::ErrNoReader); break;
    case Errc::CardAbsent: text = msg(Msg::ErrNoCard); break;
    case Errc::NotSupported: text = msg(Msg::ErrNotSupported, {error.context}); break;
    case Errc::ConfigInvalid: text = msg(Msg::ErrConfig, {error.message()}); break;
    default:
        text = code == ExitCode::CardCommunication
                   ? msg(Msg::ErrCardCommunication, {error.message()})
                   : msg(Msg::ErrGeneric, {error.message()});
        break;
    }
    throw CliFailure(code, std::move(text), {}, error);
}

}  // namespace mynacard::cli
