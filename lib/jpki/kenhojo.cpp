// Kenhojo AP files (jpki-card.md §1.12), read with the lenient BER reader of apdu/tlv: the card
// writes non-minimal lengths and pads with FF (§1.11).
#include "mynacard/jpki/kenhojo.hpp"

#include <algorithm>

#include "layout.hpp"
#include "mynacard/apdu/tlv.hpp"

namespace mynacard::jpki {
namespace {

Error malformed(const std::string& what) { return Error(Errc::MalformedResponse, "Kenhojo " + what); }

Result<apdu::tlv::Element> find_required(const std::vector<apdu::tlv::Element>& elements,
                                         std::uint32_t tag, const char* what)
{
    auto e = apdu::tlv::find(elements, tag);
    if (!e) return malformed(std::string(what) + " missing");
    return *e;
}

std::string text(ByteView v) { return std::string(v.begin(), v.end()); }

bool all_digits(ByteView v)
{
    return std::all_of(v.begin(), v.end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<std::string> parse_my_number(ByteView ef0001)
{
    auto elements = apdu::tlv::parse_all(ef0001);
    if (!elements) return malformed("EF 0001: " + elements.error().context);
    MYNACARD_TRY(auto number, find_required(*elements, layout::kTagMyNumber, "EF 0001 tag FF10"));
    if (number.value.size() != layout::kMyNumberDigits || !all_digits(number.value))
        return malformed("EF 0001: the number is not 12 digits");
    return text(number.value);
}

Result<KenhojoAttributes> parse_kenhojo_attributes(ByteView ef0002)
{
    auto outer = apdu::tlv::parse_all(ef0002);
    if (!outer) return malformed("EF 0002: " + outer.error().context);
    MYNACARD_TRY(auto wrapper, find_required(*outer, layout::kTagAttributes, "EF 0002 tag FF20"));
    auto fields = apdu::tlv::parse_all(wrapper.value);
    if (!fields) return malformed("EF 0002 fields: " + fields.error().context);
    MYNACARD_TRY(auto name, find_required(*fields, layout::kTagName, "name (DF22)"));
    MYNACARD_TRY(auto address, find_required(*fields, layout::kTagAddress, "address (DF23)"));
    MYNACARD_TRY(auto birth, find_required(*fields, layout::kTagBirthDate, "birth date (DF24)"));
    MYNACARD_TRY(auto sex, find_required(*fields, layout::kTagSex, "sex (DF25)"));
    if (birth.value.size() != 8 || !all_digits(birth.value))
        return malformed("birth date (DF24) is not YYYYMMDD");
    if (sex.value.size() != 1 || !all_digits(sex.value))
        return malformed("sex (DF25) is not one JIS X 0303 digit");
    KenhojoAttributes attrs;
    attrs.name = text(name.value);
    attrs.address = text(address.value);
    attrs.birth_date = text(birth.value);
    attrs.sex = text(sex.value);
    return attrs;
}

}  // namespace mynacard::jpki
