// Card records (format and threat model in card_record.hpp).
#include "card_record.hpp"

#include <charconv>
#include <map>

#include <openssl/evp.h>

namespace mynacard::jpki::detail {
namespace {

constexpr std::string_view kHeader = "mynacard-card 1";
constexpr std::size_t kDigestHex = 64;
constexpr std::size_t kMaxReaderName = 400;  // pcsc-lite: MAX_READERNAME 128; hex doubles it
constexpr std::size_t kMaxAtr = 33;          // ISO 7816-3: at most 33 bytes

constexpr std::array<const char*, 4> kCheckedKeys{"checked-auth", "checked-auth-ca", "checked-sign",
                                                  "checked-sign-ca"};

Unexpected bad(const std::string& why) { return Unexpected{Errc::CacheInvalid, "card record: " + why}; }

bool printable(std::string_view s)
{
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7E) return false;
    return true;
}

std::optional<Bytes> from_hex(std::string_view s, std::size_t max_bytes)
{
    if (s.size() % 2 != 0 || s.size() / 2 > max_bytes) return std::nullopt;
    Bytes out;
    out.reserve(s.size() / 2);
    for (std::size_t i = 0; i < s.size(); i += 2) {
        unsigned v = 0;
        const auto r = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
        if (r.ec != std::errc{} || r.ptr != s.data() + i + 2) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

std::string lower_hex(ByteView b)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto c : b) {
        out += digits[c >> 4];
        out += digits[c & 0x0F];
    }
    return out;
}

std::optional<bool> flag(std::string_view v)
{
    if (v == "1") return true;
    if (v == "0") return false;
    return std::nullopt;
}

}  // namespace

Bytes sha256_of(ByteView data)
{
    Bytes out(32);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) out.clear();
    return out;
}

std::string encode_record(const CardRecord& r)
{
    std::string out(kHeader);
    out += '\n';
    const auto line = [&](const char* key, const std::string& value) {
        out += key;
        out += '=';
        out += value;
        out += '\n';
    };
    line("serial", r.identity.serial);
    line("source", r.identity.source);
    line("label", r.label);
    line("sign", r.has_sign ? "1" : "0");
    line("auth", r.has_auth ? "1" : "0");
    line("sfi", r.sfi ? "1" : "0");
    if (r.pss) line("pss", *r.pss ? "1" : "0");
    if (r.insertion) {
        line("reader", lower_hex(ByteView(reinterpret_cast<const std::uint8_t*>(r.insertion->reader.data()),
                                          r.insertion->reader.size())));
        line("events", std::to_string(r.insertion->events));
        line("atr", lower_hex(r.insertion->atr));
    }
    if (r.auth_prefix) line("auth-prefix", lower_hex(*r.auth_prefix));
    for (std::size_t i = 0; i < r.checked.size(); ++i) {
        if (!r.checked[i]) continue;
        if (static_cast<CertKind>(i) == CertKind::Sign) {
            line(kCheckedKeys[i], "1");
        } else {
            line(kCheckedKeys[i], lower_hex(*r.checked[i]));
        }
    }
    return out;
}

Result<CardRecord> parse_record(std::string_view text)
{
    if (text.size() > kMaxRecordSize) return bad("too large");
    std::map<std::string, std::string, std::less<>> fields;
    std::size_t pos = 0;
    bool first = true;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) return bad("last line not terminated");
        const std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (first) {
            if (line != kHeader) return bad("unknown header");
            first = false;
            continue;
        }
        if (!printable(line)) return bad("non-printable byte");
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) return bad("line without key");
        std::string key(line.substr(0, eq));
        if (!fields.emplace(std::move(key), std::string(line.substr(eq + 1))).second) return bad("repeated key");
    }
    if (first) return bad("empty");

    CardRecord r;
    const auto take = [&](std::string_view key) -> std::optional<std::string> {
        const auto it = fields.find(key);
        if (it == fields.end()) return std::nullopt;
        std::string v = std::move(it->second);
        fields.erase(it);
        return v;
    };
    auto serial = take("serial");
    auto source = take("source");
    auto label = take("label");
    auto sign = take("sign");
    auto auth = take("auth");
    auto sfi = take("sfi");
    if (!serial || !source || !label || !sign || !auth || !sfi) return bad("missing field");
    // CardIdentity.serial fits CK_TOKEN_INFO.serialNumber (16); the label is EF 0006's 32 bytes.
    if (serial->empty() || serial->size() > 16) return bad("serial length");
    if (*source != "common-ap" && *source != "auth-cert") return bad("unknown identity source");
    if (label->size() > 32) return bad("label length");
    const auto sign_flag = flag(*sign), auth_flag = flag(*auth), sfi_flag = flag(*sfi);
    if (!sign_flag || !auth_flag || !sfi_flag) return bad("bad flag");
    r.identity = CardIdentity{std::move(*serial), std::move(*source)};
    r.label = std::move(*label);
    r.has_sign = *sign_flag;
    r.has_auth = *auth_flag;
    r.sfi = *sfi_flag;
    if (auto pss = take("pss")) {
        const auto pss_flag = flag(*pss);
        if (!pss_flag) return bad("bad flag");
        r.pss = *pss_flag;
    }

    auto reader = take("reader");
    auto events = take("events");
    auto atr = take("atr");
    if (reader || events || atr) {
        if (!reader || !events || !atr) return bad("incomplete insertion key");
        InsertionKey key;
        auto name = from_hex(*reader, kMaxReaderName / 2);
        if (!name || name->empty()) return bad("reader");
        key.reader.assign(name->begin(), name->end());
        std::uint32_t n = 0;
        const auto res = std::from_chars(events->data(), events->data() + events->size(), n, 10);
        if (events->empty() || res.ec != std::errc{} || res.ptr != events->data() + events->size())
            return bad("events");
        key.events = n;
        auto atr_bytes = from_hex(*atr, kMaxAtr);
        if (!atr_bytes) return bad("atr");
        key.atr = std::move(*atr_bytes);
        r.insertion = std::move(key);
    }
    if (auto prefix = take("auth-prefix")) {
        if (prefix->size() != kDigestHex) return bad("auth-prefix length");
        auto digest = from_hex(*prefix, 32);
        if (!digest) return bad("auth-prefix");
        r.auth_prefix = std::move(*digest);
    }
    for (std::size_t i = 0; i < kCheckedKeys.size(); ++i) {
        auto v = take(kCheckedKeys[i]);
        if (!v) continue;
        if (!r.insertion) return bad("checked certificates outside an insertion record");
        if (static_cast<CertKind>(i) == CertKind::Sign) {
            if (*v != "1") return bad("checked-sign");
            r.checked[i] = Bytes{};
            continue;
        }
        if (v->size() != kDigestHex) return bad("digest length");
        auto digest = from_hex(*v, 32);
        if (!digest) return bad("digest");
        r.checked[i] = std::move(*digest);
    }
    if (!fields.empty()) return bad("unknown key " + fields.begin()->first);
    return r;
}

}  // namespace mynacard::jpki::detail
