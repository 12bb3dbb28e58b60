// Config from INI text: every key of include/mynacard/config.hpp, strictly. An unknown section
// or key, a repeated single-valued key, or a value outside its range is ConfigInvalid with
// "origin:line: ...", so a typo never silently leaves a safety setting at its default.
#include "mynacard/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <system_error>

#include "ini_document.hpp"

namespace mynacard {
namespace {

using config_detail::IniEntry;
using Problem = std::optional<std::string>;  // nullopt = accepted
using Setter = std::function<Problem(Config&, std::string_view)>;

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

/// "a, b ,c" -> {"a","b","c"}; empty items are an error (a stray comma is a typo).
std::optional<std::vector<std::string>> split_list(std::string_view value)
{
    std::vector<std::string> items;
    if (trim(value).empty()) return items;
    while (true) {
        const auto comma = value.find(',');
        const auto item = trim(value.substr(0, comma));
        if (item.empty()) return std::nullopt;
        items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return items;
}

// --- value parsers: each returns the value, or a message saying what is accepted ----------

template <typename T>
struct Parsed {
    std::optional<T> value;
    std::string problem;
};

Parsed<bool> parse_bool(std::string_view v)
{
    const auto s = lower(v);
    if (s == "true" || s == "yes" || s == "on" || s == "1") return {true, {}};
    if (s == "false" || s == "no" || s == "off" || s == "0") return {false, {}};
    return {std::nullopt, "expected true or false (also yes/no, on/off, 1/0)"};
}

Parsed<std::uint64_t> parse_uint(std::string_view v, std::uint64_t min, std::uint64_t max)
{
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n < min || n > max)
        return {std::nullopt, "expected a whole number from " + std::to_string(min) + " to " +
                                  std::to_string(max)};
    return {n, {}};
}

template <typename E>
Parsed<E> parse_choice(std::string_view v, std::initializer_list<std::pair<const char*, E>> choices)
{
    const auto s = lower(v);
    std::string names;
    for (const auto& [name, value] : choices) {
        if (s == name) return {value, {}};
        names += names.empty() ? "" : " | ";
        names += name;
    }
    return {std::nullopt, "expected one of: " + names};
}

/// Paths in the file must be absolute: a relative one would depend on the working directory
/// of whichever program (browser, card-cp, daemon) loaded the configuration.
Parsed<std::filesystem::path> parse_path(std::string_view v)
{
    std::filesystem::path p{std::string(v)};
    if (!p.is_absolute()) return {std::nullopt, "expected an absolute path"};
    return {p, {}};
}

bool is_http_url(std::string_view v)
{
    const auto s = lower(v);
    const auto rest = s.starts_with("http://") ? s.substr(7) : s.starts_with("https://") ? s.substr(8) : "";
    return !rest.empty() && rest.front() != '/' &&
           std::none_of(v.begin(), v.end(), [](unsigned char c) { return std::isspace(c); });
}

// --- the key table -------------------------------------------------------------------------

template <typename T, typename Store>
Problem apply(const Parsed<T>& parsed, Store store)
{
    if (!parsed.value) return parsed.problem;
    store(*parsed.value);
    return std::nullopt;
}

template <typename Member>
Setter boolean(Member member)
{
    return [member](Config& c, std::string_view v) {
        return apply(parse_bool(v), [&](bool b) { std::invoke(member, c) = b; });
    };
}

template <typename Member>
Setter seconds(Member member, std::uint64_t min, std::uint64_t max)
{
    return [member, min, max](Config& c, std::string_view v) {
        return apply(parse_uint(v, min, max), [&](std::uint64_t n) {
            std::invoke(member, c) = std::chrono::seconds(static_cast<std::int64_t>(n));
        });
    };
}

template <typename Member>
Setter size(Member member, std::uint64_t min, std::uint64_t max)
{
    return [member, min, max](Config& c, std::string_view v) {
        return apply(parse_uint(v, min, max),
                     [&](std::uint64_t n) { std::invoke(member, c) = static_cast<std::size_t>(n); });
    };
}

template <typename Member>
Setter optional_path(Member member)
{
    return [member](Config& c, std::string_view v) -> Problem {
        if (v.empty()) {
            std::invoke(member, c).reset();
            return std::nullopt;
        }
        return apply(parse_path(v), [&](const std::filesystem::path& p) { std::invoke(member, c) = p; });
    };
}

/// A list of absolute paths or glob patterns; each line of the key appends (lines are short).
template <typename Member>
Setter path_list(Member member)
{
    return [member](Config& c, std::string_view v) -> Problem {
        const auto items = split_list(v);
        if (!items) return "empty item in a comma-separated list";
        for (const auto& item : *items) {
            const auto p = parse_path(item);
            if (!p.value) return "\"" + item + "\": " + p.problem;
            std::invoke(member, c).push_back(*p.value);
        }
        return std::nullopt;
    };
}

template <typename Member>
Setter unknown_policy(Member member)
{
    return [member](Config& c, std::string_view v) {
        return apply(parse_choice<UnknownStatusPolicy>(v, {{"fail-closed", UnknownStatusPolicy::FailClosed},
                                                           {"fail-open-warn", UnknownStatusPolicy::FailOpenWarn},
                                                           {"fail-open", UnknownStatusPolicy::FailOpen}}),
                     [&](UnknownStatusPolicy p) { std::invoke(member, c) = p; });
    };
}

Problem set_revocation_mode(Config& c, std::string_view v)
{
    const auto items = split_list(lower(v));
    if (!items || items->empty()) return "expected ocsp, crl, both in order (ocsp,crl), or none";
    if (*items == std::vector<std::string>{"none"}) {
        c.revocation.mode.clear();
        return std::nullopt;
    }
    std::vector<std::string> mode;
    for (const auto& item : *items) {
        if (item != "ocsp" && item != "crl")
            return "\"" + item + "\": expected ocsp, crl, both in order (ocsp,crl), or none";
        if (std::find(mode.begin(), mode.end(), item) != mode.end()) return "\"" + item + "\" listed twice";
        mode.push_back(item);
    }
    c.revocation.mode = std::move(mode);
    return std::nullopt;
}

Problem set_log_level(Config& c, std::string_view v)
{
    const auto s = lower(v);
    if (s != "off" && s != "error" && s != "info" && s != "debug")
        return "expected one of: off | error | info | debug";
    c.log.level = s;
    return std::nullopt;
}

Problem set_ocsp_url(Config& c, std::string_view v)
{
    if (v.empty() || lower(v) == "aia") {
        c.ocsp.url = lower(v);
        return std::nullopt;
    }
    if (!is_http_url(v)) return "expected an http:// or https:// URL, \"aia\", or nothing (off)";
    c.ocsp.url = std::string(v);
    return std::nullopt;
}

Problem add_crl_urls(Config& c, std::string_view v)
{
    const auto items = split_list(v);
    if (!items) return "empty item in a comma-separated list";
    for (const auto& item : *items) {
        if (!is_http_url(item)) return "\"" + item + "\": expected an http:// or https:// URL";
        c.crl.urls.push_back(item);
    }
    return std::nullopt;
}

constexpr std::uint64_t kTenYears = 10ULL * 366 * 24 * 3600;

struct KeySpec {
    Setter set;
    bool repeatable = false;  ///< list keys: each occurrence appends
};

const std::map<std::string, std::map<std::string, KeySpec>>& key_table()
{
    using C = Config;
    static const std::map<std::string, std::map<std::string, KeySpec>> table{
        {"pin",
         {{"final_try",
           {[](C& c, std::string_view v) {
                return apply(parse_choice<jpki::FinalTryPolicy>(v, {{"allow", jpki::FinalTryPolicy::Allow},
                                                                    {"confirm", jpki::FinalTryPolicy::Confirm},
                                                                    {"deny", jpki::FinalTryPolicy::Deny}}),
                             [&](jpki::FinalTryPolicy p) { c.pin.final_try = p; });
            }}},
          {"skip_login_if_revoked", {boolean([](C& c) -> bool& { return c.pin.skip_login_if_revoked; })}}}},
        {"pkcs11",
         {{"sign_always_authenticate",
           {boolean([](C& c) -> bool& { return c.pkcs11.sign_always_authenticate; })}},
          {"expose_ca_certificates", {boolean([](C& c) -> bool& { return c.pkcs11.expose_ca_certificates; })}},
          {"signature_hold.seconds",
           {seconds([](C& c) -> std::chrono::seconds& { return c.pkcs11.signature_hold; }, 1, 120)}}}},
        {"cache",
         {{"enabled", {boolean([](C& c) -> bool& { return c.cache.enabled; })}},
          {"directory",
           {optional_path([](C& c) -> std::optional<std::filesystem::path>& { return c.cache.directory; })}},
          {"sign_certificate", {boolean([](C& c) -> bool& { return c.cache.include_sign_certificate; })}}}},
        {"log",
         {{"level", {set_log_level}},
          {"file", {optional_path([](C& c) -> std::optional<std::filesystem::path>& { return c.log.file; })}}}},
        {"revocation",
         {{"mode", {set_revocation_mode}},
          {"policy.sign", {unknown_policy([](C& c) -> UnknownStatusPolicy& { return c.revocation.policy_sign; })}},
          {"policy.auth", {unknown_policy([](C& c) -> UnknownStatusPolicy& { return c.revocation.policy_auth; })}},
          {"grace.seconds", {seconds([](C& c) -> std::chrono::seconds& { return c.revocation.grace; }, 0, kTenYears)}},
          {"max_age.seconds",
           {seconds([](C& c) -> std::chrono::seconds& { return c.revocation.max_age; }, 0, kTenYears)}},
          {"expiry.warn_days",
           {[](C& c, std::string_view v) {
                return apply(parse_uint(v, 0, 3660),
                             [&](std::uint64_t n) { c.revocation.expiry_warn_days = static_cast<int>(n); });
            }}},
          {"offline", {boolean([](C& c) -> bool& { return c.revocation.offline; })}},
          {"unknown_cache.seconds",
           {seconds([](C& c) -> std::chrono::seconds& { return c.revocation.unknown_cache; }, 0, 3600)}},
          {"ca_file",
           {optional_path([](C& c) -> std::optional<std::filesystem::path>& { return c.revocation.ca_file; })}}}},
        {"trust",
         {{"anchors", {path_list([](C& c) -> std::vector<std::filesystem::path>& { return c.trust.anchors; }), true}},
          {"accept_test_hierarchy", {boolean([](C& c) -> bool& { return c.trust.accept_test_hierarchy; })}}}},
        {"ocsp",
         {{"url", {set_ocsp_url}},
          {"timeout.seconds", {seconds([](C& c) -> std::chrono::seconds& { return c.ocsp.timeout; }, 1, 600)}},
          {"require_nonce", {boolean([](C& c) -> bool& { return c.ocsp.require_nonce; })}},
          {"leeway.seconds", {seconds([](C& c) -> std::chrono::seconds& { return c.ocsp.leeway; }, 0, 86400)}},
          {"max_response_bytes",
           {size([](C& c) -> std::size_t& { return c.ocsp.max_response_bytes; }, 512, 16ULL << 20)}}}},
        {"crl",
         {{"files", {path_list([](C& c) -> std::vector<std::filesystem::path>& { return c.crl.files; }), true}},
          {"urls", {add_crl_urls, true}},
          {"timeout.seconds", {seconds([](C& c) -> std::chrono::seconds& { return c.crl.timeout; }, 1, 600)}},
          {"max_bytes", {size([](C& c) -> std::size_t& { return c.crl.max_bytes; }, 1024, 1ULL << 30)}}}},
        {"local",
         {{"suspended_list",
           {optional_path([](C& c) -> std::optional<std::filesystem::path>& { return c.local.suspended_list; })}}}},
    };
    return table;
}

Error invalid(const std::string& origin, int line, const std::string& what)
{
    return Error(Errc::ConfigInvalid, origin + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

Result<Config> parse_config(std::string_view text, const std::string& origin)
{
    MYNACARD_TRY(auto doc, config_detail::parse_ini(text, origin));
    const auto& table = key_table();

    for (const auto& section : doc.sections)
        if (!table.contains(section.name))
            return invalid(origin, section.line, "unknown section [" + section.name + "]");

    Config config;
    std::map<std::string, int> seen;  // "section.key" -> first line
    for (const IniEntry& e : doc.entries) {
        // Not table.at(): inih also skips a second UTF-8 BOM, and isspace() blanks such as \v,
        // before a [header] that the section notes of ini_document.cpp do not see, so an entry
        // can name a section that was never checked above (and at() would throw).
        const auto section = table.find(e.section);
        if (section == table.end()) return invalid(origin, e.line, "unknown section [" + e.section + "]");
        const auto& keys = section->second;
        const auto spec = keys.find(e.key);
        const std::string full = e.section + "." + e.key;
        if (spec == keys.end()) return invalid(origin, e.line, "unknown key " + e.key + " in [" + e.section + "]");
        const auto [first, inserted] = seen.emplace(full, e.line);
        if (!inserted && !spec->second.repeatable)
            return invalid(origin, e.line, "duplicate key " + e.key + " in [" + e.section +
                                               "] (first set on line " + std::to_string(first->second) + ")");
        if (auto problem = spec->second.set(config, e.value))
            return invalid(origin, e.line, e.key + " = \"" + e.value + "\": " + *problem);
    }
    return config;
}

Result<Config> load_config(const std::optional<std::filesystem::path>& path)
{
    const std::filesystem::path file = path ? *path : default_config_path();
    std::error_code ec;
    const auto st = std::filesystem::status(file, ec);
    if (st.type() == std::filesystem::file_type::not_found) return Config{};  // defaults
    if (ec) return Unexpected{Errc::Io, file.string() + ": " + ec.message()};
    if (!std::filesystem::is_regular_file(st)) return Unexpected{Errc::Io, file.string() + ": not a regular file"};

    constexpr std::uintmax_t kMaxBytes = 1 << 20;  // a configuration file is a few hundred bytes
    const auto bytes = std::filesystem::file_size(file, ec);
    if (ec) return Unexpected{Errc::Io, file.string() + ": " + ec.message()};
    if (bytes > kMaxBytes) return Unexpected{Errc::ConfigInvalid, file.string() + ": larger than 1 MiB"};

    std::ifstream in(file, std::ios::binary);
    if (!in.is_open()) return Unexpected{Errc::Io, file.string() + ": cannot be opened"};
    std::string text(static_cast<std::size_t>(bytes), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad()) return Unexpected{Errc::Io, file.string() + ": read error"};

    MYNACARD_TRY(auto config, parse_config(text, file.string()));
    config.source = file;
    return config;
}

}  // namespace mynacard
