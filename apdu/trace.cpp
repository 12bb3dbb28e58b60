// APDU trace: one line per command and one per response, with the time the exchange took.
//
// Switched on by MYNACARD_TRACE ("1" or "stderr" -> stderr, anything else -> a file appended
// to), read once on first use, or by set_sink(). The data field of VERIFY and CHANGE REFERENCE
// DATA (and of any command that says carries_secret()) is never rendered: PINs must not reach a
// log (brief "Secrets"; jpki-card.md §1.1: all JPKI traffic, PINs included, is in the clear).
#include "mynacard/apdu/trace.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>

namespace mynacard::apdu::trace {
namespace {

struct State {
    std::once_flag env_once;
    std::mutex mutex;  // guards sink and file
    std::function<void(const std::string&)> sink;
    std::FILE* file = nullptr;  // owned when not stderr
    std::atomic<bool> on{false};
};

thread_local int redaction_depth = 0;

State& state()
{
    static State s;  // never destroyed before last use: function-local static, trivially safe
    return s;
}

void close_file_locked(State& s)
{
    if (s.file != nullptr && s.file != stderr) std::fclose(s.file);
    s.file = nullptr;
}

void init_from_env()
{
    State& s = state();
    std::call_once(s.env_once, [&s] {
        const char* env = std::getenv("MYNACARD_TRACE");
        if (env == nullptr || *env == '\0' || std::string_view(env) == "0") return;
        std::lock_guard lock(s.mutex);
        if (std::string_view(env) == "1" || std::string_view(env) == "stderr") {
            s.file = stderr;
        } else {
            s.file = std::fopen(env, "a");
            if (s.file == nullptr) return;  // unwritable path: tracing stays off, never fatal
        }
        s.on.store(true, std::memory_order_release);
    });
}

void emit(const std::string& line)
{
    State& s = state();
    std::lock_guard lock(s.mutex);
    if (s.sink) {
        s.sink(line);
    } else if (s.file != nullptr) {
        std::fputs(line.c_str(), s.file);
        std::fputc('\n', s.file);
        std::fflush(s.file);
    }
}

void append_hex(std::string& out, ByteView bytes)
{
    static constexpr char kDigits[] = "0123456789ABCDEF";
    for (std::uint8_t b : bytes) {
        if (!out.empty() && out.back() != ' ') out.push_back(' ');
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0x0F]);
    }
}

void append_byte(std::string& out, std::uint8_t b)
{
    const std::uint8_t one[1] = {b};
    append_hex(out, ByteView(one, 1));
}

std::string format_ms(std::chrono::microseconds elapsed)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "(%.1f ms)", static_cast<double>(elapsed.count()) / 1000.0);
    return buf;
}

}  // namespace

bool enabled() noexcept
{
    init_from_env();
    return state().on.load(std::memory_order_acquire);
}

void set_sink(std::function<void(const std::string& line)> sink)
{
    init_from_env();  // so a later first use cannot override this choice with the environment
    State& s = state();
    std::lock_guard lock(s.mutex);
    close_file_locked(s);
    const bool on = static_cast<bool>(sink);
    s.sink = std::move(sink);
    s.on.store(on, std::memory_order_release);
}

std::string render_command(const Command& cmd)
{
    // Field layout as Command::encode writes it (ISO 7816-4 §5.1), rendered by hand so that the
    // secret data never exists in the trace buffer, and so that a command encode() refuses can
    // still be shown.
    std::string out;
    const std::array<std::uint8_t, 4> header{cmd.cla(), cmd.ins(), cmd.p1(), cmd.p2()};
    append_hex(out, header);
    const std::size_t lc = cmd.data().size();
    const auto le = cmd.le();
    const bool extended = cmd.extended_form() || lc > 255 || (le && *le > 256);
    if (lc > 0) {
        if (extended) {
            append_byte(out, 0x00);
            append_byte(out, static_cast<std::uint8_t>(lc >> 8 & 0xFF));
        }
        append_byte(out, static_cast<std::uint8_t>(lc & 0xFF));
        if (cmd.carries_secret()) {
            out += " <redacted " + std::to_string(lc) + " bytes>";
        } else {
            append_hex(out, view(cmd.data()));
        }
    }
    if (le) {
        if (extended) {
            if (lc == 0) append_byte(out, 0x00);
            append_byte(out, static_cast<std::uint8_t>(*le >> 8 & 0xFF));
        }
        append_byte(out, static_cast<std::uint8_t>(*le & 0xFF));
    }
    return out;
}

void log_exchange(const std::string& reader, const Command& cmd, const Response* rsp,
                  const Error* err, std::chrono::microseconds elapsed)
{
    if (!enabled()) return;
    const std::string prefix = "[apdu] " + reader + " ";
    emit(prefix + "> " + render_command(cmd));

    std::string back;
    if (rsp != nullptr) {
        if (redaction_depth > 0 && !rsp->data.empty())
            back += "<redacted " + std::to_string(rsp->data.size()) + " bytes> ";
        else
            append_hex(back, rsp->data);
        append_byte(back, rsp->sw.sw1());
        append_byte(back, rsp->sw.sw2());
        back += " " + format_ms(elapsed);
        if (!rsp->sw.ok()) back += std::string(" ") + describe(rsp->sw);
    } else {
        back = "error " + (err != nullptr ? err->message() : std::string("(unknown)")) + " " +
               format_ms(elapsed);
    }
    emit(prefix + "< " + back);
}

ResponseRedaction::ResponseRedaction() noexcept { ++redaction_depth; }
ResponseRedaction::~ResponseRedaction() { --redaction_depth; }
bool responses_redacted() noexcept { return redaction_depth > 0; }

void note(const std::string& line)
{
    if (!enabled()) return;
    emit("[apdu] " + line);
}

}  // namespace mynacard::apdu::trace
