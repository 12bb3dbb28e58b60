// Detection by application, never by ATR (jpki-card.md §1.2), and the per-card identity (§1.14).
#include "card_probe.hpp"

#include <openssl/evp.h>

#include "card_io.hpp"
#include "layout.hpp"
#include "mynacard/apdu/command.hpp"

namespace mynacard::jpki::detail {
namespace {

constexpr std::uint16_t kSwFileNotFound = 0x6A82;
constexpr std::uint8_t kAbsent = 0x00;

bool not_found(const Error& e) { return e.code == Errc::FileNotFound || e.sw == kSwFileNotFound; }

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

Result<Probe> probe(apdu::Transaction& tx)
{
    Probe result;
    if (auto selected = select_aid(tx, layout::kJpkiAid, "JPKI AP"); !selected) {
        if (not_found(selected.error())) return result;
        return Unexpected{std::move(selected).error()};
    }
    if (auto selected = select_ef(tx, layout::kEfTokenInfo); !selected) {
        if (not_found(selected.error())) return result;
        return Unexpected{std::move(selected).error()};
    }
    MYNACARD_TRY(Bytes raw, read_prefix(tx, layout::kTokenLabelLength));
    result.label = trim_label(raw);
    result.type = card_type_for_label(result.label);
    return result;
}

Result<Presence> read_presence(apdu::Transaction& tx)
{
    Presence presence;
    if (auto selected = select_ef(tx, layout::kEfCertPresence); !selected) {
        if (!not_found(selected.error())) return Unexpected{std::move(selected).error()};
        if (auto sign = select_ef(tx, layout::kEfSignCert); !sign) {
            if (!not_found(sign.error())) return Unexpected{std::move(sign).error()};
            presence.sign = false;
        }
        return presence;
    }
    MYNACARD_TRY(Bytes flags, read_prefix(tx, layout::kCertPresenceLength));
    if (flags.size() < 2) return Unexpected{Errc::MalformedResponse, "EF 0008 shorter than 2 bytes"};
    presence.sign = flags[0] != kAbsent;
    presence.auth = flags[1] != kAbsent;
    return presence;
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

Result<CardIdentity> read_common_identity(apdu::Transaction& tx)
{
    MYNACARD_TRY_VOID(select_aid(tx, layout::kCommonAid, "Common AP"));
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
