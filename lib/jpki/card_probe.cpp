// Detection by application, never by ATR (jpki-card.md §1.2), and the per-card identity (§1.14).
#include "card_probe.hpp"

#include <openssl/evp.h>

#include "card_io.hpp"
#include "layout.hpp"
#include "mynacard/apdu/command.hpp"
#include "mynacard/jpki/supported.hpp"

namespace mynacard::jpki::detail {
namespace {

constexpr std::uint16_t kSwFileNotFound = 0x6A82;
constexpr std::uint8_t kAbsent = 0x00;

bool not_found(const Error& e) { return e.code == Errc::FileNotFound || e.sw == kSwFileNotFound; }

bool fatal_transport(Errc code)
{
    return code == Errc::NoService || code == Errc::NoReader || code == Errc::CardAbsent ||
           code == Errc::CardRemoved || code == Errc::Cancelled || code == Errc::CardReset;
}

}  // namespace

std::string trim_label(ByteView raw)
{
    std::string label(raw.begin(), raw.end());
    const auto end = label.find_last_not_of(std::string(" \0", 2));
    label.erase(end == std::string::npos ? 0 : end + 1);
    return label;
}

CardType card_type_for_label(std::string_view label) noexcept
{
    if (label == layout::kLabelMyNumberCard) return CardType::MyNumberCard;
    if (label == layout::kLabelJukiCard) return CardType::JukiCard;
    if (label == layout::kLabelAndroid) return CardType::AndroidToken;
    if (label == layout::kLabelIos) return CardType::IosToken;
    return CardType::Unknown;
}

Result<std::string> read_label(apdu::Transaction& tx, CardModel& model, bool* sfi)
{
    MYNACARD_TRY(Bytes raw, read_ef_prefix(tx, model, layout::kEfTokenInfo, layout::kTokenLabelLength, sfi));
    return trim_label(raw);
}

Result<Probe> probe(apdu::Transaction& tx, CardModel& model, bool* sfi)
{
    Probe result;
    if (auto selected = select_aid(tx, model, Ap::Jpki); !selected) {
        if (not_found(selected.error())) return result;
        return Unexpected{std::move(selected).error()};
    }
    auto label = read_label(tx, model, sfi);
    if (!label) {
        if (not_found(label.error())) return result;
        return Unexpected{std::move(label).error()};
    }
    result.label = std::move(*label);
    result.type = card_type_for_label(result.label);
    return result;
}

Result<Presence> read_presence(apdu::Transaction& tx, CardModel& model, bool* sfi)
{
    Presence presence;
    auto read = read_ef_prefix(tx, model, layout::kEfCertPresence, layout::kCertPresenceLength, sfi);
    if (!read) {
        if (!not_found(read.error())) return Unexpected{std::move(read).error()};
        if (auto sign = select_ef(tx, model, layout::kEfSignCert); !sign) {
            if (!not_found(sign.error())) return Unexpected{std::move(sign).error()};
            presence.sign = false;
        }
        return presence;
    }
    Bytes flags = std::move(*read);
    if (flags.size() < 2) return Unexpected{Errc::MalformedResponse, "EF 0008 shorter than 2 bytes"};
    presence.sign = flags[0] != kAbsent;
    presence.auth = flags[1] != kAbsent;
    return presence;
}

std::optional<CardRecord> load_insertion_record(const CertCache& cache, const InsertionKey& key)
{
    auto text = cache.load_text(cache.insertion_path(key.reader), kMaxRecordSize);
    if (!text || !*text) return std::nullopt;
    auto parsed = parse_record(**text);
    if (!parsed || !parsed->insertion || !(*parsed->insertion == key) || !parsed->auth_prefix || !parsed->has_auth ||
        !is_jpki_ic_card(card_type_for_label(parsed->label)))
        return std::nullopt;
    return std::move(*parsed);
}

Result<std::optional<Bytes>> read_auth_chunk_here(apdu::Transaction& tx, CardModel& model, bool* sfi)
{
    auto first = *sfi ? read_sfi(tx, model, layout::kEfAuthCert, layout::kShortReadChunk)
                      : read_ef_prefix(tx, model, layout::kEfAuthCert, layout::kShortReadChunk, sfi);
    if (!first) {
        if (fatal_transport(first.error().code)) return Unexpected{std::move(first).error()};
        return std::optional<Bytes>{};
    }
    return std::optional<Bytes>(std::move(*first));
}

std::optional<std::string> parse_common_record(ByteView record)
{
    if (record.size() < 2 + layout::kCommonSerialRecordLength || record[0] != layout::kCommonSerialTag ||
        record[1] != layout::kCommonSerialRecordLength)
        return std::nullopt;
    const ByteView serial = record.subspan(2, layout::kCommonSerialLength);
    for (auto c : serial)
        if (c < 0x21 || c > 0x7E) return std::nullopt;
    return std::string(serial.begin(), serial.end());
}

Result<CardIdentity> read_common_identity(apdu::Transaction& tx, CardModel& model)
{
    MYNACARD_TRY_VOID(select_aid(tx, model, Ap::Common));
    MYNACARD_TRY(auto rsp, apdu::transceive(tx, apdu::Command::read_record(layout::kCommonSerialRecord,
                                                                            layout::kCommonSerialSfi,
                                                                            layout::kShortReadChunk)));
    if (!rsp.sw.ok()) return apdu::to_error(rsp.sw, "READ RECORD Common AP serial");
    auto serial = parse_common_record(rsp.data);
    if (!serial) return Unexpected{Errc::MalformedResponse, "Common AP serial record has an unknown shape"};
    return CardIdentity{std::move(*serial), "common-ap"};
}

CardIdentity identity_from_auth_certificate(const Certificate& auth)
{
    Bytes input = auth.issuer_der();
    const Bytes serial = auth.serial_der();
    input.insert(input.end(), serial.begin(), serial.end());
    Bytes digest(32);
    unsigned int len = 0;
    EVP_Digest(input.data(), input.size(), digest.data(), &len, EVP_sha256(), nullptr);
    return CardIdentity{to_hex(ByteView(digest.data(), 8)), "auth-cert"};
}

}  // namespace mynacard::jpki::detail

