// Virtual-card switches: one name per point jpki-card.md leaves open (BRIEF "virtual-card switch
// interface"), applied from MYNACARD_VCARD_SWITCHES to every card a process creates and from
// mynacard-vcard --switch.
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "virtual_card.hpp"

namespace mynacard::vcard {

bool apply_switch(CardOptions& options, std::string_view name)
{
    if (name == "pss") {
        options.pss = true;  // jpki-card.md §1.7 P1 table
        return true;
    }
    // What a SELECT by AID does to verified PINs (jpki-card.md §1.9, §7); CardOptions'
    // default_select_rule() reads the same names from the environment.
    if (name == "reselect-keeps") {
        options.select_rule = SelectRule::KeepSameAp;
        return true;
    }
    if (name == "reselect-keeps-all") {
        options.select_rule = SelectRule::KeepAll;
        return true;
    }
    if (name == "reselect-clears") {
        options.select_rule = SelectRule::ClearAny;
        return true;
    }
    return false;
}

void apply_environment_switches(CardOptions& options)
{
    const char* env = std::getenv("MYNACARD_VCARD_SWITCHES");
    if (env == nullptr) return;
    const std::string_view all(env);
    std::size_t start = 0;
    while (start <= all.size()) {
        const std::size_t comma = std::min(all.find(',', start), all.size());
        const std::string_view name = all.substr(start, comma - start);
        // The SELECT rule from the environment is already CardOptions' default
        // (default_select_rule()), which a test may have overridden on purpose: kept as is.
        if (name.rfind("reselect-", 0) == 0) {
            CardOptions probe;
            if (!apply_switch(probe, name))
                throw std::invalid_argument("MYNACARD_VCARD_SWITCHES: unknown switch '" + std::string(name) + "'");
        } else if (!name.empty() && !apply_switch(options, name))
            throw std::invalid_argument("MYNACARD_VCARD_SWITCHES: unknown switch '" + std::string(name) + "'");
        start = comma + 1;
    }
}

}  // namespace mynacard::vcard
