// The suspension checks (lib/revocation KeyGate, pin-and-suspension.md §3) as card-cp uses
// them: a refusal before signing, and the revocation part of `status` and `check`.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "card_access.hpp"
#include "context.hpp"
#include "mynacard/jpki/certificate.hpp"
#include "mynacard/jpki/types.hpp"
#include "mynacard/revocation/key_gate.hpp"

namespace mynacard::cli {

/// Exit code for a refused decision: 30 expired/not yet valid, 31 revoked/on hold/locally
/// suspended, 32 unknown under fail-closed.
ExitCode exit_code_for(revocation::CertStatus status) noexcept;

/// The gate for this command (built from the configuration on first use).
revocation::KeyGate& key_gate(Context& ctx);

/// Refuses (30/31/32, with the library's explanation as a hint) when the policy does not
/// allow `key` now; warns when it allows with a warning (Unknown, fail-open-warn).
void check_key_allowed(Context& ctx, OpenCard& card, jpki::KeyKind key, const jpki::Certificate& cert);

/// {"status","allowed","warning","source","crl_reason","reason_name","detail","checked_at",
///  "this_update","next_update","message"}
nlohmann::json decision_json(const revocation::KeyDecision& decision);
/// "revocation: good (none)" style line for text reports.
std::string decision_line(const Context& ctx, const revocation::KeyDecision& decision);

}  // namespace mynacard::cli
