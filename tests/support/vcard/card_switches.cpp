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
        if (!name.empty() && !apply_switch(options, name))
            throw std::invalid_argument("MYNACARD_VCARD_SWITCHES: unknown switch '" + std::string(name) + "'");
        start = comma + 1;
    }
}

}  // namespace mynacard::vcard
