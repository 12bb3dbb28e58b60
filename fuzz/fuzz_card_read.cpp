// Fuzz target: what the JPKI card layer reads from a card, through the real command sequences
// (lib/jpki/card_io.cpp, card_probe.cpp) over a transport whose answers are the fuzz input:
// the certificate / Kenhojo object reader with its DER / BER object-length functions
// (jpki-card.md §1.4, §1.5: header length, filler, extended read and its fallback, 6282, 6B00),
// 61xx / 6Cxx handling in apdu::transceive, the card probe (label, EF 0006), the certificate
// presence flags (EF 0008), the Common AP serial record (§1.14) and the PIN counter query.
//
// Input: operation (1) | flags (1) | card answers (support/fuzz_card.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include "../lib/jpki/card_io.hpp"
#include "../lib/jpki/card_probe.hpp"
#include "fuzz_card.hpp"
#include "mynacard/apdu/transaction.hpp"
#include "mynacard/jpki/certificate.hpp"

namespace {

using namespace mynacard;

/// A successfully read object is exactly as long as its own header says.
void check_object(const Result<Bytes>& object, const jpki::detail::ObjectLength& length)
{
    if (!object) return;
    if (object->empty() || object->size() > 0x7FFF + 256) __builtin_trap();
    auto total = length(*object);
    if (!total || *total != object->size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace jpki::detail;
    fuzz::ByteReader in(ByteView(data, size));
    const std::uint8_t operation = in.u8();
    const std::uint8_t flags = in.u8();

    // The pure parsers, on the whole input as it stands.
    (void)jpki::der_object_length(ByteView(data, size));
    (void)tlv_object_length(ByteView(data, size));
    (void)trim_label(ByteView(data, size));
    if (auto serial = parse_common_record(ByteView(data, size)); serial && serial->size() != 15) __builtin_trap();

    fuzz::FuzzCard card(in, (flags & 1) != 0);
    auto tx = apdu::Transaction::begin(card);
    if (!tx) return 0;
    bool try_extended = (flags & 2) != 0;
    // Bit 3: start as if short-EF-identifier reads had failed before (SELECT EF + READ path).
    bool sfi = (flags & 8) == 0;
    jpki::detail::CardModel model;
    switch (operation % 6) {
    case 0:
        check_object(read_object(*tx, jpki::der_object_length, {&try_extended, {}}), jpki::der_object_length);
        break;
    case 1:
        check_object(read_object(*tx, tlv_object_length, {&try_extended, {}}), tlv_object_length);
        break;
    case 2:
        if (auto probe_result = probe(*tx, model, &sfi); probe_result && probe_result->label.size() > 32) __builtin_trap();
        break;
    case 3:
        (void)read_presence(*tx, model, &sfi);
        break;
    case 4:
        if (auto id = read_common_identity(*tx, model); id && id->serial.size() != 15) __builtin_trap();
        break;
    case 5: {
        const auto kind = static_cast<jpki::PinKind>(flags % 3);
        if (auto status = query_pin(*tx, model, kind); status && status->tries_left && *status->tries_left > 15)
            __builtin_trap();
        break;
    }
    }
    return 0;
}
