// card-cp setup [--remove | --check]: registers the PKCS#11 module in the current user's
// browser NSS databases (Chromium's ~/.pki/nssdb, each Firefox profile of profiles.ini), without
// root, idempotently, and says per database what it did.
//
// The registration decides what a web login asks for. NSS, looking for client certificates,
// logs in to every token that is not "friendly" (pk11auth.c pk11_AuthenticateUnfriendly;
// Firefox's FindClientCertificatesWithPrivateKeys: `!PK11_IsFriendly(slot) &&
// PK11_Authenticate(slot)`), because a token that is not friendly may hide certificates behind
// its login. Registered plainly, both tokens of the card are unfriendly, so every client-auth
// page asks for the 署名用 password too. The slot parameters written here (setup_nssdb.hpp
// slot_params()) say only what is true:
//   - the auth token (slot 2i) is PublicCerts ("friendly"): its certificate and public key are
//     public objects (README "Objects"), so NSS finds the certificate without a login and asks
//     for the 利用者証明用 PIN only when the key signs;
//   - the sign token (slot 2i+1) is *not* friendly, because it is not: the card releases the
//     signing certificate only after the password (jpki-card.md §1.4; the opt-in cache may show
//     it, but not before the first login, and not at all by default). Claiming PublicCerts for it
//     would make NSS treat "no certificate before login" as "no certificate" for every
//     application using the database. What browsers need instead is not to use the sign token at
//     all: no web site may make the browser ask for the legally binding signing password. The sign
//     slots are registered Disabled (NSS's own per-slot switch, the one Firefox's Device Manager
//     sets; a disabled slot is never present: pk11slot.c PK11_IsPresent), which leaves the auth
//     certificate in place. Signing programs use the module through p11-kit or their own
//     registration, not the browsers' databases. --keep-sign-token registers the sign slots as
//     they are (enabled, not friendly) for a user who wants the browser to sign.
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "commands.hpp"
#include "mynacard/apdu/pcsc.hpp"
#include "setup_module.hpp"
#include "setup_nssdb.hpp"
#include "setup_targets.hpp"