namespace mynacard::jpki {

Result<CardType> detect_card(apdu::Transport& transport, const ReaderInsertion& insertion, const CacheOptions& cache,
                             std::string* label, bool* found_current)
{
    if (found_current) *found_current = false;
    std::optional<detail::CardRecord> record;
    if (cache.enabled) {
        if (auto dir = cache.directory ? cache.directory : detail::CertCache::default_directory())
            record = detail::load_insertion_record(detail::CertCache(*dir),
                                                   {insertion.reader, insertion.event_count, transport.atr()});
    }
    if (!record) return detect_card(transport, label);
    MYNACARD_TRY(auto tx, apdu::Transaction::begin(transport));
    detail::CardModel model;
    bool sfi = record->sfi;
    // A session of ours identified the card in this insertion (issue 9 §1 "Other processes"):
    // if the current AP shows the recorded chunk, that card is there and the JPKI AP current,
    // and nothing else is sent. A browser's login survives even on a card that ends
    // verification on SELECT.
    MYNACARD_TRY(auto chunk, detail::read_auth_chunk_here(tx, model, &sfi));
    if (chunk && detail::sha256_of(*chunk) == *record->auth_prefix) {
        if (label) *label = record->label;
        if (found_current) *found_current = true;
        return detail::card_type_for_label(record->label);
    }
    // No AP selected (the card was reset or powered off: nobody holds a verification now), or
    // another AP (which, on a card that ends verification on SELECT, already ended them), or
    // another card: detected by AID as without a record.
    MYNACARD_TRY(auto probe, detail::probe(tx, model, &sfi));
    if (label) *label = probe.label;
    return probe.type;
}

}  // namespace mynacard::jpki
