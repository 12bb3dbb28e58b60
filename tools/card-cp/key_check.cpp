#include "key_check.hpp"

#include <optional>

#include "cert_info.hpp"

namespace mynacard::cli {
namespace {

std::optional<revocation::KeyGate> g_gate;  // one per process: a CLI run is one command

nlohmann::json time_or_null(std::time_t t)
{
    return t != 0 ? nlohmann::json(iso_utc(t)) : nlohmann::json(nullptr);
}

}  // namespace

ExitCode exit_code_for(revocation::CertStatus status) noexcept
{
    switch (status) {
    case revocation::CertStatus::Expired:
    case revocation::CertStatus::NotYetValid:
        return ExitCode::CertExpired;
    case revocation::CertStatus::Revoked:
    case revocation::CertStatus::OnHold:
    case revocation::CertStatus::LocallySuspended:
        return ExitCode::CertRevoked;
    case revocation::CertStatus::Unknown:
        return ExitCode::CertStatusUnknown;
    case revocation::CertStatus::Good:
        return ExitCode::Ok;
    }
    return ExitCode::Failure;
}

revocation::KeyGate& key_gate(Context& ctx)
{
    if (!g_gate) g_gate.emplace(ctx.config());
    return *g_gate;
}

void check_key_allowed(Context& ctx, OpenCard& card, jpki::KeyKind key, const jpki::Certificate& cert)
{
    ctx.progress(ctx.msg(Msg::ProgressCheckingStatus));
    const auto decision = key_gate(ctx).decide(key, cert, card.card().info().identity.serial);
    const std::string kind = jpki::to_string(jpki::cert_for(key));
    std::string what = revocation::to_string(decision.status.status);
    if (!decision.status.detail.empty()) what += " (" + decision.status.detail + ")";
    if (!decision.allowed) {
        const ExitCode code = exit_code_for(decision.status.status);
        const Msg text = code == ExitCode::CertStatusUnknown ? Msg::ErrCertStatusUnknown : Msg::ErrCertRevoked;
        ctx.fail(code, ctx.msg(text, {kind, what}), {decision.message});
    }
    if (decision.warning) ctx.note(ctx.msg(Msg::WarnCertStatusUnknown, {kind, what}));
}

nlohmann::json decision_json(const revocation::KeyDecision& d)
{
    const auto& s = d.status;
    return {{"status", revocation::to_string(s.status)},
            {"allowed", d.allowed},
            {"warning", d.warning},
            {"source", s.source},
            {"crl_reason", s.crl_reason},
            {"reason_name", s.crl_reason >= 0 ? nlohmann::json(revocation::crl_reason_name(s.crl_reason))
                                              : nlohmann::json(nullptr)},
            {"detail", s.detail},
            {"checked_at", time_or_null(s.checked_at)},
            {"this_update", time_or_null(s.this_update)},
            {"next_update", time_or_null(s.next_update)},
            {"message", d.message}};
}

std::string decision_line(const Context& ctx, const revocation::KeyDecision& d)
{
    std::string text = revocation::to_string(d.status.status);
    if (d.status.crl_reason >= 0) text += ", " + revocation::crl_reason_name(d.status.crl_reason);
    text += " [" + d.status.source + "]";
    if (!d.status.detail.empty()) text += " " + d.status.detail;
    // The times of the answer (issue 6: "status shows the result with its source and times").
    const auto when = [](std::time_t t) { return t != 0 ? iso_utc(t) : std::string("-"); };
    text += " (" + ctx.msg(Msg::LblRevocationTimes, {when(d.status.checked_at), when(d.status.this_update),
                                                       when(d.status.next_update)}) + ")";
    text += " -> " + ctx.msg(d.allowed ? (d.warning ? Msg::DecisionAllowedWarning : Msg::DecisionAllowed)
                                       : Msg::DecisionRefused);
    return ctx.msg(Msg::LblRevocation, {text});
}

}  // namespace mynacard::cli