namespace mynacard::cli {
namespace {

namespace fs = std::filesystem;
using setup::NssTarget;

struct SetupOptions {
    bool remove = false;
    bool check = false;
    bool keep_sign_token = false;
    std::string module;
};

/// What happened to one database; the id is the JSON "result".
enum class Outcome { Added, Created, Present, Updated, Removed, NotPresent, Skipped, Failed };

const char* outcome_id(Outcome o) noexcept
{
    switch (o) {
    case Outcome::Added: return "added";
    case Outcome::Created: return "added";
    case Outcome::Present: return "already-present";
    case Outcome::Updated: return "updated";
    case Outcome::Removed: return "removed";
    case Outcome::NotPresent: return "not-present";
    case Outcome::Skipped: return "skipped";
    case Outcome::Failed: return "failed";
    }
    return "failed";
}

bool changed(Outcome o) noexcept
{
    return o == Outcome::Added || o == Outcome::Created || o == Outcome::Updated || o == Outcome::Removed;
}

struct TargetResult {
    NssTarget target;
    Outcome outcome = Outcome::Failed;
    std::string reason;  ///< for Failed / Skipped
};

/// The first line of a tool's output that says what went wrong (modutil prints "ERROR: ..."),
/// else its last non-empty line.
std::string tool_reason(const setup::RunResult& r)
{
    if (!r.error.empty()) return r.error;
    std::string last;
    std::size_t pos = 0;
    while (pos < r.output.size()) {
        auto end = r.output.find('\n', pos);
        if (end == std::string::npos) end = r.output.size();
        std::string line = r.output.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        if (line.find("ERROR") != std::string::npos || line.find("rror:") != std::string::npos) return line;
        last = line;
    }
    return last.empty() ? "exit status " + std::to_string(r.status) : last;
}

std::string db_arg(const fs::path& dir) { return "sql:" + dir.string(); }

/// A new, empty-password NSS database (what Chromium and Firefox create on first start).
std::string create_db(const fs::path& dir)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return dir.string() + ": " + ec.message();
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    const auto r = setup::run_program({"certutil", "-N", "-d", db_arg(dir), "--empty-password"});
    if (r.status != 0 || !r.error.empty()) return "certutil -N: " + tool_reason(r);
    return "";
}

std::string modutil_delete(const fs::path& dir)
{
    const auto r = setup::run_program({"modutil", "-dbdir", db_arg(dir), "-delete", setup::kModuleName, "-force"});
    if (r.status != 0 || !r.error.empty()) return "modutil -delete: " + tool_reason(r);
    return "";
}

std::string modutil_add(const fs::path& dir, const fs::path& module)
{
    const auto r = setup::run_program(
        {"modutil", "-dbdir", db_arg(dir), "-add", setup::kModuleName, "-libfile", module.string(), "-force"});
    if (r.status != 0 || !r.error.empty()) return "modutil -add: " + tool_reason(r);
    return "";
}

TargetResult add_to(const NssTarget& t, const fs::path& module, const std::string& params)
{
    TargetResult res{t, Outcome::Failed, ""};
    if (!t.problem.empty()) {
        res.outcome = Outcome::Skipped;
        res.reason = t.problem;
        return res;
    }
    bool created = false;
    if (!t.exists) {
        if (auto err = create_db(t.dir); !err.empty()) {
            res.reason = err;
            return res;
        }
        created = true;
    }
    const auto entry = setup::find_entry(t.dir);
    bool updated = false;
    if (entry) {
        if (entry->library == module.string() && setup::slot_params_of(entry->nss) == params) {
            res.outcome = Outcome::Present;
            return res;
        }
        updated = true;
        // Another library file (an older build, another prefix): register this one instead.
        if (entry->library != module.string()) {
            if (auto err = modutil_delete(t.dir); !err.empty()) {
                res.reason = err;
                return res;
            }
        }
    }
    if (!entry || entry->library != module.string()) {
        if (auto err = modutil_add(t.dir, module); !err.empty()) {
            res.reason = err;
            return res;
        }
    }
    if (auto err = setup::write_slot_params(t.dir, params); !err.empty()) {
        res.reason = err;
        return res;
    }
    const auto now = setup::find_entry(t.dir);
    if (!now || now->library != module.string() || setup::slot_params_of(now->nss) != params) {
        res.reason = "the registration did not read back as written";
        return res;
    }
    res.outcome = created ? Outcome::Created : updated ? Outcome::Updated : Outcome::Added;
    return res;
}

TargetResult remove_from(const NssTarget& t)
{
    TargetResult res{t, Outcome::NotPresent, ""};
    if (!t.problem.empty()) return {t, Outcome::Skipped, t.problem};
    if (!t.exists || !setup::find_entry(t.dir)) return res;
    if (auto err = modutil_delete(t.dir); !err.empty()) {
        res.outcome = Outcome::Failed;
        res.reason = err;
        return res;
    }
    if (setup::find_entry(t.dir)) {
        res.outcome = Outcome::Failed;
        res.reason = "the module is still listed after modutil -delete";
        return res;
    }
    res.outcome = Outcome::Removed;
    return res;
}

std::string browser_name(const Context& ctx, const std::string& browser)
{
    return ctx.msg(browser == "firefox" ? Msg::SetupFirefox : Msg::SetupChromium);
}

std::string target_title(const Context& ctx, const NssTarget& t)
{
    std::string title = browser_name(ctx, t.browser);
    if (!t.profile.empty()) title += " (" + t.profile + ")";
    return title + " " + t.dir.string();
}

std::string outcome_text(const Context& ctx, const TargetResult& r)
{
    switch (r.outcome) {
    case Outcome::Added: return ctx.msg(Msg::SetupAdded);
    case Outcome::Created: return ctx.msg(Msg::SetupCreated);
    case Outcome::Present: return ctx.msg(Msg::SetupPresent);
    case Outcome::Updated: return ctx.msg(Msg::SetupUpdated);
    case Outcome::Removed: return ctx.msg(Msg::SetupRemoved);
    case Outcome::NotPresent: return ctx.msg(Msg::SetupNotPresent);
    case Outcome::Skipped: return ctx.msg(Msg::SetupSkipped, {r.reason});
    case Outcome::Failed: return ctx.msg(Msg::SetupFailed, {r.reason});
    }
    return "";
}

nlohmann::json target_json(const NssTarget& t)
{
    return {{"browser", t.browser}, {"profile", t.profile.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.profile)},
            {"path", t.dir.string()}};
}

fs::path home_dir(const Context& ctx)
{
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') ctx.fail(ExitCode::SetupIncomplete, ctx.msg(Msg::SetupNoHome));
    return home;
}

nlohmann::json browsers_json(const std::vector<setup::RunningBrowser>& running)
{
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : running) out.push_back({{"browser", b.browser}, {"pids", b.pids}});
    return out;
}

