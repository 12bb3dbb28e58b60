// The virtual JPKI card: test equipment only, never linked into anything shipped.
// Behaves as shared/docs/jpki-card.md describes (JPKI AP, Kenhojo AP, Common AP), stateful,
// optionally persisted in a directory. Three ways to use it:
//   - VirtualJpkiCard::process(): raw APDU in, raw response out;
//   - VirtualCardTransport: an in-process apdu::Transport (fast unit tests);
//   - VpcdLink (vpcd_link.hpp) / the mynacard-vcard program: connects to vpcd over TCP so the
//     real pcscd path is exercised.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mynacard/apdu/transport.hpp"
#include "card_switches.hpp"
#include "mynacard/bytes.hpp"
#include "test_pki.hpp"

namespace mynacard::vcard {

struct PinSetup {
    std::string value;
    int max_tries = 3;
    int tries_left = 3;   ///< 0 = locked
};

struct Faults {
    /// After this many APDUs (counted from power-on), the card "is pulled": the transport
    /// reports CardRemoved / the vpcd link closes. nullopt = never.
    std::optional<std::uint64_t> remove_after_apdus;
    /// With remove_after_apdus: reinsert after this delay (vpcd link reconnects).
    std::optional<std::chrono::milliseconds> reinsert_after;
    /// Answer `sw` to every command with this INS (e.g. {0x2A, 0x6F00}).
    std::map<std::uint8_t, std::uint16_t> sw_for_ins;
    /// Return this many random bytes instead of a well-formed response, for INS (0 = none).
    std::optional<std::uint8_t> garbage_for_ins;
    /// Length of the garbage answer. The default (1 byte) cannot even hold a status word.
    std::size_t garbage_length = 1;
    /// The card runs the first command with this INS that carries a data field (e.g. 0x20: a
    /// VERIFY with a PIN, not the empty status query), then its connection
    /// drops before the answer goes out: the vpcd link closes (a pulled card; with
    /// reinsert_after it comes back), in process the transport reports CardRemoved. Once.
    std::optional<std::uint8_t> drop_after_ins;
    /// The card runs the first such command with this INS, then is reset (power removed, so verified
    /// PINs are gone) before the answer: the vpcd link closes and reconnects at once, in process
    /// the transport reports CardReset (the command may have run). Once.
    std::optional<std::uint8_t> reset_after_ins;
    /// READ BINARY past offset 0 answers at most this many bytes (with 9000): a hostile card
    /// that makes a reader ask again and again.
    std::optional<std::size_t> read_binary_max_bytes;
};

/// What a drop_after_ins / reset_after_ins fault asks the transport to do after an APDU.
enum class LinkFault { None, Drop, Reset };

/// Everything about one virtual card. The switch fields (card_switches.hpp) start from
/// switch_defaults(), i.e. the built-in values with MYNACARD_VCARD_SWITCHES applied: a switch
/// named there changes every card of the process, unless a test sets the field itself.
struct CardOptions {
    PinSetup auth_pin{"1234", 3, 3};
    PinSetup sign_pin{"ABC123", 5, 5};
    PinSetup kenhojo_pin{"1234", 3, 3};
    bool has_sign_certificate = true;          ///< false = under-15 card (no EF 0001, 0008 = 00 8F 00)
    /// Switch atr=<hex>. Empty: 3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B.
    Bytes atr = switch_defaults().atr;
    std::string token_label = switch_defaults().token_label;  ///< switch label-v1: JPKIAPICCTOKEN
    std::string common_serial = "AB0123456789012"; ///< 15 chars in the Common AP record
    std::string my_number = "123456789018";
    std::chrono::milliseconds apdu_latency{0};  ///< ~12 ms models a contact reader
    std::chrono::milliseconds sign_latency{0};  ///< a few hundred ms models RSA-2048 on card
    /// Switch empty-verify-9000: empty VERIFY after success answers 9000 instead of 63Cx.
    bool answer_9000_when_verified = switch_defaults().answer_9000_when_verified;
    bool locked_sw_6983 = switch_defaults().locked_sw_6983;  ///< switch blocked-6983 (else 6984)
    bool locked_sw_63c0 = switch_defaults().locked_sw_63c0;  ///< switch blocked-63c0 (else 6984)
    /// False with switch no-extended: the card answers 6700 to extended APDUs, and the
    /// in-process transport and the vpcd link refuse them before the card as a reader would.
    bool support_extended_length = switch_defaults().support_extended_length;
    bool wrong_length_sw_6985 = false;          ///< signature input > k-11 bytes: 6985 instead of 6700
    /// Switches reselect-keeps / reselect-clears / reselect-keeps-all (card_switches.hpp).
    SelectRule select_rule = switch_defaults().select_rule;
    bool sign_consumes = switch_defaults().sign_consumes;  ///< switch sign-consumes
    /// Switch read-end-6282: a READ BINARY running past the end answers 6282 (with the bytes
    /// that remain) instead of a short 9000.
    bool read_end_6282 = switch_defaults().read_end_6282;
    /// Switch padded-ef: certificate EFs carry FF filler after the DER (else they end with it).
    bool padded_ef = switch_defaults().padded_ef;
    bool has_common_ap = switch_defaults().has_common_ap;  ///< false with switch no-common-ap
    std::string municipality_code = "13101";    ///< 5 digits in the Common AP record
    std::string card_expiry = "20351231";       ///< YYYYMMDD in the Common AP record
    /// Switch `pss`: COMPUTE DIGITAL SIGNATURE accepts P1 = 01..05 (jpki-card.md §1.7 table,
    /// [1]); without it any P1 other than 00 answers 6A86.
    bool pss = switch_defaults().pss;
    Faults faults;
};

/// Counters the tests inspect (e.g. "no VERIFY with data was sent").
struct CardStats {
    std::uint64_t apdus = 0;
    std::uint64_t verify_with_data = 0;   ///< VERIFY carrying a PIN (any AP)
    std::uint64_t verify_empty = 0;
    std::uint64_t signatures = 0;
    std::uint64_t sign_commands = 0;      ///< every COMPUTE DIGITAL SIGNATURE, answered or refused
    std::uint64_t read_binary = 0;
    std::uint64_t selects = 0;
};

class VirtualJpkiCard {
public:
    VirtualJpkiCard(TestPki pki, CardOptions options = {});
    ~VirtualJpkiCard();
    VirtualJpkiCard(const VirtualJpkiCard&) = delete;
    VirtualJpkiCard& operator=(const VirtualJpkiCard&) = delete;
    /// Loads state (PIN values and retry counters; <dir>/card-state.json) from `dir` if
    /// present, and saves it after every change. The stored PINs win over `options`.
    static std::unique_ptr<VirtualJpkiCard> persistent(std::filesystem::path dir, TestPki pki,
                                                       CardOptions options = {});

