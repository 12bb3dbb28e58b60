// Getting a PIN from the person or the script, safely (pin-and-suspension.md §1.5):
// tries left shown first, a locked PIN refused with the way to unlock it, the final try only
// with a confirmation (terminal) or --allow-final-try (scripts), local format checks so a
// malformed PIN never reaches the card, and the value only ever in SecureBytes.
#pragma once

#include <string>

#include "card_access.hpp"
#include "context.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/jpki/types.hpp"

namespace mynacard::cli {

enum class PinRole { Current, New };

/// Environment variables scripts may use instead of --pin-fd / --pin-file.
inline constexpr const char* kPinEnv = "MYNACARD_PIN";
inline constexpr const char* kNewPinEnv = "MYNACARD_NEW_PIN";

/// Where a PIN comes from. Current: --pin-fd, else --pin-file, else $MYNACARD_PIN, else the
/// terminal. New: --new-pin-fd, --new-pin-file, $MYNACARD_NEW_PIN, else the terminal.
class PinSource {
public:
    explicit PinSource(Context& ctx) : m_ctx(ctx) {}
    /// True when the value will be typed at the terminal.
    bool interactive(PinRole role) const;
    /// The value as typed (not yet normalised). Fails with Usage when there is no source.
    SecureBytes read(jpki::PinKind kind, PinRole role, const std::string& prompt) const;

private:
    Context& m_ctx;
};

struct ReadyPin {
    SecureBytes pin;                  ///< normalised (sign password upper-cased)
    jpki::VerifyOptions options;      ///< final-try policy for the library's own re-check
};

std::string pin_name(const Messages& msg, jpki::PinKind kind);

/// Tries left, lock and final-try checks, then the PIN (read and checked locally). Nothing has
/// been sent to the card when this returns; marks `card.pin_sent` since a VERIFY follows.
ReadyPin obtain_pin(Context& ctx, OpenCard& card, jpki::PinKind kind);

/// obtain_pin() + VERIFY; PIN errors end the command with a translated message.
void verify_pin(Context& ctx, OpenCard& card, jpki::PinKind kind);

/// Reads and checks a new value (twice at a terminal). For Sign: letters and digits both.
SecureBytes obtain_new_pin(Context& ctx, jpki::PinKind kind);

/// PIN-related errors that fail_pin() explains (incorrect, locked, final try, format).
bool is_pin_error(Errc code) noexcept;

/// Ends the command for a PIN-related error of `kind` (incorrect, locked, final try, format),
/// translated, with recovery hints; other errors go to ctx.fail().
[[noreturn]] void fail_pin(Context& ctx, jpki::PinKind kind, const Error& error);

}  // namespace mynacard::cli
