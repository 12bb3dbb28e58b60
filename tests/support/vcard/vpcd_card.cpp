// VpcdCard: a card served on one slot of the private pcscd for the length of a test.
#include <cstdlib>
#include <stdexcept>

#include "vpcd_link.hpp"

namespace mynacard::vcard {
namespace {

std::string env_or(const char* name, const std::string& fallback)
{
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

constexpr std::chrono::seconds kAppearTimeout{15};
constexpr std::chrono::seconds kLeaveTimeout{5};

}  // namespace

std::string VpcdCard::host()
{
    return env_or("MYNACARD_VPCD_HOST", "127.0.0.1");
}

int VpcdCard::port(int slot)
{
    return slot == 0 ? std::atoi(env_or("MYNACARD_VPCD_PORT", "35963").c_str())
                     : std::atoi(env_or("MYNACARD_VPCD_PORT2", "35964").c_str());
}

std::string VpcdCard::reader_name(int slot)
{
    return slot == 0 ? env_or("MYNACARD_VPCD_READER", "Virtual PCD 00 00")
                     : env_or("MYNACARD_VPCD_READER2", "Virtual PCD 00 01");
}

VpcdCard::VpcdCard(CardOptions options, const TestPki& pki, int slot)
    : m_card(std::make_shared<VirtualJpkiCard>(pki, std::move(options))), m_reader(reader_name(slot))
{
    if (slot != 0 && slot != 1) throw std::invalid_argument("VpcdCard: slot must be 0 or 1");
    m_link = std::make_unique<VpcdLink>(m_card, host(), port(slot));
    if (!m_link->wait_present(m_reader, kAppearTimeout))
        throw std::runtime_error("VpcdCard: no card appeared in '" + m_reader +
                                 "' (is pcscd with vpcd running? see tools/dev/pcsc-env.sh)");
}

VpcdCard::~VpcdCard()
{
    // Leave the reader empty for the next test.
    m_link->remove();
    m_link->wait_absent(m_reader, kLeaveTimeout);
    m_link.reset();
}

bool VpcdCard::remove_card(std::chrono::milliseconds timeout)
{
    m_link->remove();
    return m_link->wait_absent(m_reader, timeout);
}

bool VpcdCard::insert_card(std::chrono::milliseconds timeout)
{
    m_link->insert();
    return m_link->wait_present(m_reader, timeout);
}

VpcdLink& VpcdCard::link() noexcept { return *m_link; }
VirtualJpkiCard& VpcdCard::card() noexcept { return *m_card; }
std::shared_ptr<VirtualJpkiCard> VpcdCard::shared_card() const { return m_card; }
const std::string& VpcdCard::reader() const noexcept { return m_reader; }

}  // namespace mynacard::vcard
