// Response APDU: data field, then the SW1 SW2 trailer (ISO/IEC 7816-4 §5.1).
#include "mynacard/apdu/response.hpp"

namespace mynacard::apdu {

Result<Response> Response::parse(ByteView raw)
{
    if (raw.size() < 2)
        return Error(Errc::MalformedResponse,
                     "response of " + std::to_string(raw.size()) + " bytes has no status word");
    const std::size_t n = raw.size() - 2;
    Response rsp;
    rsp.data.assign(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(n));
    rsp.sw.value = static_cast<std::uint16_t>(raw[n] << 8 | raw[n + 1]);
    return rsp;
}

}  // namespace mynacard::apdu
