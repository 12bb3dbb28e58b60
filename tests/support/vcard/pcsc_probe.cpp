#include "pcsc_probe.hpp"

// pcsc-lite's status macros are C casts; they are not our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <winscard.h>

#include <thread>

namespace mynacard::vcard {

bool wait_for_reader_state(const std::string& reader, bool present, std::chrono::milliseconds timeout)
{
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + timeout;
    SCARDCONTEXT ctx = 0;
    while (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
        if (clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    SCARD_READERSTATE state{};
    state.szReader = reader.c_str();
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    bool reached = false;
    while (!reached) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) break;
        // Short slices: robust against a missed event and against pcscd restarting.
        const DWORD slice = static_cast<DWORD>(std::min<long long>(left.count(), 250));
        const LONG rv = SCardGetStatusChange(ctx, slice, &state, 1);
        if (rv == SCARD_S_SUCCESS || rv == SCARD_E_TIMEOUT) {
            const DWORD s = state.dwEventState;
            const bool unknown = (s & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) != 0;
            const bool card = !unknown && (s & SCARD_STATE_PRESENT) && !(s & SCARD_STATE_MUTE);
            const bool empty = unknown || (s & SCARD_STATE_EMPTY);
            reached = present ? card : empty;
            state.dwCurrentState = s & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
        } else if (rv == SCARD_E_UNKNOWN_READER) {
            reached = !present;  // no such reader: certainly no card in it
            if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            state.dwCurrentState = SCARD_STATE_UNAWARE;
        }
    }
    SCardReleaseContext(ctx);
    return reached;
}

#pragma GCC diagnostic pop

}  // namespace mynacard::vcard
