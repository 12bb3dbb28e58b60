#include "card_report.hpp"

#include <cstdio>

#include "cert_info.hpp"
#include "pin_entry.hpp"

namespace mynacard::cli {

const char* card_type_id(jpki::CardType type) noexcept
{
    switch (type) {
    case jpki::CardType::MyNumberCard: return "my-number-card";
    case jpki::CardType::JukiCard: return "juki-card";
    case jpki::CardType::AndroidToken: return "android-token";
    case jpki::CardType::IosToken: return "ios-token";
    case jpki::CardType::Unknown: return "unknown";
    }
    return "unknown";
}

CertEntry read_cert_entry(Context& ctx, OpenCard& card, jpki::CertKind kind)
{
    CertEntry entry{kind, true, std::nullopt, {}};
    if (kind == jpki::CertKind::Sign && !card.card().info().has_sign_certificate) {
        entry.present = false;
        entry.reason = "not-issued";
        return entry;
    }
    ctx.progress(ctx.msg(Msg::ProgressReadingCert, {jpki::to_string(kind)}));
    auto cert = card.card().certificate(kind);
    if (cert) {
        entry.cert = std::move(cert).value();
        return entry;
    }
    switch (cert.error().code) {
    case Errc::NotLoggedIn:
    case Errc::SecurityStatusNotSatisfied:
        entry.reason = "needs-password";
        break;
    case Errc::NoSuchKey:
    case Errc::FileNotFound:
        entry.present = false;
        entry.reason = "not-issued";
        break;
    default:
        // A communication failure is not a property of the certificate: end the command.
        if (exit_code_for(cert.error().code) == ExitCode::CardCommunication) ctx.fail(cert.error());
        entry.reason = cert.error().message();
        break;
    }
    return entry;
}

nlohmann::json cert_entry_json(const CertEntry& entry, std::time_t now)
{
    nlohmann::json j = entry.cert ? certificate_json(*entry.cert, now) : nlohmann::json::object();
    j["kind"] = jpki::to_string(entry.kind);
    j["present"] = entry.present;
    j["readable"] = entry.cert.has_value();
    if (!entry.cert) j["reason"] = entry.reason;
    return j;
}

std::string cert_entry_line(const Context& ctx, const CertEntry& entry, std::time_t now)
{
    char kind[16];
    std::snprintf(kind, sizeof kind, "%-8s", jpki::to_string(entry.kind));
    std::string line = std::string("  ") + kind + " ";
    if (entry.cert)
        return line + validity_summary(ctx, *entry.cert, now) + "  " + ctx.msg(Msg::LblSerial) + " " +
               entry.cert->serial_hex();
    if (entry.reason == "needs-password") return line + ctx.msg(Msg::LblNeedsPassword);
    if (entry.reason == "not-issued") return line + ctx.msg(Msg::LblNotIssued);
    return line + ctx.msg(Msg::LblUnreadable, {entry.reason});
}

PinEntry read_pin_entry(Context& ctx, OpenCard& card, jpki::PinKind kind)
{
    auto status = card.card().pin_status(kind);
    if (!status && status.error().code == Errc::NoSuchKey) {
        PinEntry entry{kind, false, {}, true};
        entry.status.kind = kind;
        entry.status.max_tries = jpki::max_tries(kind);
        return entry;
    }
    return PinEntry{kind, true, ctx.need(std::move(status)), true};
}

PinEntry not_read_pin_entry(jpki::PinKind kind)
{
    PinEntry entry{kind, true, {}, false};
    entry.status.kind = kind;
    entry.status.max_tries = jpki::max_tries(kind);
    return entry;
}

PinEntry look_at_pin_entry(Context& ctx, OpenCard& card, jpki::PinKind kind)
{
    if (kind == jpki::PinKind::Kenhojo && card.others_may_be_logged_in) return not_read_pin_entry(kind);
    return read_pin_entry(ctx, card, kind);
}

const char* pin_state_id(const PinEntry& entry) noexcept
{
    const auto& status = entry.status;
    if (!entry.read) return "not-read";
    if (!entry.issued) return "not-issued";
    if (!status.tries_left) return "verified";
    if (status.locked()) return "locked";
    if (status.final_try()) return "final-try";
    if (status.count_low()) return "count-low";
    return "ok";
}

nlohmann::json pin_status_json(const PinEntry& entry)
{
    const auto& status = entry.status;
    nlohmann::json j{{"kind", jpki::to_string(entry.kind)},
                     {"issued", entry.issued},
                     {"max_tries", status.max_tries},
                     {"state", pin_state_id(entry)},
                     {"locked", status.locked()},
                     {"final_try", status.final_try()},
                     {"count_low", status.count_low()}};
    j["tries_left"] = status.tries_left ? nlohmann::json(*status.tries_left) : nlohmann::json(nullptr);
    return j;
}

std::string pin_status_line(const Context& ctx, const PinEntry& entry)
{
    const auto& status = entry.status;
    const std::string state = pin_state_id(entry);
    char kind[16];
    std::snprintf(kind, sizeof kind, "%-8s", jpki::to_string(entry.kind));
    if (!entry.issued) return std::string("  ") + kind + " " + ctx.msg(Msg::LblNotIssued);
    if (!entry.read) return std::string("  ") + kind + " " + ctx.msg(Msg::LblPinNotRead);
    Msg text = Msg::PinStateOk;
    if (state == "verified") text = Msg::PinStateVerified;
    else if (state == "locked") text = Msg::PinStateLocked;
    else if (state == "final-try") text = Msg::PinStateFinalTry;
    else if (state == "count-low") text = Msg::PinStateCountLow;
    const std::string tries = status.tries_left ? std::to_string(*status.tries_left) : "?";
    return std::string("  ") + kind + " " + tries + "/" + std::to_string(status.max_tries) + "  " +
           ctx.msg(text) + "  (" + pin_name(ctx.msg, entry.kind) + ")";
}

}  // namespace mynacard::cli
