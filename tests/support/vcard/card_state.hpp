// Internal state of a VirtualJpkiCard: applications and their EFs, PIN counters, keys, the
// current selection and the counters. Only the card's own .cpp files include this.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>

#include "card_apdu.hpp"
#include "ossl_util.hpp"
#include "pin_counter.hpp"
#include "virtual_card.hpp"

namespace mynacard::vcard::detail {

enum class AppId { Jpki, Kenhojo, Common };
enum class PinId { Auth, Sign, Kenhojo };
enum class KeyId { Auth, Sign };

struct ElementaryFile {
    enum class Kind { Binary, Pin, Key } kind = Kind::Binary;
    Bytes content;                      ///< Binary only
    std::optional<PinId> read_guard;    ///< READ BINARY needs this PIN verified (else 6982)
    PinId pin = PinId::Auth;            ///< Pin: which counter; Key: which PIN unlocks it
    KeyId key = KeyId::Auth;            ///< Key only
};

struct Application {
    Bytes aid;
    std::map<std::uint16_t, ElementaryFile> files;  ///< by FID (SELECT EF, and SFI = low byte)
    std::optional<Bytes> record_sfi1;               ///< Common AP: record 1 of SFI 1
};

/// Builds the three APs from the PKI and options (card_files.cpp).
std::map<AppId, Application> build_applications(const TestPki& pki, const CardOptions& options);

/// EF 0006: the 160-byte CK_TOKEN_INFO image (jpki-card.md §1.4).
Bytes build_token_info(const CardOptions& options);
/// Kenhojo EF 0002: FF20 with a non-minimal length around DF21..DF25 (jpki-card.md §1.11/§1.12).
Bytes build_kenhojo_attributes(const PersonalData& person);

struct Reply {
    Bytes data;
    std::uint16_t sw = 0x9000;
    std::chrono::milliseconds delay{0};  ///< extra time (signature latency), slept outside the lock
    bool raw = false;                    ///< send `data` alone, no status word (garbage fault)

    static Reply status(std::uint16_t sw) { return Reply{{}, sw, {}}; }
    Bytes encode() const
    {
        Bytes out = data;
        if (raw) return out;
        out.push_back(static_cast<std::uint8_t>(sw >> 8));
        out.push_back(static_cast<std::uint8_t>(sw & 0xFF));
        return out;
    }
};

}  // namespace mynacard::vcard::detail

namespace mynacard::vcard {

struct VirtualJpkiCard::State {
    State(TestPki p, CardOptions o);

    TestPki pki;
    CardOptions options;
    std::map<detail::AppId, detail::Application> apps;
    std::map<detail::PinId, detail::PinCounter> pins;
    std::map<detail::KeyId, ossl::PkeyPtr> keys;

    bool powered = true;
    std::optional<detail::AppId> current_app;
    std::optional<std::uint16_t> current_ef;
    CardStats stats;
    std::uint64_t apdus_since_power_on = 0;
    LinkFault pending_link_fault = LinkFault::None;  ///< set by handle(), taken by the transport
    std::optional<std::filesystem::path> persist_dir;

    detail::PinBehaviour pin_behaviour() const
    {
        return {options.answer_9000_when_verified, options.locked_sw_6983, options.locked_sw_63c0};
    }
    detail::Application* app() { return current_app ? &apps.at(*current_app) : nullptr; }
    void clear_security();

    // Commands (card_commands.cpp); each returns the full answer for one APDU.
    detail::Reply handle(ByteView raw);
    detail::Reply select(const detail::CardCommand& c);
    detail::Reply read_binary(const detail::CardCommand& c);
    detail::Reply read_record(const detail::CardCommand& c);
    detail::Reply verify(const detail::CardCommand& c);
    detail::Reply change_reference_data(const detail::CardCommand& c);
    detail::Reply compute_signature(const detail::CardCommand& c);
    detail::PinCounter* addressed_pin(std::uint8_t p2);

    // Persistence (card_persistence.cpp).
    void save() const;
    void load();
};

}  // namespace mynacard::vcard
