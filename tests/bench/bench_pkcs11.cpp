// APDUs, time and peak RSS per operation for our PKCS#11 module and OpenSC's, on the same
// virtual card behind pcscd + vpcd (issue 4 "APDU counts"). Counts are taken at the virtual
// card (VirtualJpkiCard::stats), so both modules are measured the same way. Prints a table;
// asserts nothing about time. Each measurement runs in a fresh child process (dlopen,
// C_Initialize, the operation, C_Finalize), so "cold" really starts from nothing and the RSS
// is that module's.
//   bench_pkcs11 OUR_MODULE [OPENSC_MODULE]
//   bench_pkcs11 --switches OUR_MODULE [OPENSC_MODULE]
// With --switches: the three rows of issue 9 §4 (pkcs11-tool-like -O with an empty cache, -O
// again, login + one signature with the cache warm) for the default card and for each switch of
// the virtual card (card_switches.hpp), both modules side by side.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vcard/vpcd_link.hpp"

namespace {

using mynacard::vcard::VpcdCard;

/// Our own client loop (ListObjects, LoginSign), and OpenSC's pkcs11-tool, the client the issue
/// 9 targets are stated for (ToolList: `pkcs11-tool -O`, ToolSign: `--login --sign`, one
/// SHA256-RSA-PKCS signature with the first token's key).
enum class Operation { ListObjects, LoginSign, ToolList, ToolSign };

const char* operation_name(Operation op)
{
    switch (op) {
    case Operation::ListObjects: return "load+list objects";
    case Operation::LoginSign: return "login+1 signature";
    case Operation::ToolList: return "pkcs11-tool -O";
    case Operation::ToolSign: break;
    }
    return "pkcs11-tool --login --sign";
}

/// pkcs11-tool in the child (replaces the process image). Exit code as pkcs11-tool's.
int run_tool(const char* module_path, Operation op, const std::filesystem::path& home)
{
    const std::string module = module_path;
    const std::string input = (home / "bench-data").string(), output = (home / "bench-sig").string();
    { std::ofstream(input) << "benchmark"; }
    std::vector<std::string> args{"pkcs11-tool", "--module", module};
    if (op == Operation::ToolList) {
        args.push_back("-O");
    } else {
        for (const char* a : {"--login", "--pin", "1234", "--sign", "-m", "SHA256-RSA-PKCS"}) args.emplace_back(a);
        for (const std::string& a : {std::string("-i"), input, std::string("-o"), output}) args.push_back(a);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its output is not part of the measurement.
    if (std::FILE* null = std::freopen("/dev/null", "w", stdout); null == nullptr) return 126;
    execvp("pkcs11-tool", argv.data());
    return 127;
}

/// The operation inside the child. Exit code 0 = ok, otherwise the failing step; the CK_RV is
/// written to `err` for the report.
int run_operation(const char* module_path, Operation op, const char* pin, std::FILE* err)
{
    void* lib = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        std::fprintf(err, "dlopen: %s", dlerror());
        return 2;
    }
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    CK_FUNCTION_LIST* f = nullptr;
    if (get == nullptr || get(&f) != CKR_OK) return 3;
    CK_RV rv = f->C_Initialize(nullptr);
    if (rv != CKR_OK) {
        std::fprintf(err, "C_Initialize 0x%lx", rv);
        return 4;
    }
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;
    if ((rv = f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK || n == 0) {
        std::fprintf(err, "no token (C_GetSlotList 0x%lx, %lu slots)", rv, n);
        f->C_Finalize(nullptr);
        return 5;
    }
    // The auth token: ours says "JPKI Auth", OpenSC's JPKI emulation "User Authentication PIN".
    CK_SLOT_ID auth = slots[0];
    for (CK_ULONG i = 0; i < n; ++i) {
        CK_TOKEN_INFO ti{};
        if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK) continue;
        std::string label(reinterpret_cast<char*>(ti.label), sizeof ti.label);
        if (label.find("Auth") != std::string::npos || label.find("User Authentication") != std::string::npos) {
            auth = slots[i];
            break;
        }
    }
    CK_SESSION_HANDLE h = 0;
    if ((rv = f->C_OpenSession(auth, CKF_SERIAL_SESSION, nullptr, nullptr, &h)) != CKR_OK) {
        std::fprintf(err, "C_OpenSession 0x%lx", rv);
        return 6;
    }
    if (op == Operation::ListObjects) {
        // What a certificate picker does: every object, its class, label and value.
        std::vector<CK_SLOT_ID> all(slots, slots + n);
        for (CK_SLOT_ID s : all) {
            CK_SESSION_HANDLE hs = 0;
            if (f->C_OpenSession(s, CKF_SERIAL_SESSION, nullptr, nullptr, &hs) != CKR_OK) continue;
            f->C_FindObjectsInit(hs, nullptr, 0);
            CK_OBJECT_HANDLE objs[32];
            CK_ULONG count = 0;
            f->C_FindObjects(hs, objs, 32, &count);
            f->C_FindObjectsFinal(hs);
            for (CK_ULONG i = 0; i < count; ++i) {
                CK_ATTRIBUTE a[] = {{CKA_CLASS, nullptr, 0}, {CKA_LABEL, nullptr, 0}, {CKA_VALUE, nullptr, 0}};
                f->C_GetAttributeValue(hs, objs[i], a, 3);
                std::vector<std::vector<unsigned char>> values;
                for (auto& attr : a) {
                    if (attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) attr.ulValueLen = 0;
                    values.emplace_back(attr.ulValueLen);
                    attr.pValue = values.back().data();
                }
                f->C_GetAttributeValue(hs, objs[i], a, 3);
            }
            f->C_CloseSession(hs);
        }
    } else {
        rv = f->C_Login(h, CKU_USER, reinterpret_cast<unsigned char*>(const_cast<char*>(pin)), std::strlen(pin));
        if (rv != CKR_OK) {
            std::fprintf(err, "C_Login 0x%lx", rv);
            return 7;
        }
        CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
        CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
        CK_OBJECT_HANDLE key = 0;
        CK_ULONG count = 0;
        f->C_FindObjectsInit(h, &t, 1);
        f->C_FindObjects(h, &key, 1, &count);
        f->C_FindObjectsFinal(h);
        if (count != 1) {
            std::fprintf(err, "no private key");
            return 8;
        }
        CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
        unsigned char data[] = "benchmark";
        unsigned char sig[512];
        CK_ULONG len = sizeof sig;
        if ((rv = f->C_SignInit(h, &m, key)) != CKR_OK || (rv = f->C_Sign(h, data, sizeof data, sig, &len)) != CKR_OK) {
            std::fprintf(err, "sign 0x%lx", rv);
            return 9;
        }
    }
    f->C_Finalize(nullptr);
    return 0;
}

struct Measurement {
    std::uint64_t apdus = 0;
    double ms = 0;
    long rss_kb = 0;
    std::string result;
};

Measurement measure(VpcdCard& card, const char* module, Operation op, const std::filesystem::path& home)
{
    const auto before = card.card().stats().apdus;
    const auto start = std::chrono::steady_clock::now();
    int fds[2];
    if (pipe(fds) != 0) return {0, 0, 0, "pipe"};
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        // A private home: the module's cache (ours under XDG_CACHE_HOME, OpenSC's under
        // ~/.cache/opensc) is cold the first time and warm the second.
        setenv("HOME", home.c_str(), 1);
        setenv("XDG_CACHE_HOME", (home / ".cache").c_str(), 1);
        std::FILE* err = fdopen(fds[1], "w");
        if (op == Operation::ToolList || op == Operation::ToolSign) {
            dup2(fds[1], 2);
            _exit(run_tool(module, op, home));
        }
        const int rc = run_operation(module, op, "1234", err);
        std::fflush(err);
        _exit(rc);
    }
    close(fds[1]);
    std::string message;
    char buf[256];
    ssize_t got;
    while ((got = read(fds[0], buf, sizeof buf)) > 0) message.append(buf, static_cast<std::size_t>(got));
    close(fds[0]);
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    Measurement m;
    m.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    // pcscd may still be finishing the child's disconnect: let the card settle first.
    usleep(200 * 1000);
    m.apdus = card.card().stats().apdus - before;
    m.rss_kb = usage.ru_maxrss;
    m.result = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? "ok" : ("failed: " + message);
    return m;
}

