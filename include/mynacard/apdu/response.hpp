// Response APDUs (ISO/IEC 7816-4 §5.1: data field followed by SW1 SW2).
#pragma once

#include "mynacard/apdu/status_word.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::apdu {

struct Response {
    Bytes data;
    StatusWord sw;

    /// Splits raw bytes into data and SW. Fewer than 2 bytes is Errc::MalformedResponse.
    static Result<Response> parse(ByteView raw);
};

}  // namespace mynacard::apdu
