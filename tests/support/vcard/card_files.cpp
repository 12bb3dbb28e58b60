// Contents of the virtual card's EFs (jpki-card.md §1.4, §1.12, §1.14).
#include <algorithm>
#include <cstring>

#include "card_state.hpp"

namespace mynacard::vcard::detail {
namespace {

// Certificate EFs (jpki-card.md §1.4): MC reads FF filler after the DER object, but the EF sizes
// are an open question (§7). By default an EF ends with its certificate, so a read that runs
// past the DER meets the end of the EF (a short answer, or 6282 / 6B00 with read-end-6282).
// Switch padded-ef adds filler: more than two short reads' worth and not a multiple of 256, so a
// reader that reads to the end of the EF instead of the DER length pays for it and sees FF bytes.
constexpr std::size_t kCertFillerPadded = 600;

Bytes with_filler(const Bytes& der, std::size_t filler)
{
    Bytes out = der;
    out.insert(out.end(), filler, 0xFF);
    return out;
}

void put_padded(Bytes& out, std::size_t at, std::size_t width, const std::string& text)
{
    const std::size_t n = std::min(width, text.size());
    std::memcpy(out.data() + at, text.data(), n);
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(at + n),
              out.begin() + static_cast<std::ptrdiff_t>(at + width), ' ');
}

void put_u32(Bytes& out, std::size_t at, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

/// Appends tag, a minimal BER length and value.
void append_tlv(Bytes& out, std::uint16_t tag, const std::string& value)
{
    out.push_back(static_cast<std::uint8_t>(tag >> 8));
    out.push_back(static_cast<std::uint8_t>(tag & 0xFF));
    const std::size_t n = value.size();
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
    } else if (n < 0x100) {
        out.push_back(0x81);
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        out.push_back(0x82);
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(n & 0xFF));
    }
    out.insert(out.end(), value.begin(), value.end());
}

std::string kenhojo_birth_date(const std::string& birth)
{
    // PersonalData keeps the certificate's EYYYYMMDD (era digit first); Kenhojo stores YYYYMMDD.
    return birth.size() == 9 ? birth.substr(1) : birth;
}

ElementaryFile binary(Bytes content, std::optional<PinId> guard = std::nullopt)
{
    ElementaryFile ef;
    ef.kind = ElementaryFile::Kind::Binary;
    ef.content = std::move(content);
    ef.read_guard = guard;
    return ef;
}

ElementaryFile pin_ief(PinId pin)
{
    ElementaryFile ef;
    ef.kind = ElementaryFile::Kind::Pin;
    ef.pin = pin;
    return ef;
}

ElementaryFile key_ef(KeyId key, PinId pin)
{
    ElementaryFile ef;
    ef.kind = ElementaryFile::Kind::Key;
    ef.key = key;
    ef.pin = pin;
    return ef;
}

}  // namespace

Bytes build_token_info(const CardOptions& options)
{
    // CK_TOKEN_INFO serialised with 32-bit big-endian CK_ULONGs (jpki-card.md §1.4, MC layout).
    Bytes ti(160, 0x00);
    put_padded(ti, 0, 32, options.token_label);
    put_padded(ti, 32, 32, "J-LIS (mynacard virtual card)");
    put_padded(ti, 64, 16, "JPKI-VCARD");
    put_padded(ti, 80, 16, options.common_serial);
    // CKF_RNG? no. CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED.
    put_u32(ti, 96, 0x00000004 | 0x00000008 | 0x00000400);
    put_u32(ti, 100, 0);            // ulMaxSessionCount (CK_EFFECTIVELY_INFINITE)
    put_u32(ti, 104, 0xFFFFFFFF);   // ulSessionCount (unavailable)
    put_u32(ti, 108, 0);            // ulMaxRwSessionCount
    put_u32(ti, 112, 0xFFFFFFFF);   // ulRwSessionCount
    put_u32(ti, 116, 16);           // ulMaxPinLen
    put_u32(ti, 120, 4);            // ulMinPinLen
    for (std::size_t at = 124; at < 140; at += 4) put_u32(ti, at, 0xFFFFFFFF);  // memory: unavailable
    ti[140] = 1; ti[141] = 0;       // hardwareVersion 1.0
    ti[142] = 1; ti[143] = 0;       // firmwareVersion 1.0
    put_padded(ti, 144, 16, "");    // utcTime: none
    return ti;
}

