// Command APDU encoding and parsing: ISO/IEC 7816-4 §5.1 (cases 1-4) and §5.2 (short and
// extended length fields).
//
//   case 1   CLA INS P1 P2
//   case 2S  CLA INS P1 P2 Le                  Le 1..256, 256 written as 00
//   case 2E  CLA INS P1 P2 00 Le1 Le2          Le 1..65536, 65536 written as 00 00
//   case 3S  CLA INS P1 P2 Lc data             Lc 1..255
//   case 3E  CLA INS P1 P2 00 Lc1 Lc2 data     Lc 1..65535
//   case 4S  CLA INS P1 P2 Lc data Le
//   case 4E  CLA INS P1 P2 00 Lc1 Lc2 data Le1 Le2   (both fields extended, §5.2)
#include "mynacard/apdu/command.hpp"

#include <string>
#include <utility>

namespace mynacard::apdu {
namespace {

constexpr std::size_t kShortLcMax = 255;
constexpr std::size_t kShortLeMax = 256;
constexpr std::size_t kExtendedLcMax = 65535;

void put_extended(SecureBytes& out, std::size_t value)
{
    // 65536 (Le only) is written as 00 00, which the masks produce naturally.
    out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xFF));
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

Error length_error(const std::string& what)
{
    return Error(Errc::LengthOutOfRange, what);
}

}  // namespace

Command::Command(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                 SecureBytes data, std::optional<std::size_t> le)
    : m_cla(cla), m_ins(ins), m_p1(p1), m_p2(p2), m_data(std::move(data)), m_le(le)
{
}

Command Command::with_le(std::optional<std::size_t> le) const
{
    Command copy = *this;
    copy.m_le = le;
    return copy;
}

Result<SecureBytes> Command::encode(bool allow_extended) const
{
    if (m_defect != nullptr) return length_error(m_defect);

    const std::size_t lc = m_data.size();
    if (lc > kExtendedLcMax)
        return length_error("Lc " + std::to_string(lc) + " exceeds 65535");
    if (m_le && (*m_le == 0 || *m_le > kLeMax))
        return length_error("Le " + std::to_string(*m_le) + " outside 1..65536");

    const bool needs_extended = lc > kShortLcMax || (m_le && *m_le > kShortLeMax);
    const bool extended = needs_extended || (m_extended_form && allow_extended);
    if (extended && !allow_extended)
        return length_error("Lc " + std::to_string(lc) + "/Le " +
                            (m_le ? std::to_string(*m_le) : std::string("absent")) +
                            " needs extended length, which the card or reader does not allow");

    SecureBytes out;
    out.reserve(4 + 3 + lc + 3);
    out.insert(out.end(), {m_cla, m_ins, m_p1, m_p2});
    if (lc > 0) {
        if (extended) {
            out.push_back(0x00);
            put_extended(out, lc);
        } else {
            out.push_back(static_cast<std::uint8_t>(lc));
        }
        out.insert(out.end(), m_data.begin(), m_data.end());
    }
    if (m_le) {
        if (extended) {
            // Case 2E carries the leading 00; in case 4E it was written before Lc (§5.2).
            if (lc == 0) out.push_back(0x00);
            put_extended(out, *m_le);
        } else {
            out.push_back(static_cast<std::uint8_t>(*m_le & 0xFF));  // 256 -> 00
        }
    }
    return out;
}

