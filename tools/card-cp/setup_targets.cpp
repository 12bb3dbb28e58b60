#include "setup_targets.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace mynacard::cli::setup {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s)
{
    const auto not_space = [](unsigned char c) { return c != ' ' && c != '\t' && c != '\r'; };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

std::string read_small_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool has_nss_db(const fs::path& dir)
{
    std::error_code ec;
    return fs::exists(dir / "cert9.db", ec);
}

}  // namespace

std::vector<std::pair<std::string, fs::path>> parse_profiles_ini(const std::string& text,
                                                                 const fs::path& ini_dir)
{
    struct Section {
        std::map<std::string, std::string> keys;
    };
    std::vector<Section> profiles;
    Section* current = nullptr;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        line = trim(line);
        if (line.empty() || line[0] == ';' || line[0] == '#') continue;
        if (line.front() == '[') {
            const auto name = line.substr(1, line.find(']') == std::string::npos ? std::string::npos
                                                                                  : line.find(']') - 1);
            // Only [Profile0], [Profile1], ...: [Install<hash>] and [General] name no databases.
            const bool profile = name.rfind("Profile", 0) == 0 && name.size() > 7 &&
                                 std::all_of(name.begin() + 7, name.end(),
                                             [](unsigned char c) { return c >= '0' && c <= '9'; });
            current = profile ? &profiles.emplace_back() : nullptr;
            continue;
        }
        if (current == nullptr) continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        current->keys[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
    std::vector<std::pair<std::string, fs::path>> out;
    for (const auto& p : profiles) {
        const auto path = p.keys.find("Path");
        if (path == p.keys.end() || path->second.empty()) continue;
        const auto rel = p.keys.find("IsRelative");
        const bool relative = rel == p.keys.end() || rel->second != "0";
        const auto name = p.keys.find("Name");
        fs::path dir = relative ? ini_dir / path->second : fs::path(path->second);
        out.emplace_back(name == p.keys.end() ? path->second : name->second,
                         dir.lexically_normal());
    }
    return out;
}

std::vector<NssTarget> find_targets(const fs::path& home)
{
    std::vector<NssTarget> targets;
    const fs::path chromium = home / ".pki" / "nssdb";
    targets.push_back({"chromium", "", chromium, has_nss_db(chromium), ""});

    const fs::path ini_dir = home / ".mozilla" / "firefox";
    std::error_code ec;
    if (fs::exists(ini_dir / "profiles.ini", ec)) {
        for (const auto& [name, dir] : parse_profiles_ini(read_small_file(ini_dir / "profiles.ini"), ini_dir)) {
            NssTarget t{"firefox", name, dir, has_nss_db(dir), ""};
            // A listed profile whose directory is gone is Firefox's to recreate, not ours.
            if (!fs::is_directory(dir, ec)) t.problem = "profile directory missing";
            targets.push_back(std::move(t));
        }
    }
    return targets;
}

std::vector<RunningBrowser> running_browsers(const fs::path& proc_root)
{
    // Command names (comm, at most 15 characters) and executable names of the Debian packages'
    // browsers: firefox-esr and firefox (/usr/lib/firefox*/firefox*), chromium
    // (/usr/lib/chromium/chromium), and Google's builds users install next to them.
    static const std::map<std::string, std::string> kNames{
        {"firefox", "firefox"},   {"firefox-esr", "firefox"}, {"firefox-bin", "firefox"},
        {"chromium", "chromium"}, {"chromium-browse", "chromium"}, {"chromium-browser", "chromium"},
        {"chrome", "chromium"}};
    const uid_t me = getuid();
    std::map<std::string, std::vector<int>> found;
    std::error_code ec;
    for (fs::directory_iterator it(proc_root, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) { return c >= '0' && c <= '9'; }))
            continue;
        struct stat st {};
        if (::stat(it->path().c_str(), &st) != 0 || st.st_uid != me) continue;
        std::string comm = trim(read_small_file(it->path() / "comm"));
        if (!comm.empty() && comm.back() == '\n') comm.pop_back();
        std::string browser;
        if (auto k = kNames.find(comm); k != kNames.end()) browser = k->second;
        if (browser.empty()) {
            std::error_code link_ec;
            const auto exe = fs::read_symlink(it->path() / "exe", link_ec);
            if (!link_ec)
                if (auto k = kNames.find(exe.filename().string()); k != kNames.end()) browser = k->second;
        }
        if (!browser.empty()) found[browser].push_back(std::stoi(name));
    }
    std::vector<RunningBrowser> out;
    for (auto& [browser, pids] : found) {
        std::sort(pids.begin(), pids.end());
        out.push_back({browser, std::move(pids)});
    }
    return out;
}

}  // namespace mynacard::cli::setup
