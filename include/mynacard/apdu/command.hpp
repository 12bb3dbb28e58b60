// Command APDUs (ISO/IEC 7816-4 §5.1, §5.2: cases 1-4, short and extended length).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::apdu {

/// Le value meaning "as many as available": 256 in short form, 65536 in extended form.
inline constexpr std::size_t kLeMax = 65536;

class Command {
public:
    Command(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
            SecureBytes data = {}, std::optional<std::size_t> le = std::nullopt);

    std::uint8_t cla() const noexcept { return m_cla; }
    std::uint8_t ins() const noexcept { return m_ins; }
    std::uint8_t p1() const noexcept { return m_p1; }
    std::uint8_t p2() const noexcept { return m_p2; }
    const SecureBytes& data() const noexcept { return m_data; }
    std::optional<std::size_t> le() const noexcept { return m_le; }
    /// True when parse() met the extended length form; encode(true) then keeps that form even
    /// where short would do, so parse -> encode reproduces the input byte for byte.
    bool extended_form() const noexcept { return m_extended_form; }
    /// True for VERIFY (20) and CHANGE REFERENCE DATA (24): traces never show their data.
    bool carries_secret() const noexcept { return m_ins == 0x20 || m_ins == 0x24; }

    /// Same command with another Le (used for 6Cxx re-issue).
    Command with_le(std::optional<std::size_t> le) const;

    /// Encodes in short form, or in extended form when `allow_extended` and a length needs it.
    /// Lc must be 1..255 (short) or 1..65535 (extended); Le 1..256 / 1..65536. Anything else is
    /// Errc::LengthOutOfRange, never a silent truncation. A factory given an argument it cannot
    /// encode (read_binary offset > 7FFF, read_record SFI > 30) builds a command whose encode()
    /// fails the same way, since factories return a Command, not a Result.
    Result<SecureBytes> encode(bool allow_extended = false) const;

    /// Parses an encoded APDU (for the virtual card and fuzzing). Strict about lengths.
    static Result<Command> parse(ByteView raw);

    // Named factories (ISO 7816-4 §11 unless noted)
    static Command select_aid(ByteView aid);        ///< 00 A4 04 0C Lc AID (no FCI, §11.2.2)
    static Command select_ef(std::uint16_t fid);    ///< 00 A4 02 0C 02 FID
    static Command read_binary(std::uint16_t offset, std::size_t le);  ///< 00 B0 off Le, offset <= 7FFF
    static Command read_record(std::uint8_t record, std::uint8_t sfi, std::size_t le);  ///< 00 B2 rec (sfi<<3|4)
    static Command verify(std::uint8_t p2, SecureBytes pin);  ///< 00 20 00 p2 Lc PIN
    static Command verify_status(std::uint8_t p2);             ///< 00 20 00 p2, case 1: no try spent
    static Command change_reference_data(std::uint8_t p1, std::uint8_t p2, SecureBytes data);  ///< 00 24
    static Command get_response(std::size_t le);    ///< 00 C0 00 00 Le
    /// JPKI COMPUTE DIGITAL SIGNATURE 80 2A P1 80 Lc input Le=00 (jpki-card.md §1.7): P1 is the
    /// scheme (00: `input` is a DigestInfo, padded PKCS#1 v1.5; 04: a SHA-256 hash, PSS).
    static Command jpki_compute_signature(ByteView input, std::uint8_t scheme = 0x00);

private:
    std::uint8_t m_cla, m_ins, m_p1, m_p2;
    SecureBytes m_data;
    std::optional<std::size_t> m_le;
    bool m_extended_form = false;
    const char* m_defect = nullptr;  ///< why encode() must refuse (set by a factory); static text
};

}  // namespace mynacard::apdu