Bytes build_kenhojo_attributes(const PersonalData& person)
{
    // Fields first, so the DF21 offsets can be computed: each offset is the position of the
    // field's tag from the start of the file.
    Bytes fields;
    std::vector<std::size_t> field_starts;
    const std::pair<std::uint16_t, std::string> items[] = {
        {0xDF22, person.name},
        {0xDF23, person.address},
        {0xDF24, kenhojo_birth_date(person.birth_date)},
        {0xDF25, person.sex},
    };
    for (const auto& [tag, value] : items) {
        field_starts.push_back(fields.size());
        append_tlv(fields, tag, value);
    }
    constexpr std::size_t kOffsetsTlv = 3 + 8;  // DF21 08 + four u16
    const std::size_t content_length = kOffsetsTlv + fields.size();
    // Outer header FF20 with a deliberately non-minimal length (jpki-card.md §1.11: the card
    // writes e.g. FF 40 82 00 9F): 82 00 LL below 256, 83 00 LL LL above.
    Bytes out = {0xFF, 0x20};
    if (content_length < 0x100) {
        out.insert(out.end(), {0x82, 0x00, static_cast<std::uint8_t>(content_length)});
    } else {
        out.insert(out.end(), {0x83, 0x00, static_cast<std::uint8_t>(content_length >> 8),
                               static_cast<std::uint8_t>(content_length & 0xFF)});
    }
    const std::size_t fields_base = out.size() + kOffsetsTlv;
    out.insert(out.end(), {0xDF, 0x21, 0x08});
    for (std::size_t start : field_starts) {
        const std::size_t at = fields_base + start;
        out.push_back(static_cast<std::uint8_t>(at >> 8));
        out.push_back(static_cast<std::uint8_t>(at & 0xFF));
    }
    out.insert(out.end(), fields.begin(), fields.end());
    out.insert(out.end(), 16, 0xFF);  // filler after the object
    return out;
}

std::map<AppId, Application> build_applications(const TestPki& pki, const CardOptions& options)
{
    std::map<AppId, Application> apps;

    const std::size_t filler = options.padded_ef ? kCertFillerPadded : 0;
    Application& jpki = apps[AppId::Jpki];
    jpki.aid = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
    // EF 0008: byte 0 = sign cert issued (8F) or not (00), byte 1 = auth cert (jpki-card.md §1.4).
    jpki.files[0x0008] = binary({static_cast<std::uint8_t>(options.has_sign_certificate ? 0x8F : 0x00), 0x8F, 0x00});
    jpki.files[0x0006] = binary(build_token_info(options));
    jpki.files[0x000A] = binary(with_filler(pki.auth_der, filler));
    jpki.files[0x000B] = binary(with_filler(pki.auth_ca_der, filler));
    jpki.files[0x0002] = binary(with_filler(pki.sign_ca_der, filler));
    jpki.files[0x0017] = key_ef(KeyId::Auth, PinId::Auth);
    jpki.files[0x0018] = pin_ief(PinId::Auth);
    if (options.has_sign_certificate) {
        // An under-15 card has no signing certificate (jpki-card.md §1.4/§2). We also leave out
        // its key EF 001A and password IEF 001B: SELECT answers 6A82 for all three.
        jpki.files[0x0001] = binary(with_filler(pki.sign_der, filler), PinId::Sign);
        jpki.files[0x001A] = key_ef(KeyId::Sign, PinId::Sign);
        jpki.files[0x001B] = pin_ief(PinId::Sign);
    }

    Application& kenhojo = apps[AppId::Kenhojo];
    kenhojo.aid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
    Bytes number = {0xFF, 0x10, 0x0C};
    number.insert(number.end(), options.my_number.begin(), options.my_number.end());
    number.insert(number.end(), {0xFF, 0xFF});
    kenhojo.files[0x0001] = binary(std::move(number), PinId::Kenhojo);
    kenhojo.files[0x0002] = binary(build_kenhojo_attributes(pki.sign_person().value_or(PersonalData{})), PinId::Kenhojo);
    kenhojo.files[0x0011] = pin_ief(PinId::Kenhojo);

    // Switch no-common-ap: a card without the Common AP (§1.14 is [2]); its SELECT answers 6A82.
    if (!options.has_common_ap) return apps;
    Application& common = apps[AppId::Common];
    common.aid = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00};
    const std::string record_text = options.common_serial + options.municipality_code + options.card_expiry;
    Bytes record = {0x01, static_cast<std::uint8_t>(record_text.size())};
    record.insert(record.end(), record_text.begin(), record_text.end());
    common.record_sfi1 = std::move(record);
    return apps;
}

}  // namespace mynacard::vcard::detail
