// The signing password's verified state must not outlive its signature (issue 10 §2). The card
// is shared (SCARD_SHARE_SHARED) and keeps a VERIFY until power is removed (jpki-card.md §1.9):
// while 署名用 is verified, any local process could make a legally binding signature without the
// password. So for a CKA_ALWAYS_AUTHENTICATE signing key the module holds one PC/SC transaction
// from the context-specific VERIFY through the signature (no other process can send an APDU in
// between), then power-cycles the card inside that transaction, and only then releases it.
//
// Bounds on a hold, so a C_Sign that never comes cannot keep other processes off the card:
//  - it ends when its signature operation ends (C_Sign / C_SignFinal that reached the card or
//    failed for good, any error that ends the operation), when its session closes, on C_Logout,
//    C_Finalize, a context login that failed, another session's context login on the same card;
//    all checked at the end of every call (settle_signature_holds);
//  - and after [pkcs11] signature_hold.seconds (default 10): a watchdog thread of the module
//    ends it (unless the application passed CKF_LIBRARY_CANT_CREATE_OS_THREADS; then at the
//    next call into the module after the deadline).
// The session's context login ends with the hold: C_Sign then answers CKR_USER_NOT_LOGGED_IN and
// the application may log in (CKU_CONTEXT_SPECIFIC) again. The power cycle logs out the other
// token of the card too: its sessions see CKR_USER_NOT_LOGGED_IN (sync_login).
#include "errors.hpp"
#include "internal.hpp"

namespace mynacard::p11 {
namespace {

using Clock = std::chrono::steady_clock;

/// Tells the watchdog the earliest deadline of all holds (or none).
void arm_watchdog(Module& m)
{
    std::optional<Clock::time_point> next;
    for (const Reader& r : m.readers)
        if (r.card && r.card->hold && (!next || r.card->hold->deadline < *next)) next = r.card->hold->deadline;
    {
        std::lock_guard wl(m.watchdog.mutex);
        m.watchdog.next = next;
    }
    m.watchdog.wake.notify_all();
}

void watchdog_loop(Module* m)
{
    std::unique_lock wl(m->watchdog.mutex);
    for (;;) {
        if (m->watchdog.stop) return;
        if (!m->watchdog.next) {
            m->watchdog.wake.wait(wl);
            continue;
        }
        const Clock::time_point due = *m->watchdog.next;
        m->watchdog.wake.wait_until(wl, due);
        if (m->watchdog.stop) return;
        if (!m->watchdog.next || Clock::now() < *m->watchdog.next) continue;  // re-armed or early
        m->watchdog.next.reset();
        // Never hold the watchdog mutex while taking the module lock (the module lock's holders
        // take the watchdog mutex in arm_watchdog).
        wl.unlock();
        {
            ModuleLock lock(*m);
            if (lock.lock() == CKR_OK && !m->finalizing) settle_signature_holds(*m);
        }
        wl.lock();
    }
}

void start_watchdog(Module& m)
{
    if (!m.may_create_threads || m.watchdog.thread.joinable()) return;
    {
        std::lock_guard wl(m.watchdog.mutex);
        if (m.watchdog.stop) return;
    }
    try {
        m.watchdog.thread = std::thread(watchdog_loop, &m);
    } catch (const std::system_error&) {
        m.may_create_threads = false;  // holds then end at the next call after their deadline
    }
}

}  // namespace

CK_RV begin_signature_hold(Module& m, Card& card, CK_SESSION_HANDLE session)
{
    // Another session's hold ends first (its VERIFY would not survive ours anyway); the same
    // session logging in again keeps its transaction and gets a new deadline.
    if (card.hold && card.hold->session != session) end_signature_hold(m, card, "another session's signature");
    if (!card.hold) {
        // Nested with the card layer's own transactions (pcsc-lite counts them per handle).
        if (auto begun = card.session.transport().begin_transaction(); !begun) {
            Session* s = nullptr;
            Card* c = nullptr;
            if (find_session(m, session, &s, &c) == CKR_OK)
                return card_failure(m, s->reader, s, begun.error());
            return to_ck_rv(begun.error());
        }
    }
    card.hold = Card::Hold{session, Clock::now() + m.config.pkcs11.signature_hold};
    start_watchdog(m);
    arm_watchdog(m);
    return CKR_OK;
}

void end_signature_hold(Module& m, Card& card, const char* why) noexcept
{
    if (!card.hold) return;
    const CK_SESSION_HANDLE session = card.hold->session;
    card.hold.reset();
    try {
        if (auto it = m.sessions.find(session); it != m.sessions.end() && it->second.sign)
            it->second.sign->context_login = false;  // its VERIFY is gone with the power
        log_line(LogLevel::Info, std::string("signing key: hold ended (") + why +
                                     "): card power-cycled before it is released, no VERIFY survives");
        // Inside our transaction: SCardReconnect(UNPOWER), pcsc-lite keeps the lock with it.
        if (auto done = card.session.logout(); !done && done.error().code != Errc::CardReset)
            log_line(LogLevel::Info, "signing key: power cycle after the signature: " + done.error().message());
        card.session.transport().end_transaction(apdu::Disposition::Leave);
        arm_watchdog(m);
    } catch (...) {
    }
}

void settle_signature_holds(Module& m) noexcept
{
    const Clock::time_point now = Clock::now();
    for (Reader& r : m.readers) {
        if (!r.card || !r.card->hold) continue;
        Card& card = *r.card;
        const auto it = m.sessions.find(card.hold->session);
        const char* why = nullptr;
        if (it == m.sessions.end() || it->second.card_id != card.id) why = "session closed";
        else if (!it->second.sign) why = "signature done or operation ended";
        else if (!it->second.sign->context_login) why = "no context-specific login";
        else if (now >= card.hold->deadline) why = "no signature within [pkcs11] signature_hold.seconds";
        if (why != nullptr) end_signature_hold(m, card, why);
    }
}

void stop_watchdog(Module& m) noexcept
{
    {
        std::lock_guard wl(m.watchdog.mutex);
        m.watchdog.stop = true;
    }
    m.watchdog.wake.notify_all();
    if (m.watchdog.thread.joinable()) m.watchdog.thread.join();
}

}  // namespace mynacard::p11