/// "Firefox is running (process 123): restart it ..." for each running browser whose database
/// changed (or, with `always`, for each running browser).
nlohmann::json restart_notes(const Context& ctx, const std::vector<setup::RunningBrowser>& running,
                             const std::vector<TargetResult>& results, bool always)
{
    nlohmann::json restart = nlohmann::json::array();
    for (const auto& b : running) {
        bool affected = always;
        for (const auto& r : results)
            if (r.target.browser == b.browser && changed(r.outcome)) affected = true;
        if (!affected) continue;
        restart.push_back(b.browser);
        ctx.note(ctx.msg(Msg::SetupRestart, {browser_name(ctx, b.browser), std::to_string(b.pids.front())}));
    }
    return restart;
}

nlohmann::json module_json(const fs::path& module, const setup::ModuleProbe& probe)
{
    nlohmann::json j{{"path", module.string()}, {"loadable", probe.info.has_value()}};
    if (probe.info) {
        j["version"] = probe.info->version;
        j["description"] = probe.info->description;
        j["manufacturer"] = probe.info->manufacturer;
        j["cryptoki_version"] = probe.info->cryptoki;
    } else {
        j["error"] = probe.error;
    }
    return j;
}

std::string module_line(const Context& ctx, const fs::path& module, const setup::ModuleProbe& probe)
{
    if (!probe.info) return ctx.msg(Msg::SetupModuleLine, {module.string(), probe.error});
    return ctx.msg(Msg::SetupModuleLine,
                   {module.string(), probe.info->description + " " + probe.info->version});
}

int run_check(Context& ctx, const SetupOptions& o, const fs::path& module, const std::string& params)
{
    const auto probe = setup::probe_module(module);
    ctx.out(module_line(ctx, module, probe));
    nlohmann::json dbs = nlohmann::json::array();
    bool complete = probe.info.has_value();
    for (const auto& t : setup::find_targets(home_dir(ctx))) {
        nlohmann::json j = target_json(t);
        std::string state;
        const auto entry = t.exists && t.problem.empty() ? setup::find_entry(t.dir) : std::nullopt;
        j["database"] = t.exists;
        j["registered"] = entry.has_value();
        if (!t.problem.empty()) {
            j["problem"] = t.problem;
            state = ctx.msg(Msg::SetupSkipped, {t.problem});
        } else if (!entry) {
            complete = false;
            state = ctx.msg(t.exists ? Msg::SetupCheckNotRegistered : Msg::SetupCheckNoDatabase);
        } else {
            const bool current = entry->library == module.string() && setup::slot_params_of(entry->nss) == params;
            j["library"] = entry->library;
            j["current"] = current;
            if (!current) complete = false;
            state = current ? ctx.msg(Msg::SetupCheckRegistered)
                            : ctx.msg(Msg::SetupCheckOutdated, {entry->library});
        }
        ctx.out(target_title(ctx, t) + ": " + state);
        dbs.push_back(std::move(j));
    }

    nlohmann::json pcsc{{"reachable", false}, {"readers", nlohmann::json::array()}};
    auto context = apdu::PcscContext::establish();
    if (!context) {
        pcsc["error"] = context.error().message();
        ctx.out(ctx.msg(Msg::SetupCheckPcscd, {ctx.msg(Msg::ErrNoService)}));
    } else {
        pcsc["reachable"] = true;
        ctx.out(ctx.msg(Msg::SetupCheckPcscd, {ctx.msg(Msg::SetupCheckReachable)}));
        auto readers = context->list_readers();
        if (!readers || readers->empty()) {
            ctx.out("  " + ctx.msg(Msg::LblNoReaders));
        } else {
            for (const auto& r : *readers) {
                pcsc["readers"].push_back({{"name", r.name}, {"card_present", r.card_present}});
                ctx.out("  " + ctx.msg(Msg::LblReader) + ": " + r.name + " — " +
                        ctx.msg(r.card_present ? Msg::SetupCheckCardPresent : Msg::LblCardAbsent));
            }
        }
    }
    const auto running = setup::running_browsers();
    for (const auto& b : running)
        ctx.out(ctx.msg(Msg::SetupCheckRunning, {browser_name(ctx, b.browser), std::to_string(b.pids.front())}));
    if (ctx.options.json)
        ctx.emit_json("setup", {{"action", "check"},
                                {"module", module_json(module, probe)},
                                {"databases", dbs},
                                {"pcsc", pcsc},
                                {"running_browsers", browsers_json(running)},
                                {"complete", complete},
                                {"sign_token", o.keep_sign_token ? "enabled" : "disabled"}});
    return to_int(complete ? ExitCode::Ok : ExitCode::SetupIncomplete);
}

