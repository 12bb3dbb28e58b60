// The module's log ([log] level/file): one line per call at debug, failures at info, module
// errors at error. Never a PIN: PINs are not passed to this file by anyone.
#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "internal.hpp"

namespace mynacard::p11 {
namespace {

constinit std::mutex g_log_mutex;
std::atomic<int> g_level{0};
std::FILE* g_file = nullptr;  // owned when not stderr; guarded by g_log_mutex

}  // namespace

void configure_log(const Config& config)
{
    int level = 0;
    if (config.log.level == "error") level = 1;
    else if (config.log.level == "info") level = 2;
    else if (config.log.level == "debug") level = 3;
    std::lock_guard lock(g_log_mutex);
    if (g_file != nullptr && g_file != stderr) std::fclose(g_file);
    g_file = nullptr;
    if (level > 0) {
        if (config.log.file) g_file = std::fopen(config.log.file->c_str(), "ae");
        if (g_file == nullptr) g_file = stderr;
    }
    g_level.store(level);
}

bool log_enabled(LogLevel level) noexcept
{
    return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed) && level != LogLevel::Off;
}

void log_line(LogLevel level, const std::string& line) noexcept
{
    if (!log_enabled(level)) return;
    std::lock_guard lock(g_log_mutex);
    if (g_file == nullptr) return;
    std::fprintf(g_file, "mynacard-pkcs11[%ld]: %s\n", static_cast<long>(::time(nullptr)), line.c_str());
    std::fflush(g_file);
}

}  // namespace mynacard::p11