    /// One APDU in, response (data + SW) out. Thread-safe.
    Bytes process(ByteView command);
    /// Power cycle: clears the selection and every verified state (and the fault APDU counter).
    /// Warm reset: clears the selection only. jpki-card.md §1.9 leaves open what a warm reset
    /// does to VERIFY state; like the doc we assume only removing power logs out (MC's
    /// observation), so a warm reset and a re-SELECT of the AP both keep it.
    void power_off();
    void power_on();
    void warm_reset();
    Bytes atr() const;

    CardStats stats() const;
    const TestPki& pki() const noexcept;
    CardOptions options() const;
    /// Tries left on the card right now (for assertions).
    int tries_left(int pin_ef /* 0x18, 0x1B, or 0x11 for Kenhojo */) const;
    void set_faults(Faults faults);

    // Added for assertions and for the transports.
    /// Whether the PIN (0x18, 0x1B, 0x11) is verified right now.
    bool verified(int pin_ef) const;
    bool powered() const;
    /// APDUs processed since the last power-on (Faults::remove_after_apdus counts these).
    std::uint64_t apdus_since_power_on() const;
    /// True once Faults::remove_after_apdus APDUs were answered since power-on: the transports
    /// then make the card disappear.
    bool pulled() const;
    /// After process(): the link fault that fired on that APDU (then cleared), if any. The
    /// transports call it and then withhold the answer.
    LinkFault take_link_fault();

private:
    struct State;
    std::unique_ptr<State> m_state;
    mutable std::mutex m_mutex;
};

/// In-process Transport over a VirtualJpkiCard (shared, so tests can inspect the card).
class VirtualCardTransport final : public apdu::Transport {
public:
    explicit VirtualCardTransport(std::shared_ptr<VirtualJpkiCard> card,
                                  std::string name = "Virtual JPKI card (in-process)");
    Result<void> begin_transaction() override;
    void end_transaction(apdu::Disposition how = apdu::Disposition::Leave) noexcept override;
    Result<Bytes> transmit(ByteView command) override;
    Result<void> reset(apdu::Disposition how) override;
    std::uint64_t reset_epoch() const noexcept override;
    Bytes atr() const override;
    bool extended_length() const noexcept override;
    std::string name() const override;

    /// Simulate removal (every later call: CardRemoved; the card loses power) and reinsertion
    /// (the card powers up, the epoch moves on, the transport works again).
    void remove();
    void insert();
    /// Simulate another application resetting the card: the next begin_transaction()/transmit
    /// reconnects, bumps the epoch and the card has lost its verified state.
    void external_reset();

private:
    /// Notices a Faults::remove_after_apdus pull and a due automatic reinsertion.
    void refresh_presence_locked();
    void insert_locked();

    std::shared_ptr<VirtualJpkiCard> m_card;
    std::string m_name;
    std::uint64_t m_epoch = 0;
    bool m_present = true;
    bool m_pending_reset = false;
    // Added: remove()/insert() may come from another thread than transmit().
    mutable std::mutex m_mutex;
    std::optional<std::chrono::steady_clock::time_point> m_reinsert_at;
};

}  // namespace mynacard::vcard
