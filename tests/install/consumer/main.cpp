// A program outside the project that uses the installed headers and libmynacard.so.
#include <mynacard/config.hpp>
#include <mynacard/mynacard.hpp>

#include <cstdio>

int main()
{
    // parse_config runs inih inside libmynacard: proves the library links with its own deps.
    auto config = mynacard::parse_config("[pin]\nfinal_try = deny\n", "consumer");
    if (!config) {
        std::fprintf(stderr, "%s\n", config.error().message().c_str());
        return 1;
    }
    auto bad = mynacard::parse_config("[pin]\nfinal_tries = 1\n", "consumer");
    std::printf("mynacard %s final_try=%s bad=%s\n", mynacard::version(),
                config->pin.final_try == mynacard::jpki::FinalTryPolicy::Deny ? "deny" : "?",
                bad ? "accepted" : mynacard::errc_name(bad.error().code));
    return 0;
}
