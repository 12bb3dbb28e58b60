#include "prescan.hpp"

namespace mynacard::cli {
namespace {

std::optional<std::string> valid_lang(const std::string& value)
{
    if (value == "en" || value == "ja") return value;
    return std::nullopt;
}

bool takes_value(const std::string& option)
{
    for (const char* name : {"--reader", "--config", "--pin-fd", "--pin-file", "--new-pin-fd", "--new-pin-file"})
        if (option == name) return true;
    return false;
}

}  // namespace

PreScan prescan(const std::vector<std::string>& args)
{
    PreScan result;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") break;
        if (arg == "--json") {
            result.json = true;
        } else if (arg == "--lang") {
            if (i + 1 < args.size()) {
                if (auto lang = valid_lang(args[i + 1])) result.lang = lang;
                ++i;
            }
        } else if (arg.rfind("--lang=", 0) == 0) {
            if (auto lang = valid_lang(arg.substr(7))) result.lang = lang;
        } else if (takes_value(arg)) {
            ++i;
        } else if (arg.empty() || arg[0] != '-') {
            result.words.push_back(arg);
        }
    }
    return result;
}

}  // namespace mynacard::cli
