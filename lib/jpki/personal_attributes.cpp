// Personal attributes of the signing certificate: SubjectAltName otherNames under
// 1.2.392.200149.8.5.5 (.1 name, .2 name substitute, .3 sex, .4 birth date, .5 address,
// .6 address substitute; jpki-card.md §2, MYNA-GO jpki_ap.go), decoded with libtasn1 against
// the small module in mynacard_san.asn.
#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mynacard/jpki/certificate.hpp"
#include "san.hpp"
#include "san_asn1.hpp"

namespace mynacard::jpki {
namespace detail {
namespace {

constexpr std::string_view kOidArc = "1.2.392.200149.8.5.5.";

Error invalid(std::string what) { return Error(Errc::CertificateInvalid, "SubjectAltName: " + std::move(what)); }

class Asn1Tree {
public:
    Asn1Tree() = default;
    Asn1Tree(const Asn1Tree&) = delete;
    Asn1Tree& operator=(const Asn1Tree&) = delete;
    ~Asn1Tree() { asn1_delete_structure(&m_node); }
    asn1_node* out() noexcept { return &m_node; }
    asn1_node get() const noexcept { return m_node; }

private:
    asn1_node m_node = nullptr;
};

/// asn1_read_value into a buffer sized by a first call. nullopt when the element is absent.
std::optional<Bytes> read_value(asn1_node node, const std::string& name)
{
    int len = 0;
    int rc = asn1_read_value(node, name.c_str(), nullptr, &len);
    if (rc == ASN1_ELEMENT_NOT_FOUND || rc == ASN1_VALUE_NOT_FOUND) return std::nullopt;
    if (rc != ASN1_MEM_ERROR && rc != ASN1_SUCCESS) return std::nullopt;
    Bytes buf(static_cast<std::size_t>(len) + 1);
    len = static_cast<int>(buf.size());
    if (asn1_read_value(node, name.c_str(), buf.data(), &len) != ASN1_SUCCESS) return std::nullopt;
    buf.resize(static_cast<std::size_t>(len));
    return buf;
}

std::string as_string(const Bytes& b)
{
    std::string s(b.begin(), b.end());
    while (!s.empty() && s.back() == '\0') s.pop_back();  // OIDs and choice names end in NUL
    return s;
}

bool valid_utf8(ByteView s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        const std::uint8_t c = s[i];
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1Fu; }
        else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0Fu; }
        else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07u; }
        else return false;
        if (i + extra >= s.size()) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        constexpr std::array<std::uint32_t, 4> kMin{0, 0x80, 0x800, 0x10000};
        if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

void append_utf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/// BMPString is UCS-2 big-endian (X.680 §41); surrogate pairs are accepted as UTF-16.
std::optional<std::string> utf16be_to_utf8(ByteView s)
{
    if (s.size() % 2 != 0) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        std::uint32_t unit = static_cast<std::uint32_t>(s[i] << 8 | s[i + 1]);
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (i + 3 >= s.size()) return std::nullopt;
            const std::uint32_t low = static_cast<std::uint32_t>(s[i + 2] << 8 | s[i + 3]);
            if (low < 0xDC00 || low > 0xDFFF) return std::nullopt;
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            i += 2;
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            return std::nullopt;
        }
        append_utf8(out, unit);
    }
    return out;
}

/// The otherName value: one of the string types J-LIS or test PKIs use.
Result<std::string> decode_string(const Bytes& der)
{
    if (der.empty()) return invalid("empty otherName value");
    unsigned int etype = 0;
    switch (der[0]) {
    case 0x0C: etype = ASN1_ETYPE_UTF8_STRING; break;
    case 0x13: etype = ASN1_ETYPE_PRINTABLE_STRING; break;
    case 0x16: etype = ASN1_ETYPE_IA5_STRING; break;
    case 0x1E: etype = ASN1_ETYPE_BMP_STRING; break;
    default: return invalid("otherName value is not a UTF8/Printable/IA5/BMP string");
    }
    // libtasn1 refuses a zero-length string; J-LIS writes empty substitutes (.2, .6) that way.
    if (der.size() == 2 && der[1] == 0x00) return std::string{};
    const unsigned char* str = nullptr;
    unsigned int str_len = 0;
    if (asn1_decode_simple_der(etype, der.data(), static_cast<unsigned int>(der.size()), &str,
                               &str_len) != ASN1_SUCCESS)
        return invalid("malformed string in otherName");
    const ByteView content(str, str_len);
    if (etype == ASN1_ETYPE_BMP_STRING) {
        auto utf8 = utf16be_to_utf8(content);
        if (!utf8) return invalid("invalid BMPString");
        return *utf8;
    }
    if (etype != ASN1_ETYPE_UTF8_STRING) {
        for (auto c : content)
            if (c >= 0x80) return invalid("non-ASCII byte in Printable/IA5 string");
    }
    if (!valid_utf8(content)) return invalid("invalid UTF-8");
    return std::string(content.begin(), content.end());
}