/// The card of every run: no added latency unless MYNACARD_BENCH_APDU_MS says so.
mynacard::vcard::CardOptions bench_options()
{
    // MYNACARD_BENCH_APDU_MS: latency the virtual card adds to every APDU. 0 measures the
    // host side (module, pcscd, vpcd); ~12 models a contact reader (jpki-card.md, OpenSC#3169).
    mynacard::vcard::CardOptions options;
    const char* latency = std::getenv("MYNACARD_BENCH_APDU_MS");
    options.apdu_latency = std::chrono::milliseconds(latency ? std::strtol(latency, nullptr, 10) : 0);
    return options;
}

using Modules = std::vector<std::pair<std::string, std::string>>;

/// Every switch of the card alone, the ATRs of jpki-card.md §1.2 folded into the two the module
/// can tell apart (tools/dev/switch-matrix.sh says why).
std::vector<std::string> bench_switches()
{
    std::vector<std::string> out{""};
    for (const auto& doc : mynacard::vcard::known_switches()) {
        if (doc.name == "atr=<hex>") {
            out.push_back("atr=3BC5FF8131FB458073C6010000");
            out.push_back("atr=3B888001000005E0B381A1007F");
        } else {
            out.push_back(doc.name);
        }
    }
    return out;
}

/// Number of failed operations of our module.
int run_switches(const Modules& modules, const std::filesystem::path& base)
{
    std::printf("virtual card latency per APDU: %lld ms; -O = every slot, every object's class, "
                "label and value; login+sign = C_Login + one CKM_SHA256_RSA_PKCS (cache warm)\n",
                static_cast<long long>(bench_options().apdu_latency.count()));
    std::printf("%-30s %-12s", "switch", "operation");
    for (const auto& [name, path] : modules) std::printf(" | %-8s %5s %7s %8s", name.c_str(), "APDUs", "ms", "peakRSS");
    std::printf("\n");
    int failures = 0;
    for (const std::string& sw : bench_switches()) {
        mynacard::vcard::CardOptions options = bench_options();
        if (!sw.empty()) mynacard::vcard::apply_switch(options, sw);
        VpcdCard card(options);
        struct Row { const char* label; Operation op; bool fresh_cache; };
        const Row rows[] = {{"-O cold", Operation::ListObjects, true},
                            {"-O warm", Operation::ListObjects, false},
                            {"login+sign", Operation::LoginSign, false}};
        std::vector<std::vector<Measurement>> results(modules.size());
        for (std::size_t i = 0; i < modules.size(); ++i) {
            const auto home = base / ("switch-" + std::to_string(i));
            std::filesystem::create_directories(home);
            std::filesystem::remove_all(home / ".cache");
            for (const Row& row : rows) {
                if (row.fresh_cache) std::filesystem::remove_all(home / ".cache");
                results[i].push_back(measure(card, modules[i].second.c_str(), row.op, home));
            }
        }
        for (std::size_t r = 0; r < std::size(rows); ++r) {
            std::printf("%-30s %-12s", sw.empty() ? "(default)" : sw.c_str(), rows[r].label);
            std::string notes;
            for (std::size_t i = 0; i < modules.size(); ++i) {
                const Measurement& m = results[i][r];
                std::printf(" | %-8s %5llu %7.1f %6ldkB", modules[i].first.c_str(),
                            static_cast<unsigned long long>(m.apdus), m.ms, m.rss_kb);
                if (m.result != "ok") {
                    notes += "  " + modules[i].first + " " + m.result;
                    if (i == 0) ++failures;
                }
            }
            std::printf("%s\n", notes.c_str());
        }
        std::fflush(stdout);
    }
    return failures;
}

}  // namespace