int run_setup(Context& ctx, const SetupOptions& o)
{
    const fs::path module = o.module.empty() ? setup::default_module_path() : fs::absolute(o.module).lexically_normal();
    const std::string params = setup::slot_params(o.keep_sign_token ? "" : "Disable");
    if (o.check) return run_check(ctx, o, module, params);

    setup::ModuleProbe probe;
    if (!o.remove) {
        std::error_code ec;
        if (!fs::is_regular_file(module, ec))
            ctx.fail(ExitCode::SetupIncomplete, ctx.msg(Msg::SetupModuleMissing, {module.string()}),
                     {ctx.msg(Msg::HintSetupModule)});
        probe = setup::probe_module(module);
        if (!probe.info)
            ctx.fail(ExitCode::SetupIncomplete, ctx.msg(Msg::SetupModuleUnloadable, {module.string(), probe.error}));
        ctx.out(module_line(ctx, module, probe));
    }
    // NSS's command-line tools (Debian: libnss3-tools) do the registration.
    for (const char* tool : {"modutil", "certutil"})
        if (!setup::in_path(tool)) ctx.fail(ExitCode::SetupIncomplete, ctx.msg(Msg::SetupToolMissing, {tool}));

    const auto targets = setup::find_targets(home_dir(ctx));
    std::vector<TargetResult> results;
    bool any_firefox = false;
    for (const auto& t : targets) {
        any_firefox = any_firefox || t.browser == "firefox";
        results.push_back(o.remove ? remove_from(t) : add_to(t, module, params));
        ctx.out(target_title(ctx, t) + ": " + outcome_text(ctx, results.back()));
    }
    if (!any_firefox) ctx.out(ctx.msg(Msg::SetupNoFirefox));
    const auto running = setup::running_browsers();
    const nlohmann::json restart = restart_notes(ctx, running, results, false);
    if (!o.remove) ctx.out(ctx.msg(o.keep_sign_token ? Msg::SetupSignKept : Msg::SetupSignDisabled));

    bool failed = false;
    nlohmann::json dbs = nlohmann::json::array();
    for (const auto& r : results) {
        nlohmann::json j = target_json(r.target);
        j["result"] = outcome_id(r.outcome);
        j["created"] = r.outcome == Outcome::Created;
        if (!r.reason.empty()) j["reason"] = r.reason;
        failed = failed || r.outcome == Outcome::Failed;
        dbs.push_back(std::move(j));
    }
    // Some databases failed: the report of the others still stands, so this is one JSON
    // document with an "error" member (not the generic error document instead of it).
    const std::string failure = failed ? ctx.msg(Msg::SetupSomeFailed) : "";
    if (failed) ctx.note("card-cp: " + failure);
    if (ctx.options.json) {
        nlohmann::json doc{{"action", o.remove ? "remove" : "add"},
                           {"databases", dbs},
                           {"running_browsers", browsers_json(running)},
                           {"restart", restart}};
        if (!o.remove) {
            doc["module"] = module_json(module, probe);
            doc["sign_token"] = o.keep_sign_token ? "enabled" : "disabled";
        }
        if (failed)
            doc["error"] = {{"exit_code", to_int(ExitCode::SetupIncomplete)},
                            {"kind", exit_code_name(ExitCode::SetupIncomplete)},
                            {"message", failure}};
        ctx.emit_json("setup", std::move(doc));
    }
    return to_int(failed ? ExitCode::SetupIncomplete : ExitCode::Ok);
}

}  // namespace

void add_setup_command(CLI::App& app, Context& ctx, CommandTable& table)
{
    auto options = std::make_shared<SetupOptions>();
    auto* sub = app.add_subcommand("setup", ctx.msg(Msg::HelpSetup));
    auto* remove = sub->add_flag("--remove", options->remove, ctx.msg(Msg::HelpSetupRemove));
    auto* check = sub->add_flag("--check", options->check, ctx.msg(Msg::HelpSetupCheck));
    remove->excludes(check);
    sub->add_option("--module", options->module, ctx.msg(Msg::HelpSetupModule));
    sub->add_flag("--keep-sign-token", options->keep_sign_token, ctx.msg(Msg::HelpSetupKeepSign));
    table.add(sub, [&ctx, options] { return run_setup(ctx, *options); });
}

}  // namespace mynacard::cli
