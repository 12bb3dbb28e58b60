// The subcommands. Each add_*() registers its CLI11 subcommand(s) and the function that runs
// when it was chosen; main() runs the one CLI11 parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

#include "context.hpp"

namespace mynacard::cli {

class CommandTable {
public:
    void add(CLI::App* sub, std::function<int()> run) { m_entries.push_back({sub, std::move(run)}); }
    /// The innermost parsed subcommand's function, or nullptr.
    const std::function<int()>* chosen() const
    {
        for (const auto& e : m_entries)
            if (e.sub->parsed()) return &e.run;
        return nullptr;
    }

private:
    struct Entry {
        CLI::App* sub;
        std::function<int()> run;
    };
    std::vector<Entry> m_entries;
};

void add_readers_command(CLI::App& app, Context& ctx, CommandTable& table);
void add_status_command(CLI::App& app, Context& ctx, CommandTable& table);
void add_cert_commands(CLI::App& app, Context& ctx, CommandTable& table);
void add_sign_command(CLI::App& app, Context& ctx, CommandTable& table);
void add_verify_command(CLI::App& app, Context& ctx, CommandTable& table);
void add_pin_commands(CLI::App& app, Context& ctx, CommandTable& table);
void add_kenhojo_commands(CLI::App& app, Context& ctx, CommandTable& table);
void add_revocation_commands(CLI::App& app, Context& ctx, CommandTable& table);
void add_setup_command(CLI::App& app, Context& ctx, CommandTable& table);

}  // namespace mynacard::cli