int main(int argc, char** argv)
{
    bool switches = false;
    if (argc > 1 && std::string(argv[1]) == "--switches") {
        switches = true;
        --argc;
        ++argv;
    }
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s [--switches] OUR_MODULE [OPENSC_MODULE]\n", argv[0]);
        return 2;
    }
    Modules modules{{"mynacard", argv[1]}};
    if (argc > 2 && std::filesystem::exists(argv[2])) modules.emplace_back("opensc", argv[2]);

    const std::filesystem::path base = std::filesystem::temp_directory_path() /
                                       ("mynacard-bench." + std::to_string(getpid()));
    std::filesystem::create_directories(base);
    {
        std::ofstream(base / "mynacard.conf") << "[revocation]\nmode = none\npolicy.sign = fail-open\n"
                                                 "policy.auth = fail-open\n";
    }
    setenv("MYNACARD_CONFIG", (base / "mynacard.conf").c_str(), 1);

    if (switches) {
        const int failures = run_switches(modules, base);
        std::error_code ec;
        std::filesystem::remove_all(base, ec);
        // Printed, not asserted: like every benchmark this judges nothing. Whether the module
        // works with each switch is the switch matrix's job (tools/dev/switch-matrix.sh), which
        // also knows the switches still waiting for a fix.
        if (failures) std::printf("bench: %d operation(s) of mynacard failed (see the rows)\n", failures);
        return 0;
    }

    const mynacard::vcard::CardOptions options = bench_options();
    std::printf("virtual card latency per APDU: %lld ms\n",
                static_cast<long long>(options.apdu_latency.count()));
    VpcdCard card(options);
    std::printf("%-9s %-26s %-5s %6s %9s %9s  %s\n", "module", "operation", "cache", "APDUs", "ms", "peakRSS", "result");
    for (const auto& [name, path] : modules) {
        const auto home = base / name;
        std::filesystem::create_directories(home);
        for (Operation op : {Operation::ListObjects, Operation::LoginSign, Operation::ToolList, Operation::ToolSign}) {
            // Each operation starts cold: a fresh cache for the first run, kept for the second.
            std::filesystem::remove_all(home / ".cache");
            for (const char* cache : {"cold", "warm"}) {
                const Measurement m = measure(card, path.c_str(), op, home);
                std::printf("%-9s %-26s %-5s %6llu %9.1f %7ldkB  %s\n", name.c_str(), operation_name(op), cache,
                            static_cast<unsigned long long>(m.apdus), m.ms, m.rss_kb, m.result.c_str());
                std::fflush(stdout);
            }
        }
    }
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
    return 0;
}
