// Serves a VirtualJpkiCard to vpcd (vsmartcard's virtual reader driver inside pcscd) over TCP:
// each message is a 2-byte big-endian length then the payload. A 1-byte payload from vpcd is a
// control code: 0x00 power off, 0x01 power on, 0x02 reset, 0x04 get ATR; anything longer is an
// APDU. Closing the connection looks like card removal to pcscd; reconnecting, like insertion.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "virtual_card.hpp"

namespace mynacard::vcard {

class VpcdLink {
public:
    /// Connects to host:port in a background thread; an empty host / port <= 0 takes
    /// MYNACARD_VPCD_HOST / MYNACARD_VPCD_PORT (else 127.0.0.1:35963). Reconnects when vpcd
    /// drops the connection.
    VpcdLink(std::shared_ptr<VirtualJpkiCard> card, std::string host, int port);
    ~VpcdLink();  ///< disconnects (card removed) and joins the thread

    /// Card removal (returns once the connection is closed) / reinsertion (reconnects).
    /// pcscd notices a removal only when it next polls vpcd: call wait_absent() before insert()
    /// when pcscd must have seen the card leave (VpcdCard::remove_card does both).
    void remove();
    void insert();
    /// Blocks until pcscd reports a card in `reader` (via PC/SC), or timeout. True on success.
    bool wait_present(const std::string& reader, std::chrono::milliseconds timeout);
    bool wait_absent(const std::string& reader, std::chrono::milliseconds timeout);

    VirtualJpkiCard& card() noexcept;
    /// Whether the TCP connection to vpcd is up right now (added).
    bool connected() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Test fixture: a default card served on slot 0 of the private pcscd (tools/dev/pcsc-env.sh),
/// present when the constructor returns. Reader name in reader().
class VpcdCard {
public:
    explicit VpcdCard(CardOptions options = {}, const TestPki& pki = TestPki::shared_default(),
                      int slot = 0);
    ~VpcdCard();
    VpcdLink& link() noexcept;
    VirtualJpkiCard& card() noexcept;
    std::shared_ptr<VirtualJpkiCard> shared_card() const;
    const std::string& reader() const noexcept;

    // Added: removal / reinsertion as pcscd sees them. remove_card() closes the link and waits
    // until pcscd reports the reader empty; insert_card() reconnects and waits until pcscd
    // reports the card. True when pcscd saw the change within the timeout.
    bool remove_card(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    bool insert_card(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Added: where slot 0/1 of the private pcscd are (tools/dev/pcsc-env.sh exports them).
    static std::string host();                   ///< MYNACARD_VPCD_HOST or 127.0.0.1
    static int port(int slot);                   ///< MYNACARD_VPCD_PORT / PORT2 or 35963 / 35964
    static std::string reader_name(int slot);    ///< MYNACARD_VPCD_READER / READER2 or "Virtual PCD 00 0<slot>"

private:
    std::shared_ptr<VirtualJpkiCard> m_card;
    std::unique_ptr<VpcdLink> m_link;
    std::string m_reader;
};

}  // namespace mynacard::vcard