Result<Command> Command::parse(ByteView raw)
{
    auto malformed = [](const char* why) { return Error(Errc::LengthOutOfRange, why); };
    if (raw.size() < 4) return malformed("command APDU shorter than its 4-byte header");

    const std::uint8_t cla = raw[0], ins = raw[1], p1 = raw[2], p2 = raw[3];
    const ByteView body = raw.subspan(4);
    auto make = [&](std::size_t data_off, std::size_t lc, std::optional<std::size_t> le,
                    bool extended) {
        const auto data = body.subspan(data_off, lc);
        Command cmd(cla, ins, p1, p2, SecureBytes(data.begin(), data.end()), le);
        cmd.m_extended_form = extended;
        return cmd;
    };

    if (body.empty()) return make(0, 0, std::nullopt, false);  // case 1
    if (body.size() == 1) return make(0, 0, body[0] ? body[0] : 256, false);  // case 2S

    if (body[0] != 0x00) {  // short Lc: cases 3S / 4S
        const std::size_t lc = body[0];
        if (body.size() == 1 + lc) return make(1, lc, std::nullopt, false);
        if (body.size() == 2 + lc) {
            const std::uint8_t le = body[1 + lc];
            return make(1, lc, le ? le : 256, false);
        }
        return malformed("short Lc does not match the command length");
    }

    // body[0] == 00 and more bytes follow: an extended length field (§5.2).
    if (body.size() < 3) return malformed("truncated extended length field");
    const std::size_t first = static_cast<std::size_t>(body[1]) << 8 | body[2];
    if (body.size() == 3) return make(0, 0, first ? first : kLeMax, true);  // case 2E
    if (first == 0) return malformed("extended Lc of 0");
    if (body.size() == 3 + first) return make(3, first, std::nullopt, true);  // case 3E
    if (body.size() == 5 + first) {                                            // case 4E
        const std::size_t le = static_cast<std::size_t>(body[3 + first]) << 8 | body[4 + first];
        return make(3, first, le ? le : kLeMax, true);
    }
    return malformed("extended Lc does not match the command length");
}

// --- factories (ISO 7816-4 §11; JPKI specifics in jpki-card.md §1.3-§1.7) ---

Command Command::select_aid(ByteView aid)
{
    return Command(0x00, 0xA4, 0x04, 0x0C, SecureBytes(aid.begin(), aid.end()));
}

Command Command::select_ef(std::uint16_t fid)
{
    return Command(0x00, 0xA4, 0x02, 0x0C,
                   SecureBytes{static_cast<std::uint8_t>(fid >> 8),
                               static_cast<std::uint8_t>(fid & 0xFF)});
}

Command Command::read_binary(std::uint16_t offset, std::size_t le)
{
    // §11.3.3: with P1 bit 8 clear, P1-P2 is a 15-bit offset. Bit 8 set would mean "P1 holds a
    // short EF identifier", i.e. a different file, so a larger offset must not be encoded.
    Command cmd(0x00, 0xB0, static_cast<std::uint8_t>((offset >> 8) & 0x7F),
                static_cast<std::uint8_t>(offset & 0xFF), {}, le);
    if (offset > 0x7FFF) cmd.m_defect = "READ BINARY offset above 7FFF";
    return cmd;
}

Command Command::read_record(std::uint8_t record, std::uint8_t sfi, std::size_t le)
{
    // §11.4.3: P2 = SFI (bits 8-4) | 100 (read record number P1). SFI 1..30 (§7.2.2).
    Command cmd(0x00, 0xB2, record, static_cast<std::uint8_t>((sfi & 0x1F) << 3 | 0x04), {}, le);
    if (sfi == 0 || sfi > 30) cmd.m_defect = "READ RECORD short EF identifier outside 1..30";
    return cmd;
}

Command Command::verify(std::uint8_t p2, SecureBytes pin)
{
    return Command(0x00, 0x20, 0x00, p2, std::move(pin));
}

Command Command::verify_status(std::uint8_t p2)
{
    return Command(0x00, 0x20, 0x00, p2);
}

Command Command::change_reference_data(std::uint8_t p1, std::uint8_t p2, SecureBytes data)
{
    return Command(0x00, 0x24, p1, p2, std::move(data));
}

Command Command::get_response(std::size_t le)
{
    return Command(0x00, 0xC0, 0x00, 0x00, {}, le);
}

Command Command::jpki_compute_signature(ByteView input, std::uint8_t scheme)
{
    return Command(0x80, 0x2A, scheme, 0x80, SecureBytes(input.begin(), input.end()), 256);
}

}  // namespace mynacard::apdu
