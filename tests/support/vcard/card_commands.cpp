// Command handlers of the virtual card. Each rule cites the jpki-card.md clause it models.
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "card_state.hpp"

namespace mynacard::vcard {

using detail::AppId;
using detail::CardCommand;
using detail::ElementaryFile;
using detail::Reply;

namespace {

constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsReadRecord = 0xB2;
constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kInsChangeReference = 0x24;
constexpr std::uint8_t kInsComputeSignature = 0x2A;

/// Data field plus 9000.
Reply data_reply(Bytes data) { return Reply{std::move(data), 0x9000, {}}; }

}  // namespace

Reply VirtualJpkiCard::State::handle(ByteView raw)
{
    ++stats.apdus;
    ++apdus_since_power_on;
    if (raw.size() < 4) return Reply::status(0x6700);
    const std::uint8_t cla = raw[0];
    const std::uint8_t ins = raw[1];

    // Faults come first: they model a card or reader misbehaving whatever the command.
    if (auto it = options.faults.sw_for_ins.find(ins); it != options.faults.sw_for_ins.end())
        return Reply::status(it->second);
    if (options.faults.garbage_for_ins && *options.faults.garbage_for_ins == ins) {
        Reply garbage;
        garbage.data.resize(options.faults.garbage_length);
        if (!garbage.data.empty())
            RAND_bytes(garbage.data.data(), static_cast<int>(garbage.data.size()));
        garbage.raw = true;
        return garbage;
    }

    // Class byte: interindustry (0x) or proprietary 8x only (ISO 7816-4 §5.4.1); then
    // (jpki-card.md §1.1) only logical channel 0, and secure messaging is refused.
    if ((cla & 0xF0) != 0x00 && (cla & 0xF0) != 0x80) return Reply::status(0x6E00);
    if ((cla & 0x03) != 0) return Reply::status(0x6881);
    if ((cla & 0x0C) != 0) return Reply::status(ins == kInsSelect ? 0x6882 : 0x69FC);
    if (cla != 0x00 && cla != 0x80) return Reply::status(0x6E00);

    auto parsed = detail::parse_card_command(raw);
    if (!parsed) return Reply::status(0x6700);
    if (parsed->extended && !options.support_extended_length) return Reply::status(0x6700);

    const bool proprietary = ins == kInsComputeSignature;  // 80 2A (jpki-card.md §1.7)
    switch (ins) {
    case kInsSelect:
    case kInsReadBinary:
    case kInsReadRecord:
    case kInsVerify:
    case kInsChangeReference:
    case kInsComputeSignature:
        if ((cla == 0x80) != proprietary) return Reply::status(0x6E00);
        break;
    default:
        return Reply::status(0x6D00);
    }
    switch (ins) {
    case kInsSelect: return select(*parsed);
    case kInsReadBinary: return read_binary(*parsed);
    case kInsReadRecord: return read_record(*parsed);
    case kInsVerify: return verify(*parsed);
    case kInsChangeReference: return change_reference_data(*parsed);
    default: return compute_signature(*parsed);
    }
}

Reply VirtualJpkiCard::State::select(const CardCommand& c)
{
    ++stats.selects;
    // jpki-card.md §1.3: SELECT AP is 00 A4 04 0C <AID>; SELECT EF is 00 A4 02 0C 02 <FID>;
    // path selection (P1=09) does not work; SELECT MF answers 6A86 with no AP selected and a
    // do-nothing 9000 with one; 3F00 by FID answers 6A82.
    switch (c.p1) {
    case 0x04: {
        if (c.p2 != 0x0C) return Reply::status(0x6A86);
        if (c.data.empty() || c.data.size() > 16) return Reply::status(0x6700);
        for (auto& [id, application] : apps) {
            if (application.aid == c.data) {
                // What this does to verified PINs is open (jpki-card.md §1.9, §7): the switch
                // decides. A failed SELECT (6A82 below) changes no selection and clears nothing.
                const bool same_ap = current_app == id;
                if (options.select_rule == SelectRule::ClearAny ||
                    (options.select_rule == SelectRule::KeepSameAp && !same_ap))
                    clear_security();
                current_app = id;
                current_ef.reset();
                return Reply::status(0x9000);
            }
        }
        return Reply::status(0x6A82);
    }
    case 0x02: {
        if (c.p2 != 0x0C) return Reply::status(0x6A86);
        if (c.data.size() != 2) return Reply::status(0x6700);
        const std::uint16_t fid = static_cast<std::uint16_t>((c.data[0] << 8) | c.data[1]);
        detail::Application* application = app();
        if (fid == 0x3F00 || !application || !application->files.contains(fid))
            return Reply::status(0x6A82);
        current_ef = fid;
        return Reply::status(0x9000);
    }
    case 0x00:
        if (c.data.empty()) return Reply::status(current_app ? 0x9000 : 0x6A86);
        return Reply::status(0x6A82);
    default:
        return Reply::status(0x6A86);
    }
}

Reply VirtualJpkiCard::State::read_binary(const CardCommand& c)
{
    ++stats.read_binary;
    std::size_t offset = 0;
    detail::Application* application = app();
    if (c.p1 & 0x80) {
        // Short EF identifier form 00 B0 (80|SFI) off Le: selects the EF as a side effect
        // (jpki-card.md §1.5). Every EF is in 0001-001E, so FID = SFI.
        if (c.p1 & 0x60) return Reply::status(0x6A86);
        const std::uint16_t fid = c.p1 & 0x1F;
        if (!application || !application->files.contains(fid)) return Reply::status(0x6A82);
        current_ef = fid;
        offset = c.p2;
    } else {
        offset = (static_cast<std::size_t>(c.p1) << 8) | c.p2;  // 15-bit offset
    }
    if (!application || !current_ef) return Reply::status(0x6986);  // no current EF
    const ElementaryFile& ef = application->files.at(*current_ef);
    if (ef.kind != ElementaryFile::Kind::Binary) return Reply::status(0x6981);
    if (ef.read_guard && !pins.at(*ef.read_guard).verified()) return Reply::status(0x6982);
    if (c.has_data() || !c.ne) return Reply::status(0x6700);
    if (offset >= ef.content.size()) return Reply::status(0x6B00);  // at or past the end
    std::size_t n = std::min(*c.ne, ef.content.size() - offset);  // short near the end
    // Faults::read_binary_max_bytes: a hostile card that dribbles the rest of an EF.
    if (offset > 0 && options.faults.read_binary_max_bytes)
        n = std::min(n, *options.faults.read_binary_max_bytes);
    const auto begin = ef.content.begin() + static_cast<std::ptrdiff_t>(offset);
    Reply reply = data_reply(Bytes(begin, begin + static_cast<std::ptrdiff_t>(n)));
    // Switch read-end-6282: "end of file reached before reading Ne bytes" (ISO 7816-4 §5.6
    // warning 6282, which MC accepts, jpki-card.md §1.5) instead of a short 9000.
    if (options.read_end_6282 && n < *c.ne) reply.sw = 0x6282;
    return reply;
}

Reply VirtualJpkiCard::State::read_record(const CardCommand& c)
{
    // Common AP: 00 B2 01 0C 00 = record 1 of SFI 1 (jpki-card.md §1.14).
    if ((c.p2 & 0x07) != 0x04) return Reply::status(0x6A86);
    const int sfi = c.p2 >> 3;
    detail::Application* application = app();
    if (!application || !application->record_sfi1 || sfi != 1) return Reply::status(0x6A82);
    if (c.p1 != 0x01) return Reply::status(0x6A83);
    if (c.has_data() || !c.ne) return Reply::status(0x6700);
    const Bytes& record = *application->record_sfi1;
    if (*c.ne < record.size()) {
        // A record is returned whole or not at all: tell the exact length (ISO 7816-4 §5.6).
        return Reply::status(static_cast<std::uint16_t>(0x6C00 | (record.size() & 0xFF)));
    }
    return data_reply(record);
}

/// The PIN a VERIFY / CHANGE REFERENCE DATA addresses: P2=80 = the current EF, P2=80|SFI = the
/// IEF with that FID in the current AP (jpki-card.md §1.6). nullptr when there is none.
detail::PinCounter* VirtualJpkiCard::State::addressed_pin(std::uint8_t p2)
{
    detail::Application* application = app();
    if (!application) return nullptr;
    std::optional<std::uint16_t> fid = (p2 == 0x80) ? current_ef
                                                    : std::optional<std::uint16_t>(p2 & 0x1F);
    if (!fid) return nullptr;
    auto it = application->files.find(*fid);
    if (it == application->files.end() || it->second.kind != ElementaryFile::Kind::Pin)
        return nullptr;
    return &pins.at(it->second.pin);
}

Reply VirtualJpkiCard::State::verify(const CardCommand& c)
{
    if (c.p1 != 0x00 || (c.p2 & 0x80) == 0 || (c.p2 & 0x60) != 0) return Reply::status(0x6A86);
    detail::PinCounter* pin = addressed_pin(c.p2);
    if (!pin) return Reply::status(0x6A88);
    if (!c.has_data()) {
        if (c.ne) return Reply::status(0x6700);
        ++stats.verify_empty;
        return Reply::status(pin->status(pin_behaviour()));  // spends nothing
    }
    ++stats.verify_with_data;
    bool changed = false;
    const std::uint16_t sw = pin->verify(c.data, pin_behaviour(), changed);
    if (changed) save();
    return Reply::status(sw);
}

Reply VirtualJpkiCard::State::change_reference_data(const CardCommand& c)
{
    // 00 24 01 80 Lc <new value> on the selected PIN IEF, after VERIFY (jpki-card.md §1.8).
    if (c.p1 != 0x01 || (c.p2 & 0x80) == 0 || (c.p2 & 0x60) != 0) return Reply::status(0x6A86);
    detail::PinCounter* pin = addressed_pin(c.p2);
    if (!pin) return Reply::status(0x6A88);
    if (!c.has_data()) return Reply::status(0x6700);
    const std::uint16_t sw = pin->change(c.data, pin_behaviour());
    if (sw == 0x9000) save();
    return Reply::status(sw);
}

namespace {

/// The signature schemes COMPUTE DIGITAL SIGNATURE's P1 selects (jpki-card.md §1.7 table, [1]:
/// MC's survey of a test card). Without the `pss` switch only 00 exists.
enum class Scheme : std::uint8_t {
    Verbatim = 0x00,         ///< 1..k-11 bytes, PKCS#1 v1.5 type-1 padding as they are
    HashBare = 0x01,         ///< message: SHA-256, the bare hash padded PKCS#1 v1.5
    WrapHash = 0x02,         ///< 32-byte SHA-256: wrapped in a DigestInfo, PKCS#1 v1.5
    HashWrap = 0x03,         ///< message: SHA-256, DigestInfo, PKCS#1 v1.5
    PssHash = 0x04,          ///< 32-byte SHA-256: RSASSA-PSS (MGF1-SHA-256, 32-byte salt)
    HashPss = 0x05,          ///< message: SHA-256, then RSASSA-PSS
};

bool scheme_known(std::uint8_t p1, bool pss_switch) { return p1 == 0x00 || (pss_switch && p1 <= 0x05); }
bool takes_message(Scheme s) { return s == Scheme::HashBare || s == Scheme::HashWrap || s == Scheme::HashPss; }
bool takes_hash(Scheme s) { return s == Scheme::WrapHash || s == Scheme::PssHash; }
bool is_pss(Scheme s) { return s == Scheme::PssHash || s == Scheme::HashPss; }

Bytes sha256(ByteView data)
{
    Bytes out(32);
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr) != 1) out.clear();
    return out;
}

