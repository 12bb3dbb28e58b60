// PcscContext: an SCARDCONTEXT, reader listing and change notification over pcsc-lite.
#include <winscard.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "mynacard/apdu/pcsc.hpp"
#include "pcsc_errors.hpp"

namespace mynacard::apdu {
namespace {

// pcsc-lite's pseudo-reader that reports reader arrival/removal through SCardGetStatusChange
// (its dwEventState high word is the reader count).
constexpr char kPnpReader[] = "\\\\?PnP?\\Notification";

SCARDCONTEXT ctx_of(std::intptr_t handle) noexcept
{
    return static_cast<SCARDCONTEXT>(handle);
}

// Reader names from SCardListReaders. No readers is an empty list, not an error.
Result<std::vector<std::string>> reader_names(SCARDCONTEXT ctx)
{
    // The list can grow between the size query and the fetch (a reader plugged in meanwhile):
    // then pcsc-lite answers INSUFFICIENT_BUFFER and we ask again.
    for (int attempt = 0; attempt < 5; ++attempt) {
        DWORD len = 0;
        LONG rv = SCardListReaders(ctx, nullptr, nullptr, &len);
        if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
        if (rv != SCARD_S_SUCCESS) return pcsc::error_from(rv, "SCardListReaders");
        std::string buf(len, '\0');
        rv = SCardListReaders(ctx, nullptr, buf.data(), &len);
        if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue;
        if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
        if (rv != SCARD_S_SUCCESS) return pcsc::error_from(rv, "SCardListReaders");
        buf.resize(std::min<std::size_t>(len, buf.size()));
        // A multi-string: names separated by NUL, ended by an empty name.
        std::vector<std::string> names;
        for (std::size_t pos = 0; pos < buf.size();) {
            const std::size_t end = buf.find('\0', pos);
            const std::size_t stop = end == std::string::npos ? buf.size() : end;
            if (stop == pos) break;
            names.emplace_back(buf, pos, stop - pos);
            pos = stop + 1;
        }
        return names;
    }
    return Error(Errc::Transport, "SCardListReaders: reader list kept changing");
}

ReaderInfo info_from(const SCARD_READERSTATE& s)
{
    ReaderInfo info;
    info.name = s.szReader;
    info.card_present = (s.dwEventState & SCARD_STATE_PRESENT) != 0;
    info.exclusive_in_use = (s.dwEventState & SCARD_STATE_EXCLUSIVE) != 0;
    info.mute = (s.dwEventState & SCARD_STATE_MUTE) != 0;
    const std::size_t atr_len = std::min<std::size_t>(s.cbAtr, sizeof s.rgbAtr);
    if (info.card_present) info.atr.assign(s.rgbAtr, s.rgbAtr + atr_len);
    info.event_count = static_cast<std::uint32_t>((s.dwEventState >> 16) & 0xFFFF);
    return info;
}

// Whether `now` differs from `known` in a way wait_for_change() reports: a reader added or
// removed, a card inserted or removed (event_count also catches a fast remove + reinsert).
bool differs(const std::vector<ReaderInfo>& known, const std::vector<ReaderInfo>& now)
{
    if (known.size() != now.size()) return true;
    for (const ReaderInfo& n : now) {
        auto it = std::find_if(known.begin(), known.end(),
                               [&](const ReaderInfo& k) { return k.name == n.name; });
        if (it == known.end() || it->card_present != n.card_present ||
            it->event_count != n.event_count)
            return true;
    }
    return false;
}

struct StateSet {
    std::vector<std::string> names;  // storage the szReader pointers refer to
    std::vector<SCARD_READERSTATE> states;
};

StateSet make_states(std::vector<std::string> names, bool with_pnp)
{
    StateSet set;
    set.names = std::move(names);
    if (with_pnp) set.names.emplace_back(kPnpReader);
    set.states.resize(set.names.size());
    for (std::size_t i = 0; i < set.names.size(); ++i) {
        set.states[i] = SCARD_READERSTATE{};
        set.states[i].szReader = set.names[i].c_str();
        set.states[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    return set;
}

std::vector<ReaderInfo> infos_of(const StateSet& set)
{
    std::vector<ReaderInfo> out;
    for (const SCARD_READERSTATE& s : set.states) {
        if (std::string_view(s.szReader) == kPnpReader) continue;
        if (s.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) continue;  // vanished
        out.push_back(info_from(s));
    }
    return out;
}

// Current state of every reader: SCardListReaders, then one SCardGetStatusChange with every
// reader UNAWARE and a zero timeout, which returns at once with each reader's state.
Result<std::vector<ReaderInfo>> snapshot(SCARDCONTEXT ctx)
{
    for (int attempt = 0; attempt < 5; ++attempt) {
        MYNACARD_TRY(auto names, reader_names(ctx));
        if (names.empty()) return std::vector<ReaderInfo>{};
        StateSet set = make_states(std::move(names), false);
        const LONG rv = SCardGetStatusChange(ctx, 0, set.states.data(),
                                             static_cast<DWORD>(set.states.size()));
        if (rv == SCARD_E_UNKNOWN_READER) continue;  // a reader left between the two calls
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
            return pcsc::error_from(rv, "SCardGetStatusChange");
        return infos_of(set);
    }
    return Error(Errc::Transport, "reader list kept changing");
}

}  // namespace

Result<PcscContext> PcscContext::establish()
{
    SCARDCONTEXT ctx = 0;
    const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    if (rv != SCARD_S_SUCCESS) return pcsc::error_from(rv, "SCardEstablishContext");
    PcscContext out;
    out.m_handle = static_cast<std::intptr_t>(ctx);
    out.m_valid = true;
    out.m_cancel_requested = std::make_unique<std::atomic<bool>>(false);
    return out;
}

PcscContext::PcscContext(PcscContext&& other) noexcept
    : m_handle(other.m_handle),
      m_valid(std::exchange(other.m_valid, false)),
      m_cancel_requested(std::move(other.m_cancel_requested))
{
}

PcscContext& PcscContext::operator=(PcscContext&& other) noexcept
{
    if (this != &other) {
        if (m_valid) SCardReleaseContext(ctx_of(m_handle));
        m_handle = other.m_handle;
        m_valid = std::exchange(other.m_valid, false);
        m_cancel_requested = std::move(other.m_cancel_requested);
    }
    return *this;
}

PcscContext::~PcscContext()
{
    if (m_valid) SCardReleaseContext(ctx_of(m_handle));
}

Result<std::vector<ReaderInfo>> PcscContext::list_readers() const
{
    if (!m_valid) return Error(Errc::Internal, "PC/SC context not established");
    return snapshot(ctx_of(m_handle));
}

Result<std::unique_ptr<PcscTransport>> PcscContext::connect(const std::string& reader) const
{
    if (!m_valid) return Error(Errc::Internal, "PC/SC context not established");
    std::unique_ptr<PcscTransport> transport(new PcscTransport(m_handle, reader));
    MYNACARD_TRY_VOID(transport->connect());
    return transport;
}

Result<std::vector<ReaderInfo>> PcscContext::wait_for_change(const std::vector<ReaderInfo>& known,
                                                             std::chrono::milliseconds timeout) const
{
    if (!m_valid) return Error(Errc::Internal, "PC/SC context not established");
    const SCARDCONTEXT ctx = ctx_of(m_handle);
    std::atomic<bool>& cancel_requested = *m_cancel_requested;
    cancel_requested.store(false);
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds(0));

    bool woke_quickly = false;
    for (;;) {
        // 1. Where are we now? Anything already different from `known` is reported at once.
        MYNACARD_TRY(auto names, reader_names(ctx));
        StateSet set = make_states(std::move(names), true);
        LONG rv = SCardGetStatusChange(ctx, 0, set.states.data(), static_cast<DWORD>(set.states.size()));
        if (rv == SCARD_E_UNKNOWN_READER) continue;
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
            return pcsc::error_from(rv, "SCardGetStatusChange");
        auto now = infos_of(set);
        if (differs(known, now)) return now;
        // A pcsc-lite that returned at once without a change we report must not make us spin.
        if (woke_quickly) std::this_thread::sleep_for(std::chrono::milliseconds(20));

        // 2. Block until pcscd reports any change from this state (the PnP pseudo-reader covers
        //    readers coming and going), then look again. Changes we do not report (another
        //    process connecting, say) just loop.
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return Error(Errc::Timeout, "no reader or card change");
        // SCardCancel only wakes a call already blocked in pcscd; a cancel() that came while we
        // were between calls is seen here.
        if (cancel_requested.load()) return Error(Errc::Cancelled, "wait for reader change cancelled");
        for (SCARD_READERSTATE& s : set.states) s.dwCurrentState = s.dwEventState & ~SCARD_STATE_CHANGED;
        const auto wait_start = Clock::now();
        rv = SCardGetStatusChange(ctx, static_cast<DWORD>(left.count()), set.states.data(),
                                  static_cast<DWORD>(set.states.size()));
        if (rv == SCARD_E_TIMEOUT) return Error(Errc::Timeout, "no reader or card change");
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_UNKNOWN_READER)
            return pcsc::error_from(rv, "SCardGetStatusChange");
        woke_quickly = Clock::now() - wait_start < std::chrono::milliseconds(2);
    }
}

void PcscContext::cancel() const noexcept
{
    if (!m_valid) return;
    m_cancel_requested->store(true);
    SCardCancel(ctx_of(m_handle));
}

void PcscContext::abandon() noexcept
{
    m_valid = false;
}

}  // namespace mynacard::apdu
