// APDUs, time and peak RSS per operation for our PKCS#11 module and OpenSC's, on the same
// virtual card behind pcscd + vpcd (issue 4 "APDU counts"). Counts are taken at the virtual
// card (VirtualJpkiCard::stats), so both modules are measured the same way. Prints a table;
// asserts nothing about time. Each measurement runs in a fresh child process (dlopen,
// C_Initialize, the operation, C_Finalize), so "cold" really starts from nothing and the RSS
// is that module's.
//   bench_pkcs11 OUR_MODULE [OPENSC_MODULE]
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

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s OUR_MODULE [OPENSC_MODULE]\n", argv[0]);
        return 2;
    }
    std::vector<std::pair<std::string, std::string>> modules{{"mynacard", argv[1]}};
    if (argc > 2 && std::filesystem::exists(argv[2])) modules.emplace_back("opensc", argv[2]);

    const std::filesystem::path base = std::filesystem::temp_directory_path() /
                                       ("mynacard-bench." + std::to_string(getpid()));
    std::filesystem::create_directories(base);
    {
        std::ofstream(base / "mynacard.conf") << "[revocation]\nmode = none\npolicy.sign = fail-open\n"
                                                 "policy.auth = fail-open\n";
    }
    setenv("MYNACARD_CONFIG", (base / "mynacard.conf").c_str(), 1);

    // MYNACARD_BENCH_APDU_MS: latency the virtual card adds to every APDU. 0 measures the
    // host side (module, pcscd, vpcd); ~12 models a contact reader (jpki-card.md, OpenSC#3169).
    mynacard::vcard::CardOptions options;
    const char* latency = std::getenv("MYNACARD_BENCH_APDU_MS");
    options.apdu_latency = std::chrono::milliseconds(latency ? std::strtol(latency, nullptr, 10) : 0);
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
