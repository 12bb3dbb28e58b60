#include "prescan.hpp"

namespace mynacard::cli {
namespace {

std::optional<std::string> valid_lang(const std::string& value)
{
    if (value == "en" || value == "ja") return value;
    return std::nullopt;
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
        } else if (arg == "--lang" && i + 1 < args.size()) {
            if (auto lang = valid_lang(args[i + 1])) result.lang = lang;
            ++i;
        } else if (arg.rfind("--lang=", 0) == 0) {
            if (auto lang = valid_lang(arg.substr(7))) result.lang = lang;
        }
    }
    return result;
}

}  // namespace mynacard::cli