std::string* field_for(PersonalAttributes& attrs, int arc)
{
    switch (arc) {
    case 1: return &attrs.name;
    case 2: return &attrs.name_substitute;
    case 3: return &attrs.sex;
    case 4: return &attrs.birth_date;
    case 5: return &attrs.address;
    case 6: return &attrs.address_substitute;
    default: return nullptr;
    }
}

/// ".1" .. ".6" after the JPKI arc; 0 for any other OID.
int jpki_arc(const std::string& oid)
{
    if (oid.size() != kOidArc.size() + 1 || oid.compare(0, kOidArc.size(), kOidArc) != 0) return 0;
    const char last = oid.back();
    return (last >= '1' && last <= '6') ? last - '0' : 0;
}

}  // namespace

Result<PersonalAttributes> decode_personal_attributes(ByteView der)
{
    if (der.empty()) return invalid("empty");
    Asn1Tree definitions;
    char errdesc[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = {};
    if (asn1_array2tree(mynacard_san_asn1_tab, definitions.out(), errdesc) != ASN1_SUCCESS)
        return Unexpected{Errc::Internal, std::string("libtasn1 definitions: ") + errdesc};
    Asn1Tree names;
    if (asn1_create_element(definitions.get(), "MYNACARD-SAN.GeneralNames", names.out()) != ASN1_SUCCESS)
        return Unexpected{Errc::Internal, "libtasn1: cannot create GeneralNames"};
    int len = static_cast<int>(der.size());
    if (asn1_der_decoding2(names.out(), der.data(), &len, 0, errdesc) != ASN1_SUCCESS)
        return invalid(std::string("not valid GeneralNames: ") + errdesc);
    if (static_cast<std::size_t>(len) != der.size()) return invalid("trailing bytes");

    PersonalAttributes attrs;
    std::array<bool, 7> seen{};
    bool any = false;
    for (int i = 1;; ++i) {
        const std::string entry = "?" + std::to_string(i);
        auto choice = read_value(names.get(), entry);
        if (!choice) break;
        if (as_string(*choice) != "otherName") continue;
        auto oid = read_value(names.get(), entry + ".otherName.type-id");
        if (!oid) return invalid("otherName without type-id");
        const int arc = jpki_arc(as_string(*oid));
        if (arc == 0) continue;
        auto value = read_value(names.get(), entry + ".otherName.value");
        if (!value) return invalid("otherName without value");
        MYNACARD_TRY(std::string text, decode_string(*value));
        if (seen[static_cast<std::size_t>(arc)]) return invalid("duplicate otherName " + as_string(*oid));
        seen[static_cast<std::size_t>(arc)] = true;
        *field_for(attrs, arc) = std::move(text);
        any = true;
    }
    if (!any)
        return Unexpected{Errc::NoSuchKey, "certificate carries no JPKI personal attributes"};
    return attrs;
}

}  // namespace detail

Result<PersonalAttributes> personal_attributes(const Certificate& cert)
{
    X509* x = cert.native();
    const int index = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);
    if (index < 0) return Unexpected{Errc::NoSuchKey, "certificate has no SubjectAltName"};
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(x, index));
    if (!data) return Unexpected{Errc::CertificateInvalid, "SubjectAltName without value"};
    return detail::decode_personal_attributes(
        ByteView(data->data, static_cast<std::size_t>(data->length)));
}

}  // namespace mynacard::jpki
