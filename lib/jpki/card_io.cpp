// JPKI command sequences (jpki-card.md §1.3-§1.8). Status words become errors through
// apdu::to_error only; here we decide only what a word means in context (6B00 at the end of an
// EF, 6982 before login, 6A82 for a key that was never issued).
#include "card_io.hpp"

#include <algorithm>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/status_word.hpp"
#include "mynacard/apdu/tlv.hpp"

namespace mynacard::jpki::detail {
namespace {

constexpr std::uint16_t kSwEndOfFileWarning = 0x6282;  // ISO 7816-4 §5.6: end of file reached
constexpr std::uint16_t kSwWrongP1P2 = 0x6B00;         // offset beyond the EF (§1.5)
constexpr std::uint16_t kSwWrongLength = 0x6700;
constexpr std::uint16_t kSwIncorrectP1P2 = 0x6A86;     // ISO 7816-4 §5.6: incorrect P1-P2
constexpr std::uint16_t kSwSecurityStatus = 0x6982;
constexpr std::uint16_t kSwAuthBlocked = 0x6983;
constexpr std::uint16_t kSwRefDataBlocked = 0x6984;
constexpr std::uint16_t kSwNoCounter = 0x6300;

bool data_ok(apdu::StatusWord sw) { return sw.ok() || sw.value == kSwEndOfFileWarning; }

/// Errors that mean the card or reader is gone: falling back to another read form is pointless.
bool fatal_transport(Errc code)
{
    switch (code) {
    case Errc::NoService:
    case Errc::NoReader:
    case Errc::CardAbsent:
    case Errc::CardRemoved:
    case Errc::CardReset:
    case Errc::Cancelled:
        return true;
    default:
        return false;
    }
}

Result<apdu::Response> read_binary(apdu::Transaction& tx, std::size_t offset, std::size_t le)
{
    return apdu::transceive(tx, apdu::Command::read_binary(static_cast<std::uint16_t>(offset), le));
}

}  // namespace

const layout::Aid& aid_of(Ap ap) noexcept
{
    switch (ap) {
    case Ap::Jpki: return layout::kJpkiAid;
    case Ap::Kenhojo: return layout::kKenhojoAid;
    case Ap::Common: break;
    }
    return layout::kCommonAid;
}

const char* name_of(Ap ap) noexcept
{
    switch (ap) {
    case Ap::Jpki: return "JPKI AP";
    case Ap::Kenhojo: return "Kenhojo AP";
    case Ap::Common: break;
    }
    return "Common AP";
}

Result<void> select_aid(apdu::Transaction& tx, CardModel& model, Ap ap)
{
    auto rsp = apdu::transceive(tx, apdu::Command::select_aid(aid_of(ap)));
    if (!rsp) {
        model.ap_unknown();
        model.forget_logins();  // the SELECT may have reached the card
        return Unexpected{std::move(rsp).error()};
    }
    if (!rsp->sw.ok()) {
        // A refused SELECT normally leaves the selection as it was (ISO 7816-4 §11.2.2), but
        // nothing in the public record says so for this card.
        model.ap_unknown();
        return apdu::to_error(rsp->sw, (std::string("SELECT ") + name_of(ap)).c_str());
    }
    model.selected_ap(ap);
    return {};
}

Result<void> select_ef(apdu::Transaction& tx, CardModel& model, std::uint16_t fid)
{
    model.ef_unknown();
    MYNACARD_TRY(auto rsp, apdu::transceive(tx, apdu::Command::select_ef(fid)));
    if (!rsp.sw.ok()) {
        const std::string ctx = "SELECT EF " + to_hex(Bytes{static_cast<std::uint8_t>(fid >> 8),
                                                              static_cast<std::uint8_t>(fid)});
        return apdu::to_error(rsp.sw, ctx.c_str());
    }
    model.selected_ef(fid);
    return {};
}

Result<void> ensure_ef(apdu::Transaction& tx, CardModel& model, std::uint16_t fid)
{
    if (model.ef() == fid) return {};
    return select_ef(tx, model, fid);
}

Result<Bytes> read_sfi(apdu::Transaction& tx, CardModel& model, std::uint16_t fid, std::size_t le)
{
    model.ef_unknown();
    const auto p1 = static_cast<std::uint8_t>(0x80 | (fid & 0x1F));
    MYNACARD_TRY(auto rsp, apdu::transceive(tx, apdu::Command(0x00, 0xB0, p1, 0x00, {}, le)));
    if (!data_ok(rsp.sw)) return apdu::to_error(rsp.sw, "READ BINARY (short EF identifier)");
    model.selected_ef(fid);
    if (rsp.data.size() > le) rsp.data.resize(le);
    return std::move(rsp.data);
}

Result<Bytes> read_prefix(apdu::Transaction& tx, std::size_t length)
{
    MYNACARD_TRY(auto rsp, read_binary(tx, 0, length));
    if (!data_ok(rsp.sw)) return apdu::to_error(rsp.sw, "READ BINARY");
    if (rsp.data.size() > length) rsp.data.resize(length);
    return std::move(rsp.data);
}

Result<Bytes> read_ef_prefix(apdu::Transaction& tx, CardModel& model, std::uint16_t fid, std::size_t le, bool* sfi)
{
    bool fell_back = false;
    if (sfi && *sfi) {
        auto data = read_sfi(tx, model, fid, le);
        if (data && !data->empty()) return data;
        if (!data && fatal_transport(data.error().code)) return data;
        // 6982: the card found the EF and it needs a PIN (EF 0001 before the sign password,
        // jpki-card.md §1.3): the SELECT path would only hear the same again.
        if (!data && data.error().code == Errc::SecurityStatusNotSatisfied) return data;
        // Refused (or an empty answer): the EF may be missing, or the card may not take short
        // EF identifiers. The SELECT path tells which.
        fell_back = true;
    }
    MYNACARD_TRY_VOID(select_ef(tx, model, fid));
    auto data = le < layout::kShortReadChunk ? read_prefix(tx, le) : read_first_chunk(tx);
    if (data && fell_back) *sfi = false;
    return data;
}

Result<Bytes> read_first_chunk(apdu::Transaction& tx)
{
    MYNACARD_TRY(auto rsp, read_binary(tx, 0, layout::kShortReadChunk));
    if (rsp.sw.value == kSwWrongLength || rsp.sw.value == kSwWrongP1P2) {
        // A card that refuses an Le reaching beyond a small EF (6700, or 6B00 from cards that
        // check offset + Le): the header fits in 8 bytes for any object below 2^40 bytes, enough
        // to learn the length.
        MYNACARD_TRY(auto small, read_binary(tx, 0, 8));
        rsp = std::move(small);
    }
    if (!data_ok(rsp.sw)) return apdu::to_error(rsp.sw, "READ BINARY first chunk");
    if (rsp.data.empty()) return Unexpected{Errc::MalformedResponse, "EF is empty"};
    return std::move(rsp.data);
}

Result<std::size_t> tlv_object_length(ByteView prefix)
{
    auto header = apdu::tlv::parse_header(prefix);
    if (!header) return Unexpected{Errc::MalformedResponse, "BER header: " + header.error().context};
    return header->total();
}

Result<Bytes> read_object(apdu::Transaction& tx, const ObjectLength& length, ReadPlan plan)
{
    Bytes buf = std::move(plan.first_chunk);
    if (buf.empty()) {
        MYNACARD_TRY(Bytes first, read_first_chunk(tx));
        buf = std::move(first);
    }
    MYNACARD_TRY(const std::size_t total, length(buf));
    // Short READ BINARY has a 15-bit offset (§1.5): a larger object cannot be read this way.
    if (total > layout::kMaxOffset + layout::kShortReadChunk)
        return Unexpected{Errc::MalformedResponse, "object length " + std::to_string(total) +
                                                       " exceeds what READ BINARY can address"};
    if (buf.size() >= total) {
        buf.resize(total);  // filler after the DER object (§1.4)
        return buf;
    }

    if (plan.try_extended && *plan.try_extended) {
        const std::size_t want = std::min(total - buf.size(), layout::kMaxExtendedRead);
        auto rsp = read_binary(tx, buf.size(), want);
        if (!rsp && fatal_transport(rsp.error().code)) return Unexpected{std::move(rsp).error()};
        if (rsp && data_ok(rsp->sw) && !rsp->data.empty()) {
            buf.insert(buf.end(), rsp->data.begin(), rsp->data.end());
        } else {
            // 6700, 6Cxx left after the re-issue, LengthOutOfRange from the encoder, or a reader
            // that drops extended APDUs: use short reads from here on (§1.5: default short).
            *plan.try_extended = false;
        }
    }

    while (buf.size() < total) {
        const std::size_t want = std::min(total - buf.size(), layout::kShortReadChunk);
        MYNACARD_TRY(auto rsp, read_binary(tx, buf.size(), want));
        if (rsp.sw.value == kSwWrongP1P2 || (data_ok(rsp.sw) && rsp.data.empty()))
            return Unexpected{Errc::MalformedResponse,
                              "EF ends at " + std::to_string(buf.size()) + " bytes, its header says " +
                                  std::to_string(total)};
        if (!data_ok(rsp.sw)) return apdu::to_error(rsp.sw, "READ BINARY");
        buf.insert(buf.end(), rsp.data.begin(), rsp.data.end());
    }
    buf.resize(total);
    return buf;
}

Result<PinStatus> query_pin(apdu::Transaction& tx, CardModel& model, PinKind kind)
{
    const auto where = layout::pin_location(kind);
    MYNACARD_TRY_VOID(ensure_ef(tx, model, where.ef));
    MYNACARD_TRY(auto rsp, apdu::transceive(tx, apdu::Command::verify_status(layout::kPinP2)));
    PinStatus status;
    status.kind = kind;
    status.max_tries = where.max_tries;
    if (rsp.sw.ok()) {
        status.tries_left.reset();  // already verified; some cards do not report the count (§1.6)
    } else if (auto left = rsp.sw.retries_left()) {
        status.tries_left = *left;
    } else if (rsp.sw.value == kSwAuthBlocked || rsp.sw.value == kSwRefDataBlocked) {
        status.tries_left = 0;
    } else if (rsp.sw.value == kSwNoCounter) {
        // 63 00 to the empty VERIFY: "no retry counter" (jpki-card.md §1.6, not seen on JPKI).
        // No PIN was sent, so it is not a wrong PIN; the count, and so the final-try guard, is
        // unknown: refuse to go on rather than guess.
        return Error(Errc::UnexpectedStatus, rsp.sw.value,
                     std::string("PIN status ") + to_string(kind) + ": the card reports no counter (63 00); no PIN was sent");
    } else {
        return apdu::to_error(rsp.sw, (std::string("PIN status ") + to_string(kind)).c_str());
    }
    model.learned(status);
    return status;
}

Result<void> check_pin_policy(const PinStatus& status, const VerifyOptions& options)
{
    const std::string which = to_string(status.kind);
    if (status.locked()) {
        Error e(Errc::PinLocked, which + " PIN is locked; nothing was sent to the card");
        e.tries_left = 0;
        return e;
    }
    if (status.final_try()) {
        const bool refused = options.final_try == FinalTryPolicy::Deny ||
                             (options.final_try == FinalTryPolicy::Confirm && !options.final_try_confirmed);
        if (refused) {
            Error e(Errc::FinalTryRefused,
                    which + " PIN has one try left; the final-try policy refused to send it");
            e.tries_left = 1;
            return e;
        }
    }
    return {};
}

Result<void> verify_pin(apdu::Transaction& tx, CardModel& model, PinKind kind, const SecureBytes& pin,
                        const VerifyOptions& options)
{
    // The counter is read in the same transaction as the VERIFY it guards (pin-and-suspension.md
    // §1.5.4): no other application can spend a try in between.
    MYNACARD_TRY(auto status, query_pin(tx, model, kind));
    MYNACARD_TRY_VOID(check_pin_policy(status, options));
    const auto forget = [&] {
        if (kind != PinKind::Kenhojo) model.forget_login(kind == PinKind::Auth ? KeyKind::Auth : KeyKind::Sign);
    };
    auto rsp = apdu::transceive(tx, apdu::Command::verify(layout::kPinP2, pin));
    if (!rsp) {
        forget();
        model.forget_counter(kind);  // a try may have been spent
        return Unexpected{std::move(rsp).error()};
    }
    if (!rsp->sw.ok()) {
        forget();
        if (auto left = rsp->sw.retries_left()) {
            status.tries_left = *left;
            model.learned(status);
        } else {
            model.forget_counter(kind);
        }
        return apdu::to_error(rsp->sw, (std::string("VERIFY ") + to_string(kind) + " PIN").c_str());
    }
    model.verified(kind);
    return {};
}

Result<void> change_reference_data(apdu::Transaction& tx, CardModel&, PinKind kind, const SecureBytes& new_pin)
{
    MYNACARD_TRY(auto rsp, apdu::transceive(tx, apdu::Command::change_reference_data(
                                                    layout::kChangeP1, layout::kPinP2, new_pin)));
    if (!rsp.sw.ok())
        return apdu::to_error(rsp.sw, (std::string("CHANGE REFERENCE DATA ") + to_string(kind)).c_str());
    return {};
}

Result<Bytes> compute_signature(apdu::Transaction& tx, CardModel& model, KeyKind key, ByteView input,
                                SignScheme scheme)
{
    MYNACARD_TRY_VOID(ensure_ef(tx, model, layout::key_ef(key)));
    MYNACARD_TRY(auto rsp, apdu::transceive(tx, apdu::Command::jpki_compute_signature(
                                                    input, static_cast<std::uint8_t>(scheme))));
    if (rsp.sw.value == kSwSecurityStatus) {
        model.signature_refused(key);
        return Error(Errc::NotLoggedIn, rsp.sw.value,
                     std::string(to_string(key)) + " key: the card says the PIN is not verified");
    }
    // "Any other P1 answers 6A86" (§1.7): this card has no such scheme. Nothing says a refused
    // scheme ends the verification, so the login stays.
    if (rsp.sw.value == kSwIncorrectP1P2 && scheme != SignScheme::Pkcs1)
        return Error(Errc::SchemeNotSupported, rsp.sw.value,
                     std::string("the card refuses signature scheme ") + to_string(scheme));
    if (!rsp.sw.ok()) return apdu::to_error(rsp.sw, "COMPUTE DIGITAL SIGNATURE");
    if (rsp.data.empty()) return Unexpected{Errc::MalformedResponse, "empty signature"};
    return std::move(rsp.data);
}

}  // namespace mynacard::jpki::detail