/// DigestInfo of a SHA-256 hash (RFC 8017 §9.2 note 1).
Bytes sha256_digest_info(ByteView hash)
{
    Bytes di = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    di.insert(di.end(), hash.begin(), hash.end());
    return di;
}

/// One RSA private-key operation: PKCS#1 v1.5 over `input` as given, or RSASSA-PSS over a
/// SHA-256 hash with MGF1-SHA-256 and a 32-byte random salt. Empty on an OpenSSL failure.
Bytes rsa_sign(EVP_PKEY* key, ByteView input, bool pss)
{
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) return {};
    if (pss) {
        if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) != 1)
            return {};
    } else if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
        return {};
    }
    std::size_t sig_len = 0;
    if (EVP_PKEY_sign(ctx.get(), nullptr, &sig_len, input.data(), input.size()) != 1) return {};
    Bytes signature(sig_len);
    if (EVP_PKEY_sign(ctx.get(), signature.data(), &sig_len, input.data(), input.size()) != 1) return {};
    signature.resize(sig_len);
    return signature;
}

}  // namespace

Reply VirtualJpkiCard::State::compute_signature(const CardCommand& c)
{
    // 80 2A P1 80 Lc data 00 (jpki-card.md §1.7). P1 selects the scheme: 00 only by default
    // (every other P1 answers 6A86); with the `pss` switch 01..05 as in the §1.7 table. P1 is
    // checked first, so an unknown scheme answers 6A86 whether or not the PIN is verified and a
    // known one answers 6982 before it is (what a PIN-less probe of P1=04 relies on).
    ++stats.sign_commands;
    if (!scheme_known(c.p1, options.pss)) return Reply::status(0x6A86);
    const auto scheme = static_cast<Scheme>(c.p1);
    if (current_app != AppId::Jpki) return Reply::status(0x6985);
    detail::Application& jpki = apps.at(AppId::Jpki);
    std::optional<std::uint16_t> fid;
    if (c.p2 == 0x80) fid = current_ef;                       // key of the current EF
    else if (c.p2 == 0x97 || c.p2 == 0x9A) fid = c.p2 & 0x1F;  // 80|SFI names the key directly
    else return Reply::status(0x6A86);
    auto it = fid ? jpki.files.find(*fid) : jpki.files.end();
    if (it == jpki.files.end() || it->second.kind != ElementaryFile::Kind::Key)
        return Reply::status(0x6985);
    detail::PinCounter& pin = pins.at(it->second.pin);
    if (!pin.verified()) return Reply::status(0x6982);
    // Switch sign-consumes (jpki-card.md §7: unknown whether a signature uses up the
    // verification): every 80 2A that got past the security check needs a fresh VERIFY next
    // time, whatever its outcome.
    if (options.sign_consumes) pin.clear_verified();

    EVP_PKEY* key = keys.at(it->second.key).get();
    const std::size_t modulus_bytes = static_cast<std::size_t>(EVP_PKEY_get_size(key));
    const std::uint16_t wrong_length = options.wrong_length_sw_6985 ? 0x6985 : 0x6700;
    // Input lengths (§1.7): "Bad input lengths answer 6985 or 6700".
    if (c.data.empty()) return Reply::status(wrong_length);
    if (takes_hash(scheme) && c.data.size() != 32) return Reply::status(wrong_length);
    const std::size_t max_input = modulus_bytes - 11;  // PKCS#1 v1.5: k - 11 (245 for RSA-2048)
    if (scheme == Scheme::Verbatim && c.data.size() > max_input) return Reply::status(wrong_length);
    if (c.ne && !c.extended && *c.ne < modulus_bytes && modulus_bytes <= 256)
        return Reply::status(static_cast<std::uint16_t>(0x6C00 | (modulus_bytes & 0xFF)));

    Bytes input(c.data.begin(), c.data.end());
    if (takes_message(scheme)) input = sha256(c.data);
    if (scheme == Scheme::WrapHash || scheme == Scheme::HashWrap) input = sha256_digest_info(input);
    Bytes signature = input.empty() ? Bytes{} : rsa_sign(key, input, is_pss(scheme));
    if (signature.empty()) {
        ossl::drain_errors();
        return Reply::status(0x6F00);
    }
    ++stats.signatures;
    Reply reply = data_reply(std::move(signature));
    reply.delay = options.sign_latency;
    return reply;
}

}  // namespace mynacard::vcard
