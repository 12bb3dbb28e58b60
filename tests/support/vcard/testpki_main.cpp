// mynacard-testpki: writes a test PKI directory (see TestPki::save for the layout).
//   mynacard-testpki --out DIR [--long-address] [--ocsp-url U] [--not-before T] [--not-after T]
//                    [--key-bits N] [--auth-serial N] [--sign-serial N]
// T is YYYY-MM-DD (00:00 UTC), YYYYMMDDhhmmssZ, or seconds since the epoch.
// CLI11's inlined std::string code trips g++ 12's -Wnull-dereference (a known false positive
// of that warning at -O2); the warning stays on for the rest of the project.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>

#include <ctime>
#include <iostream>

#include "test_pki.hpp"

namespace {

std::optional<std::time_t> parse_time(const std::string& text)
{
    std::tm tm{};
    const char* end = nullptr;
    if (text.size() == 10 && (end = strptime(text.c_str(), "%Y-%m-%d", &tm)) && !*end)
        return timegm(&tm);
    tm = {};
    if (text.size() == 15 && (end = strptime(text.c_str(), "%Y%m%d%H%M%SZ", &tm)) && !*end)
        return timegm(&tm);
    if (!text.empty() && text.find_first_not_of("-0123456789") == std::string::npos) {
        try {
            return static_cast<std::time_t>(std::stoll(text));
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Generate the mynacard test PKI (O=JPKI-TEST; never trust it in production)"};
    std::string out, ocsp_url, not_before, not_after;
    bool long_address = false;
    mynacard::vcard::PkiOptions options;
    app.add_option("--out", out, "Output directory")->required();
    app.add_flag("--long-address", long_address, "Holder with a long address (sign cert > 2 KB)");
    app.add_option("--ocsp-url", ocsp_url, "AIA OCSP URL on both leaves");
    app.add_option("--not-before", not_before, "Leaf notBefore (YYYY-MM-DD, YYYYMMDDhhmmssZ, epoch)");
    app.add_option("--not-after", not_after, "Leaf notAfter (YYYY-MM-DD, YYYYMMDDhhmmssZ, epoch)");
    app.add_option("--key-bits", options.key_bits, "RSA key size")->check(CLI::Range(1024, 4096));
    app.add_option("--auth-serial", options.auth_serial, "Auth leaf serial");
    app.add_option("--sign-serial", options.sign_serial, "Sign leaf serial");
    CLI11_PARSE(app, argc, argv);

    if (long_address) options.person = mynacard::vcard::person_with_long_address();
    if (!ocsp_url.empty()) options.ocsp_url = ocsp_url;
    for (auto [text, slot] : {std::pair{&not_before, &options.leaf_not_before},
                              std::pair{&not_after, &options.leaf_not_after}}) {
        if (text->empty()) continue;
        auto t = parse_time(*text);
        if (!t) {
            std::cerr << "mynacard-testpki: cannot parse time '" << *text << "'\n";
            return 2;
        }
        *slot = *t;
    }
    try {
        const auto pki = mynacard::vcard::TestPki::generate(options);
        pki.save(out);
        std::cout << out << ": auth " << pki.auth_der.size() << " bytes, sign "
                  << pki.sign_der.size() << " bytes\n";
    } catch (const std::exception& e) {
        std::cerr << "mynacard-testpki: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
