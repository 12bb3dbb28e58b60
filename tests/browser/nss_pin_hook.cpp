// Test equipment (never shipped): an LD_PRELOAD object that answers NSS's password prompts for
// one token with a PIN from the environment, so a browser (Chromium, Firefox) logs in to the
// virtual card's auth token without a person. The PKCS#11 module gets no test-only door: the
// PIN goes the way a typed one does (NSS's password callback -> C_Login).
//
// How: NSS asks the application for a token's password through the callback the application
// installed with PK11_SetPasswordFunc (NSS pk11auth.c, PK11_DoPassword). This object defines
// PK11_SetPasswordFunc itself; being preloaded, it comes first in the global lookup scope, so
// the application's call lands here (also from a library dlopen()ed later, like Firefox's
// libxul). It installs its own callback in the real NSS instead. No NSS header or library is
// linked: Firefox ESR carries its own NSS next to libxul, and pulling in the system libnss3
// would put a second NSS into the process. The real functions are looked up at run time in the
// NSS that the process has loaded.
//
// Environment:
//   MYNACARD_TEST_NSS_PIN        the PIN (answered only on the first ask of a login: a retry
//                                means the PIN was wrong, and a wrong PIN is never sent twice)
//   MYNACARD_TEST_NSS_PIN_TOKEN  the token label to answer for (exact); other tokens get no
//                                password (NULL = the user cancelled)
//   MYNACARD_TEST_NSS_PIN_LOG    optional: one line per event appended to this file
//                                ("installed", "ask token=<label> retry=<0|1> answered=<0|1>")
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct SlotOpaque;  // PK11SlotInfo, used only through NSS's own functions
using PasswordFunc = char* (*)(SlotOpaque* slot, int retry, void* arg);
using SetPasswordFunc = void (*)(PasswordFunc);
using GetTokenName = char* (*)(SlotOpaque*);
using PortStrdup = char* (*)(const char*);

void log_line(const std::string& line)
{
    const char* path = std::getenv("MYNACARD_TEST_NSS_PIN_LOG");
    if (!path || !*path) return;
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    const std::string text = line + " pid=" + std::to_string(::getpid()) + "\n";
    // One write(2) per line with O_APPEND: lines of several processes do not interleave.
    [[maybe_unused]] const ssize_t n = ::write(fd, text.data(), text.size());
    ::close(fd);
}

// The loaded NSS library that defines `symbol` (libnss3 or libnssutil3), other than this
// object. RTLD_NEXT finds it when NSS is in the global scope; otherwise the loaded objects are
// searched by name (dlopen with RTLD_NOLOAD only takes another reference to a loaded object).
void* find_nss_symbol(const char* symbol, const char* library)
{
    if (void* p = ::dlsym(RTLD_NEXT, symbol)) return p;
    struct Search {
        const char* library;
        std::string path;
    } search{library, {}};
    ::dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
            auto* s = static_cast<Search*>(data);
            const char* name = info->dlpi_name;
            if (!name || !*name) return 0;
            const char* base = std::strrchr(name, '/');
            base = base ? base + 1 : name;
            if (std::strcmp(base, s->library) != 0) return 0;
            s->path = name;
            return 1;
        },
        &search);
    if (search.path.empty()) return nullptr;
    void* handle = ::dlopen(search.path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    return handle ? ::dlsym(handle, symbol) : nullptr;
}

char* answer_password(SlotOpaque* slot, int retry, void*)
{
    const char* pin = std::getenv("MYNACARD_TEST_NSS_PIN");
    const char* wanted = std::getenv("MYNACARD_TEST_NSS_PIN_TOKEN");
    auto token_name = reinterpret_cast<GetTokenName>(find_nss_symbol("PK11_GetTokenName", "libnss3.so"));
    auto strdup_nss = reinterpret_cast<PortStrdup>(find_nss_symbol("PORT_Strdup", "libnssutil3.so"));
    const char* token = token_name ? token_name(slot) : nullptr;
    const bool ours = pin && wanted && token && std::strcmp(token, wanted) == 0;
    const bool answer = ours && !retry && strdup_nss;
    log_line(std::string("ask token=") + (token ? token : "?") + " retry=" + (retry ? "1" : "0") +
             " answered=" + (answer ? "1" : "0"));
    // NSS frees the answer with PORT_Free after zeroing it, so it must come from NSS's allocator.
    return answer ? strdup_nss(pin) : nullptr;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void PK11_SetPasswordFunc(PasswordFunc)
{
    auto real = reinterpret_cast<SetPasswordFunc>(find_nss_symbol("PK11_SetPasswordFunc", "libnss3.so"));
    if (!real) {
        log_line("error: PK11_SetPasswordFunc not found in a loaded NSS");
        return;
    }
    real(answer_password);
    log_line("installed");
}
