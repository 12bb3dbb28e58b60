// Switch names of the virtual card (card_switches.hpp) and the one parser behind
// MYNACARD_VCARD_SWITCHES, mynacard-vcard --switch and apply_switch().
#include "card_switches.hpp"

#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "virtual_card.hpp"

namespace mynacard::vcard {
namespace {

constexpr const char* kEnvName = "MYNACARD_VCARD_SWITCHES";

/// One switch: its name, help, and what it does to the switch fields. The fields have the
/// same names in SwitchValues and CardOptions, so one generic setter serves both.
struct Entry {
    const char* name;
    const char* help;
    bool takes_value;
    // Set on a SwitchValues; CardOptions copies through the same lambda (see apply_to).
    std::function<void(SwitchValues&, std::string_view value)> set;
};

Bytes parse_atr(std::string_view hex)
{
    Bytes atr;
    // An ATR is 2..33 bytes (ISO 7816-3 §8.2.1: TS, T0, up to 15 historical bytes, interface
    // bytes and TCK).
    if (!from_hex(std::string(hex), atr) || atr.size() < 2 || atr.size() > 33)
        throw std::invalid_argument("atr=<hex> wants 2 to 33 bytes in hex, got '" + std::string(hex) + "'");
    return atr;
}

const std::vector<Entry>& table()
{
    // jpki-card.md clause in each help text; issue 9 §2 lists the points.
    static const std::vector<Entry> entries = {
        {"reselect-keeps",
         "re-SELECT of the AP already selected keeps verified PINs; another AP clears them (§1.9)",
         false, [](SwitchValues& v, std::string_view) { v.select_rule = SelectRule::KeepSameAp; }},
        {"reselect-clears",
         "any SELECT by AID (same AP or another) clears every verified PIN (§1.9, §7: strict)",
         false, [](SwitchValues& v, std::string_view) { v.select_rule = SelectRule::ClearAny; }},
        {"reselect-keeps-all",
         "no SELECT clears a verified PIN, not even of another AP (the card before issue 9)",
         false, [](SwitchValues& v, std::string_view) { v.select_rule = SelectRule::KeepAll; }},
        {"sign-consumes", "each COMPUTE DIGITAL SIGNATURE uses up its key's verification (§7)",
         false, [](SwitchValues& v, std::string_view) { v.sign_consumes = true; }},
        {"empty-verify-9000", "an empty VERIFY answers 9000 while the PIN is verified (§1.6, MC)",
         false, [](SwitchValues& v, std::string_view) { v.answer_9000_when_verified = true; }},
        {"read-end-6282",
         "READ BINARY past the end answers 6282 with the remaining bytes; at/after the end 6B00 (§1.5)",
         false, [](SwitchValues& v, std::string_view) { v.read_end_6282 = true; }},
        {"padded-ef", "certificate EFs larger than the certificate, padded with FF (§1.4)",
         false, [](SwitchValues& v, std::string_view) { v.padded_ef = true; }},
        {"no-extended",
         "no extended-length APDUs: the card answers 6700 and the reader/transport refuses them (§1.5)",
         false, [](SwitchValues& v, std::string_view) { v.support_extended_length = false; }},
        {"blocked-6983", "VERIFY (empty or not) on a blocked PIN answers 6983 (§1.6)",
         false, [](SwitchValues& v, std::string_view) { v.locked_sw_6983 = true; v.locked_sw_63c0 = false; }},
        {"blocked-63c0", "VERIFY (empty or not) on a blocked PIN answers 63C0 (§1.6)",
         false, [](SwitchValues& v, std::string_view) { v.locked_sw_63c0 = true; v.locked_sw_6983 = false; }},
        {"no-common-ap", "no Common AP: its SELECT answers 6A82 (§1.14)",
         false, [](SwitchValues& v, std::string_view) { v.has_common_ap = false; }},
        {"label-v1", "token label JPKIAPICCTOKEN in EF 0006 (older cards, §1.2)",
         false, [](SwitchValues& v, std::string_view) { v.token_label = "JPKIAPICCTOKEN"; }},
        {"atr", "another ATR, in hex (the list in §1.2); detection stays by AID",
         true, [](SwitchValues& v, std::string_view value) { v.atr = parse_atr(value); }},
        {"pss", "COMPUTE DIGITAL SIGNATURE accepts P1 = 01..05 (§1.7 table); else 6A86",
         false, [](SwitchValues& v, std::string_view) { v.pss = true; }},
    };
    return entries;
}

std::string known_list()
{
    std::string out;
    for (const auto& e : table()) {
        if (!out.empty()) out += ", ";
        out += e.name;
        if (e.takes_value) out += "=<hex>";
    }
    return out;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

void apply_to_values(SwitchValues& values, std::string_view spec)
{
    const auto eq = spec.find('=');
    const std::string_view name = spec.substr(0, eq);
    for (const auto& e : table()) {
        if (name != e.name) continue;
        if (e.takes_value != (eq != std::string_view::npos))
            throw std::invalid_argument("virtual card switch '" + std::string(spec) +
                                        (e.takes_value ? "' needs =<value>" : "' takes no value"));
        e.set(values, eq == std::string_view::npos ? std::string_view{} : spec.substr(eq + 1));
        return;
    }
    throw std::invalid_argument("unknown virtual card switch '" + std::string(spec) +
                                "' (known: " + known_list() + ")");
}

template <class F>
void for_each_entry(std::string_view list, F&& f)
{
    while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = trim(list.substr(0, comma));
        if (!item.empty()) f(item);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

SwitchValues values_of(const CardOptions& o)
{
    SwitchValues v;
    v.select_rule = o.select_rule;
    v.sign_consumes = o.sign_consumes;
    v.answer_9000_when_verified = o.answer_9000_when_verified;
    v.read_end_6282 = o.read_end_6282;
    v.padded_ef = o.padded_ef;
    v.support_extended_length = o.support_extended_length;
    v.locked_sw_6983 = o.locked_sw_6983;
    v.locked_sw_63c0 = o.locked_sw_63c0;
    v.has_common_ap = o.has_common_ap;
    v.atr = o.atr;
    v.token_label = o.token_label;
    v.pss = o.pss;
    return v;
}

void store(CardOptions& o, const SwitchValues& v)
{
    o.select_rule = v.select_rule;
    o.sign_consumes = v.sign_consumes;
    o.answer_9000_when_verified = v.answer_9000_when_verified;
    o.read_end_6282 = v.read_end_6282;
    o.padded_ef = v.padded_ef;
    o.support_extended_length = v.support_extended_length;
    o.locked_sw_6983 = v.locked_sw_6983;
    o.locked_sw_63c0 = v.locked_sw_63c0;
    o.has_common_ap = v.has_common_ap;
    o.atr = v.atr;
    o.token_label = v.token_label;
    o.pss = v.pss;
}

SwitchValues parse_environment(const char* env)
{
    SwitchValues values;
    if (!env) return values;
    try {
        for_each_entry(env, [&](std::string_view item) { apply_to_values(values, item); });
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string(kEnvName) + ": " + e.what());
    }
    return values;
}

}  // namespace

SwitchValues switch_defaults()
{
    // Every CardOptions reads this once per switch field: parse only when the variable changed
    // (tests may set it between two cards). A bad value throws on every call and is not kept.
    static std::mutex mutex;
    static bool parsed = false;
    static std::optional<std::string> parsed_env;  // the value `values` was parsed from
    static SwitchValues values;
    std::lock_guard lock(mutex);
    const char* env = std::getenv(kEnvName);
    const std::optional<std::string> now = env ? std::optional<std::string>(env) : std::nullopt;
    if (!parsed || parsed_env != now) {
        values = parse_environment(env);
        parsed_env = now;
        parsed = true;
    }
    return values;
}

void apply_switch(CardOptions& options, std::string_view name)
{
    SwitchValues v = values_of(options);
    apply_to_values(v, trim(name));
    store(options, v);
}

void apply_switches(CardOptions& options, std::string_view list)
{
    for_each_entry(list, [&](std::string_view item) { apply_switch(options, item); });
}

std::vector<SwitchDoc> known_switches()
{
    std::vector<SwitchDoc> out;
    for (const auto& e : table())
        out.push_back({std::string(e.name) + (e.takes_value ? "=<hex>" : ""), e.help});
    return out;
}

}  // namespace mynacard::vcard
