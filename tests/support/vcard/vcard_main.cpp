// mynacard-vcard: serves a virtual JPKI card to vpcd until SIGTERM/SIGINT (see --help).
// Reconnects when vpcd drops the connection (pcscd restarting), so it can outlive pcscd.
// CLI11's inlined std::string code trips g++ 12's -Wnull-dereference (a known false positive
// of that warning at -O2); the warning stays on for the rest of the project.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>

#include <csignal>
#include <fstream>
#include <optional>
#include <iostream>

#include <unistd.h>

#include "vpcd_link.hpp"

namespace {

using namespace mynacard::vcard;

bool parse_hex_u8(const std::string& s, std::uint8_t& out)
{
    mynacard::Bytes b;
    if (!mynacard::from_hex(s, b) || b.size() != 1) return false;
    out = b[0];
    return true;
}

bool parse_sw_for_ins(const std::string& spec, Faults& faults)
{
    // INS:SW in hex, e.g. 2A:6F00
    const auto colon = spec.find(':');
    mynacard::Bytes sw;
    std::uint8_t ins = 0;
    if (colon == std::string::npos || !parse_hex_u8(spec.substr(0, colon), ins) ||
        !mynacard::from_hex(spec.substr(colon + 1), sw) || sw.size() != 2)
        return false;
    faults.sw_for_ins[ins] = static_cast<std::uint16_t>((sw[0] << 8) | sw[1]);
    return true;
}

}  // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Virtual JPKI My Number card for vpcd (test equipment)"};
    std::string host = VpcdCard::host();
    int port = VpcdCard::port(0);
    std::string state_dir, pki_dir, atr_hex, pidfile, garbage_ins;
    std::vector<std::string> sw_for_ins;
    std::optional<int> auth_tries, sign_tries, kenhojo_tries;
    std::optional<std::uint64_t> remove_after;
    std::optional<long> reinsert_after_ms;
    long apdu_latency_ms = 0, sign_latency_ms = 0;
    bool no_sign_cert = false;
    std::vector<std::string> switches;
    bool list_switches = false;
    // The defaults already carry MYNACARD_VCARD_SWITCHES; a bad value is a usage error.
    std::optional<CardOptions> defaults;
    try {
        defaults.emplace();
    } catch (const std::invalid_argument& e) {
        std::cerr << "mynacard-vcard: " << e.what() << '\n';
        return 2;
    }
    CardOptions& options = *defaults;

    app.add_option("--port", port, "vpcd port (slot 0: 35963, slot 1: 35964)");
    app.add_option("--host", host, "vpcd host");
    app.add_option("--state", state_dir, "Directory keeping PIN values and counters across runs");
    app.add_option("--pki", pki_dir, "Test PKI directory (generated there when empty)");
    app.add_option("--auth-pin", options.auth_pin.value, "Auth PIN (4 digits)");
    app.add_option("--sign-pin", options.sign_pin.value, "Sign password");
    app.add_option("--kenhojo-pin", options.kenhojo_pin.value, "Kenhojo PIN");
    app.add_option("--auth-tries", auth_tries, "Auth PIN tries left (0 = locked)")->check(CLI::Range(0, 3));
    app.add_option("--sign-tries", sign_tries, "Sign password tries left (0 = locked)")->check(CLI::Range(0, 5));
    app.add_option("--kenhojo-tries", kenhojo_tries, "Kenhojo PIN tries left")->check(CLI::Range(0, 3));
    app.add_flag("--no-sign-cert", no_sign_cert, "Under-15 card: no signing certificate");
    app.add_option("--atr", atr_hex, "ATR in hex");
    app.add_option("--label", options.token_label, "Token label in EF 0006");
    app.add_option("--my-number", options.my_number, "12-digit number in the Kenhojo AP");
    // A second card beside the first (issue 11 §3) needs a serial of its own.
    app.add_option("--common-serial", options.common_serial,
                   "Card serial in the Common AP record (15 printable ASCII characters)")
        ->check([](const std::string& s) {
            bool printable = s.size() == 15;
            for (char c : s) printable = printable && c > 0x20 && c < 0x7F;
            return printable ? std::string() : std::string("want 15 printable ASCII characters");
        });
    app.add_option("--apdu-latency-ms", apdu_latency_ms, "Delay per APDU");
    app.add_option("--sign-latency-ms", sign_latency_ms, "Extra delay per signature");
    app.add_option("--remove-after", remove_after, "Pull the card after N APDUs since power-on");
    app.add_option("--reinsert-after-ms", reinsert_after_ms, "With --remove-after: reinsert after M ms");
    app.add_option("--sw-for-ins", sw_for_ins, "INS:SW (hex): answer SW to that INS");
    app.add_option("--garbage-for-ins", garbage_ins, "INS (hex): answer garbage to it");
    app.add_flag("--answer-9000-when-verified", options.answer_9000_when_verified,
                 "Empty VERIFY after success answers 9000");
    app.add_flag("--locked-sw-6983", options.locked_sw_6983, "Blocked PIN answers 6983, not 6984");
    app.add_option("--switch", switches,
                   "Virtual-card switch (repeatable; applied after MYNACARD_VCARD_SWITCHES and "
                   "the other options; see --list-switches)");
    app.add_flag("--list-switches", list_switches, "Print the switch names and exit");
    app.add_option("--pidfile", pidfile, "Write the process id here");
    CLI11_PARSE(app, argc, argv);

    if (list_switches) {
        for (const auto& doc : known_switches()) std::cout << doc.name << '\t' << doc.help << '\n';
        return 0;
    }
    if (auth_tries) options.auth_pin.tries_left = *auth_tries;
    if (sign_tries) options.sign_pin.tries_left = *sign_tries;
    if (kenhojo_tries) options.kenhojo_pin.tries_left = *kenhojo_tries;
    options.has_sign_certificate = !no_sign_cert;
    options.apdu_latency = std::chrono::milliseconds(apdu_latency_ms);
    options.sign_latency = std::chrono::milliseconds(sign_latency_ms);
    options.faults.remove_after_apdus = remove_after;
    if (reinsert_after_ms) options.faults.reinsert_after = std::chrono::milliseconds(*reinsert_after_ms);
    if (!atr_hex.empty() && (!mynacard::from_hex(atr_hex, options.atr) || options.atr.size() < 2 ||
                             options.atr.size() > 33)) {
        std::cerr << "mynacard-vcard: bad --atr\n";
        return 2;
    }
    for (const auto& spec : sw_for_ins) {
        if (!parse_sw_for_ins(spec, options.faults)) {
            std::cerr << "mynacard-vcard: bad --sw-for-ins '" << spec << "' (want INS:SW in hex)\n";
            return 2;
        }
    }
    if (!garbage_ins.empty()) {
        std::uint8_t ins = 0;
        if (!parse_hex_u8(garbage_ins, ins)) {
            std::cerr << "mynacard-vcard: bad --garbage-for-ins\n";
            return 2;
        }
        options.faults.garbage_for_ins = ins;
    }

    for (const auto& name : switches) {
        try {
            apply_switch(options, name);
        } catch (const std::invalid_argument& e) {
            std::cerr << "mynacard-vcard: --switch: " << e.what() << '\n';
            return 2;
        }
    }

    // Block the stop signals before any thread starts, then wait for them synchronously.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    try {
        TestPki pki;
        if (!pki_dir.empty()) {
            if (auto loaded = TestPki::load(pki_dir)) {
                pki = std::move(*loaded);
            } else {
                pki = TestPki::generate();
                pki.save(pki_dir);
            }
        } else {
            pki = TestPki::shared_default();
        }
        std::shared_ptr<VirtualJpkiCard> card =
            state_dir.empty() ? std::make_shared<VirtualJpkiCard>(std::move(pki), options)
                              : std::shared_ptr<VirtualJpkiCard>(
                                    VirtualJpkiCard::persistent(state_dir, std::move(pki), options));
        if (!pidfile.empty()) std::ofstream(pidfile) << ::getpid() << '\n';
        {
            VpcdLink link(card, host, port);
            std::cerr << "mynacard-vcard: serving on " << host << ':' << port << " (pid "
                      << ::getpid() << ")\n";
            int sig = 0;
            sigwait(&stop_signals, &sig);
            std::cerr << "mynacard-vcard: signal " << sig << ", stopping\n";
        }
        if (!pidfile.empty()) std::remove(pidfile.c_str());
    } catch (const std::exception& e) {
        std::cerr << "mynacard-vcard: " << e.what() << '\n';
        if (!pidfile.empty()) std::remove(pidfile.c_str());
        return 1;
    }
    return 0;
}
