#include "pin_entry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "mynacard/jpki/pin.hpp"
#include "terminal.hpp"

namespace mynacard::cli {
namespace {

struct SourceSpec {
    std::optional<int> fd;
    std::optional<std::string> file;
    const char* env;
};

SourceSpec spec_for(const GlobalOptions& o, PinRole role)
{
    if (role == PinRole::Current) return {o.pin_fd, o.pin_file, kPinEnv};
    return {o.new_pin_fd, o.new_pin_file, kNewPinEnv};
}

bool env_set(const char* name)
{
    const char* value = std::getenv(name);
    return value != nullptr;
}

std::string prompt_for(const Messages& msg, jpki::PinKind kind)
{
    switch (kind) {
    case jpki::PinKind::Auth: return msg(Msg::PromptAuthPin);
    case jpki::PinKind::Sign: return msg(Msg::PromptSignPassword);
    case jpki::PinKind::Kenhojo: return msg(Msg::PromptKenhojoPin);
    }
    return {};
}

Msg locked_hint(jpki::PinKind kind)
{
    switch (kind) {
    case jpki::PinKind::Auth: return Msg::HintAuthLocked;
    case jpki::PinKind::Sign: return Msg::HintSignLocked;
    case jpki::PinKind::Kenhojo: return Msg::HintKenhojoLocked;
    }
    return Msg::HintKenhojoLocked;
}

bool is_yes(const std::string& answer)
{
    return answer == "yes" || answer == "YES" || answer == "Yes" || answer == "はい";
}

/// Local check with the library's rules; a malformed value ends the command, nothing sent.
SecureBytes normalized_or_fail(Context& ctx, jpki::PinKind kind, const SecureBytes& typed,
                               bool for_new_value)
{
    auto normalized = jpki::normalize_pin(kind, view(typed), for_new_value);
    if (!normalized && for_new_value && kind == jpki::PinKind::Sign)
        ctx.fail(ExitCode::PinFormat, ctx.msg(Msg::ErrPinFormatNewSign));
    if (!normalized) fail_pin(ctx, kind, normalized.error());
    return std::move(normalized).value();
}

}  // namespace

std::string pin_name(const Messages& msg, jpki::PinKind kind)
{
    switch (kind) {
    case jpki::PinKind::Auth: return msg(Msg::NameAuthPin);
    case jpki::PinKind::Sign: return msg(Msg::NameSignPin);
    case jpki::PinKind::Kenhojo: return msg(Msg::NameKenhojoPin);
    }
    return {};
}

bool PinSource::interactive(PinRole role) const
{
    const auto spec = spec_for(m_ctx.options, role);
    return !spec.fd && !spec.file && !env_set(spec.env);
}

SecureBytes PinSource::read(jpki::PinKind kind, PinRole role, const std::string& prompt) const
{
    const auto spec = spec_for(m_ctx.options, role);
    std::string error;
    if (spec.fd) {
        auto line = read_secret_line(*spec.fd, &error);
        if (!line)
            m_ctx.fail(ExitCode::Io, m_ctx.msg(Msg::ErrPinSourceRead,
                                               {"fd " + std::to_string(*spec.fd),
                                                error.empty() ? m_ctx.msg(Msg::ErrEndOfInput) : error}));
        return std::move(*line);
    }
    if (spec.file) {
        const int fd = ::open(spec.file->c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            m_ctx.fail(ExitCode::Io, m_ctx.msg(Msg::ErrPinSourceRead, {*spec.file, std::strerror(errno)}));
        struct stat st {};
        if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
            m_ctx.note(m_ctx.msg(Msg::WarnPinFilePermissions, {*spec.file}));
        auto line = read_secret_line(fd, &error);
        ::close(fd);
        if (!line)
            m_ctx.fail(ExitCode::Io, m_ctx.msg(Msg::ErrPinSourceRead,
                                               {*spec.file, error.empty() ? m_ctx.msg(Msg::ErrEmptyFile) : error}));
        return std::move(*line);
    }
    if (char* value = std::getenv(spec.env)) {
        const std::size_t n = std::strlen(value);
        SecureBytes pin(value, value + n);
        // Scrub the environment copy too (it is what /proc/<pid>/environ shows) and drop it,
        // so no child process inherits it.
        secure_wipe(value, n);
        ::unsetenv(spec.env);
        return pin;
    }
    auto tty = Terminal::open();
    if (!tty)
        m_ctx.fail(ExitCode::Usage, m_ctx.msg(Msg::ErrNoPinSource, {pin_name(m_ctx.msg, kind), spec.env}));
    auto typed = tty->read_secret(prompt);
    if (!typed) m_ctx.fail(ExitCode::Usage, m_ctx.msg(Msg::ErrPinCancelled));
    return std::move(*typed);
}

ReadyPin obtain_pin(Context& ctx, OpenCard& card, jpki::PinKind kind)
{
    const std::string name = pin_name(ctx.msg, kind);
    const auto status = ctx.need(card.card().pin_status(kind));
    if (status.tries_left)
        ctx.note(ctx.msg(Msg::TriesLeft, {name, std::to_string(*status.tries_left),
                                          std::to_string(status.max_tries)}));
    else
        ctx.note(ctx.msg(Msg::TriesNotReported, {name}));

    if (status.locked())
        ctx.fail(ExitCode::PinLocked, ctx.msg(Msg::ErrPinLocked, {name}), {ctx.msg(locked_hint(kind))});

    PinSource source(ctx);
    // The CLI always guards the last try (pin-and-suspension.md §1.5.6: CLI default confirm);
    // [pin] final_try = deny in the configuration forbids it outright.
    ReadyPin ready;
    ready.options.final_try = jpki::FinalTryPolicy::Confirm;
    if (status.final_try()) {
        if (ctx.config().pin.final_try == jpki::FinalTryPolicy::Deny)
            ctx.fail(ExitCode::FinalTryRefused, ctx.msg(Msg::ErrFinalTryRefused, {name}),
                     {ctx.msg(Msg::ErrFinalTryDeniedByConfig)});
        if (ctx.options.allow_final_try) {
            ready.options.final_try_confirmed = true;
        } else if (source.interactive(PinRole::Current)) {
            auto tty = Terminal::open();
            if (!tty)
                ctx.fail(ExitCode::FinalTryRefused, ctx.msg(Msg::ErrFinalTryRefused, {name}),
                         {ctx.msg(Msg::HintFinalTryFlag)});
            tty->write(ctx.msg(Msg::FinalTryWarning, {name}) + "\n");
            auto answer = tty->read_line(ctx.msg(Msg::FinalTryConfirm));
            if (!answer || !is_yes(*answer))
                ctx.fail(ExitCode::FinalTryRefused, ctx.msg(Msg::ErrFinalTryRefused, {name}));
            ready.options.final_try_confirmed = true;
        } else {
            ctx.fail(ExitCode::FinalTryRefused, ctx.msg(Msg::ErrFinalTryRefused, {name}),
                     {ctx.msg(Msg::HintFinalTryFlag)});
        }
    }

    const SecureBytes typed = source.read(kind, PinRole::Current, prompt_for(ctx.msg, kind));
    ready.pin = normalized_or_fail(ctx, kind, typed, false);
    card.pin_sent = true;
    return ready;
}

void verify_pin(Context& ctx, OpenCard& card, jpki::PinKind kind)
{
    ReadyPin ready = obtain_pin(ctx, card, kind);
    ctx.progress(ctx.msg(Msg::ProgressVerifyingPin, {pin_name(ctx.msg, kind)}));
    auto verified = card.card().verify_pin(kind, std::move(ready.pin), ready.options);
    if (!verified) fail_pin(ctx, kind, verified.error());
}

SecureBytes obtain_new_pin(Context& ctx, jpki::PinKind kind)
{
    PinSource source(ctx);
    const std::string name = pin_name(ctx.msg, kind);
    // Decided once: reading $MYNACARD_NEW_PIN removes it from the environment.
    const bool typed_at_terminal = source.interactive(PinRole::New);
    if (kind == jpki::PinKind::Sign && typed_at_terminal) ctx.note(ctx.msg(Msg::RuleNewSignPassword));
    const SecureBytes first = source.read(kind, PinRole::New, ctx.msg(Msg::PromptNew, {name}));
    SecureBytes normalized = normalized_or_fail(ctx, kind, first, true);
    if (typed_at_terminal) {
        const SecureBytes again = source.read(kind, PinRole::New, ctx.msg(Msg::PromptNewAgain, {name}));
        auto normalized_again = jpki::normalize_pin(kind, view(again), true);
        if (!normalized_again || *normalized_again != normalized)
            ctx.fail(ExitCode::PinFormat, ctx.msg(Msg::ErrPinMismatch));
    }
    return normalized;
}

bool is_pin_error(Errc code) noexcept
{
    return code == Errc::PinIncorrect || code == Errc::PinLocked || code == Errc::FinalTryRefused ||
           code == Errc::PinLengthInvalid || code == Errc::PinCharactersInvalid;
}

void fail_pin(Context& ctx, jpki::PinKind kind, const Error& error)
{
    const std::string name = pin_name(ctx.msg, kind);
    switch (error.code) {
    case Errc::PinIncorrect: {
        const int left = error.tries_left.value_or(-1);
        if (left == 1)
            ctx.fail(ExitCode::PinIncorrect, ctx.msg(Msg::ErrPinIncorrectLast, {name}), {}, error);
        ctx.fail(ExitCode::PinIncorrect,
                 ctx.msg(Msg::ErrPinIncorrect, {name, left >= 0 ? std::to_string(left) : "?"}), {}, error);
    }
    case Errc::PinLocked:
        // A status word means the card just answered a VERIFY: this attempt locked it.
        ctx.fail(ExitCode::PinLocked,
                 ctx.msg(error.sw ? Msg::ErrPinNowLocked : Msg::ErrPinLocked, {name}),
                 {ctx.msg(locked_hint(kind))}, error);
    case Errc::FinalTryRefused:
        ctx.fail(ExitCode::FinalTryRefused, ctx.msg(Msg::ErrFinalTryRefused, {name}),
                 {ctx.msg(Msg::HintFinalTryFlag)}, error);
    case Errc::PinLengthInvalid:
    case Errc::PinCharactersInvalid:
        if (kind == jpki::PinKind::Sign)
            ctx.fail(ExitCode::PinFormat, ctx.msg(Msg::ErrPinFormatSign), {}, error);
        ctx.fail(ExitCode::PinFormat, ctx.msg(Msg::ErrPinFormatDigits, {name}), {}, error);
    default:
        ctx.fail(error);
    }
}

}  // namespace mynacard::cli
