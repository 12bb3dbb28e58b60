// PIN-less probe of RSASSA-PSS (scheme_probe.hpp).
#include "scheme_probe.hpp"

#include <array>

#include "card_io.hpp"

namespace mynacard::jpki::detail {
namespace {

/// SHA-256("mynacard RSA-PSS probe"): a fixed value, so the probe can never be used to have the
/// card sign something chosen by someone else.
constexpr std::array<std::uint8_t, 32> kProbeHash{
    0x68, 0xe4, 0x91, 0x0e, 0xaf, 0x92, 0x71, 0xde, 0x79, 0x09, 0xa6, 0x74, 0xa3, 0x2d, 0x4a, 0xea,
    0xf1, 0x92, 0x4f, 0x6d, 0xcd, 0xe9, 0xa0, 0x71, 0x9b, 0x3c, 0x50, 0xda, 0xd0, 0x48, 0x30, 0x03};

bool transport_failure(Errc code)
{
    return code == Errc::NoService || code == Errc::NoReader || code == Errc::CardAbsent ||
           code == Errc::CardRemoved || code == Errc::CardReset || code == Errc::Cancelled ||
           code == Errc::Transport || code == Errc::Timeout || code == Errc::CardUnresponsive ||
           code == Errc::SharingViolation;
}

}  // namespace

Result<SchemeSupport> probe_pss(apdu::Transaction& tx, CardModel& model, KeyKind key)
{
    auto signature = compute_signature(tx, model, key, ByteView(kProbeHash.data(), kProbeHash.size()),
                                       SignScheme::PssSha256);
    if (signature) return SchemeSupport::Yes;  // verified by someone else: signed, dropped
    const Error& e = signature.error();
    if (e.code == Errc::NotLoggedIn) return SchemeSupport::Yes;  // 6982: known scheme, no PIN
    if (transport_failure(e.code)) return Unexpected{std::move(signature).error()};
    return SchemeSupport::No;
}

}  // namespace mynacard::jpki::detail
