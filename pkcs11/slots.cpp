// Readers -> slots, token presence, hot-plug (PKCS#11 v2.40 §5.5 C_GetSlotList, C_GetSlotInfo,
// C_WaitForSlotEvent). Two slots per reader: index*2 = auth token, index*2+1 = sign token
// (architecture-guide.md §3.4: one PKCS#11 token has one user PIN). A reader keeps its index for
// the module's life, so slot IDs stay stable across calls while readers come and go.
// Readers come and go with pcscd too: a socket-activated pcscd is stopped and started again by
// systemd, which invalidates our SCARDCONTEXT and every card handle made from it (pcsc-lite then
// answers SCARD_E_NO_SERVICE on the old context, and a wait blocked in it ends with
// SCARD_F_COMM_ERROR). The module notices, drops what it had and re-establishes the context by
// itself: applications keep using the same C_Initialize.
#include <algorithm>
#include <chrono>
#include <thread>

#include "api.hpp"
#include "copy_out.hpp"
#include "errors.hpp"
#include "internal.hpp"

namespace mynacard::p11 {
namespace {

void queue_events(Module& m, std::size_t index)
{
    for (CK_SLOT_ID slot : {static_cast<CK_SLOT_ID>(index * 2), static_cast<CK_SLOT_ID>(index * 2 + 1)})
        if (std::find(m.events.begin(), m.events.end(), slot) == m.events.end()) m.events.push_back(slot);
}

std::size_t index_of(Module& m, const std::string& name)
{
    for (std::size_t i = 0; i < m.readers.size(); ++i)
        if (m.readers[i].name == name) return i;
    m.readers.emplace_back();
    m.readers.back().name = name;
    return m.readers.size() - 1;
}

/// What the module last saw, in the form PcscContext::wait_for_change compares against.
std::vector<apdu::ReaderInfo> known_readers(const Module& m)
{
    std::vector<apdu::ReaderInfo> known;
    for (const Reader& r : m.readers)
        if (r.listed) known.push_back(r.info);
    return known;
}

std::string utf8_prefix(const std::string& text, std::size_t max)
{
    if (text.size() <= max) return text;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    return text.substr(0, n);
}

}  // namespace

void apply_reader_list(Module& m, const std::vector<apdu::ReaderInfo>& list, bool events)
{
    std::vector<bool> seen(m.readers.size() + list.size(), false);
    for (const apdu::ReaderInfo& info : list) {
        const std::size_t i = index_of(m, info.name);
        seen[i] = true;
        Reader& r = m.readers[i];
        const bool was_listed = r.listed;
        const apdu::ReaderInfo before = r.info;
        r.listed = true;
        r.info = info;
        // pcsc-lite counts card insertions/removals per reader: a different count means the
        // card we bound is gone even if another one is present now.
        // A reader that appears is a slot event whether or not it holds a card: the application
        // learns of the new slot from C_WaitForSlotEvent (§5.5) as it would of a new token.
        const bool changed = !was_listed || before.card_present != info.card_present ||
                             before.event_count != info.event_count;
        if (r.card && (!info.card_present || info.event_count != r.card->event_count)) drop_card(m, i);
        if (r.unrecognized_event_count &&
            (!info.card_present || *r.unrecognized_event_count != info.event_count))
            r.unrecognized_event_count.reset();
        if (changed && events) queue_events(m, i);
    }
    for (std::size_t i = 0; i < m.readers.size(); ++i) {
        Reader& r = m.readers[i];
        if (seen[i] || !r.listed) continue;
        // The reader itself went away (unplugged, or pcscd stopped): its slots become invalid,
        // which C_WaitForSlotEvent reports like a removal (C_GetSlotInfo then says
        // CKR_SLOT_ID_INVALID).
        if (events) queue_events(m, i);
        drop_card(m, i);
        r.listed = false;
        r.info = apdu::ReaderInfo{};
        r.info.name = r.name;
        r.unrecognized_event_count.reset();
    }
}

void lose_service(Module& m, bool events)
{
    log_line(LogLevel::Info, "pcscd went away: dropping its readers and cards, new PC/SC context next");
    // The cards' handles belong to the old context: drop them before the context goes.
    apply_reader_list(m, {}, events);
    m.pcsc.reset();
}

bool service_lost(Module& m, Errc code)
{
    // Only errors pcsc-lite gives on a dead context can mean that (NO_SERVICE, SERVICE_STOPPED;
    // INVALID_HANDLE and F_COMM_ERROR map to Errc::Transport); the context itself decides.
    if (code != Errc::NoService && code != Errc::Transport) return false;
    if (m.pcsc && m.pcsc->list_readers()) return false;
    lose_service(m, true);
    return true;
}

void refresh_readers(Module& m, bool events)
{
    // Twice at most: when the context turns out dead (pcscd restarted), a new one is tried at
    // once so that a pcscd that is back already lists its readers in this same call.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!m.pcsc) {
            auto context = apdu::PcscContext::establish();
            if (!context) {
                // pcscd is down (socket activation starts it later): no readers for now.
                apply_reader_list(m, {}, events);
                return;
            }
            m.pcsc.emplace(std::move(*context));
        }
        auto list = m.pcsc->list_readers();
        if (list) {
            apply_reader_list(m, *list, events);
            return;
        }
        log_line(LogLevel::Error, "listing readers: " + list.error().message());
        // NO_SERVICE: pcscd is gone. Errc::Transport (INVALID_HANDLE, F_COMM_ERROR, or a reader
        // list that kept changing) only when the context also fails to answer a second time.
        const Errc code = list.error().code;
        if (code != Errc::NoService && code != Errc::Transport) return;
        if (code == Errc::Transport) {
            if (auto again = m.pcsc->list_readers()) {
                apply_reader_list(m, *again, events);
                return;
            }
        }
        lose_service(m, events);
    }
}

Reader* reader_for_slot(Module& m, CK_SLOT_ID slot, TokenKind* token)
{
    const std::size_t index = static_cast<std::size_t>(slot / 2);
    if (index >= m.readers.size() || !m.readers[index].listed) return nullptr;
    if (token != nullptr) *token = (slot % 2 == 0) ? TokenKind::Auth : TokenKind::Sign;
    return &m.readers[index];
}

bool token_present(const Reader& r, TokenKind token)
{
    if (!r.listed || !r.info.card_present) return false;
    if (r.unrecognized_event_count && *r.unrecognized_event_count == r.info.event_count) return false;
    // An under-15 card has no signing key or certificate (EF 0008; jpki-card.md §1.4).
    if (token == TokenKind::Sign && r.card && !r.card->session.info().has_sign_certificate) return false;
    return true;
}

CK_RV bind_card(Module& m, std::size_t index, Card** card)
{
    Reader& r = m.readers[index];
    if (r.card) {
        *card = r.card.get();
        return CKR_OK;
    }
    if (!r.listed || !r.info.card_present || !m.pcsc) return CKR_TOKEN_NOT_PRESENT;
    if (r.unrecognized_event_count && *r.unrecognized_event_count == r.info.event_count)
        return CKR_TOKEN_NOT_RECOGNIZED;
    auto open = [&]() -> Result<jpki::CardSession> {
        auto transport = m.pcsc->connect(r.name);
        if (!transport) return Unexpected{std::move(transport).error()};
        jpki::SessionOptions options;
        options.cache = m.config.cache;
        // The insertion (reader + pcsc-lite's event counter): a card another process of ours
        // already identified in this insertion is confirmed with one READ BINARY, without the
        // SELECTs that could end that process's login (issue 9 §1).
        options.insertion = jpki::ReaderInsertion{r.name, r.info.event_count};
        // C_GetTokenInfo of the auth token follows nearly every bind (its PIN flags).
        options.prefetch_pin_status = {jpki::PinKind::Auth};
        return jpki::CardSession::open(std::move(*transport), options);
    };
    auto session = retry_after_reset(open);
    if (!session) {
        log_line(LogLevel::Info, "open card in " + r.name + ": " + session.error().message());
        if (session.error().code == Errc::NotSupported) {
            r.unrecognized_event_count = r.info.event_count;
            return CKR_TOKEN_NOT_RECOGNIZED;
        }
        return means_removal(session.error().code) ? CKR_TOKEN_NOT_PRESENT : to_ck_rv(session.error());
    }
    r.card = std::make_unique<Card>(m.next_card_id++, r.info.event_count, std::move(*session));
    *card = r.card.get();
    return CKR_OK;
}

void drop_card(Module& m, std::size_t index)
{
    Reader& r = m.readers[index];
    if (!r.card) return;
    close_sessions(m, index, std::nullopt);
    r.card.reset();
}

/// C_GetSlotList (§5.5). The reader list is re-read on every call, so a caller that always
/// passes a buffer still sees tokens and readers come and go (issue 10 §3). It is cheap: one
/// SCardListReaders and one SCardGetStatusChange with a zero timeout, no card I/O. If the list
/// grew between a size query and the call with the buffer, the answer is CKR_BUFFER_TOO_SMALL
/// with the new count, as §5.5 allows.
CK_RV get_slot_list(Module& m, CK_BBOOL token_present_only, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
    if (count == nullptr) return CKR_ARGUMENTS_BAD;
    refresh_readers(m, true);
    std::vector<CK_SLOT_ID> ids;
    for (std::size_t i = 0; i < m.readers.size(); ++i) {
        const Reader& r = m.readers[i];
        if (!r.listed) continue;
        for (TokenKind t : {TokenKind::Auth, TokenKind::Sign})
            if (!token_present_only || token_present(r, t))
                ids.push_back(static_cast<CK_SLOT_ID>(i * 2 + static_cast<unsigned>(t)));
    }
    return copy_out(std::span<const CK_SLOT_ID>(ids), list, count);
}

/// C_GetSlotInfo (§5.5).
CK_RV get_slot_info(Module& m, CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    refresh_readers(m, true);
    TokenKind token{};
    Reader* r = reader_for_slot(m, slot, &token);
    if (r == nullptr) return CKR_SLOT_ID_INVALID;
    *info = CK_SLOT_INFO{};
    const std::string suffix = token == TokenKind::Auth ? " [JPKI Auth]" : " [JPKI Sign]";
    fill_padded(info->slotDescription, utf8_prefix(r->name, sizeof info->slotDescription - suffix.size()) + suffix);
    fill_padded(info->manufacturerID, "mynacard");
    info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (token_present(*r, token) ? CKF_TOKEN_PRESENT : 0);
    info->hardwareVersion = CK_VERSION{0, 0};
    info->firmwareVersion = CK_VERSION{0, 0};
    return CKR_OK;
}

namespace {

/// Sleeps about `d` without the module lock, waking early when C_Finalize begins (it waits for
/// this thread). False when finalizing or the lock cannot be taken again.
bool pause_unlocked(Module& m, ModuleLock& lock, std::chrono::milliseconds d, CK_RV& rv)
{
    lock.unlock();
    const auto until = std::chrono::steady_clock::now() + d;
    while (!m.finalizing.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rv = lock.lock();
    if (rv != CKR_OK) return false;
    if (m.finalizing) {
        rv = CKR_CRYPTOKI_NOT_INITIALIZED;
        return false;
    }
    return true;
}

/// The blocking loop of C_WaitForSlotEvent; the caller keeps this thread counted in
/// Module::waiters_inside for its whole duration.
CK_RV wait_blocking(Module& m, ModuleLock& lock, CK_SLOT_ID_PTR slot)
{
    const auto pop = [&] {
        *slot = m.events.front();
        m.events.pop_front();
        return CKR_OK;
    };
    for (;;) {
        if (m.finalizing) return CKR_CRYPTOKI_NOT_INITIALIZED;
        if (!m.events.empty()) return pop();
        const std::vector<apdu::ReaderInfo> known = known_readers(m);
        auto context = apdu::PcscContext::establish();
        if (!context) {
            // pcscd is not there (yet): poll for it without holding the lock.
            CK_RV rv = CKR_OK;
            if (!pause_unlocked(m, lock, std::chrono::milliseconds(200), rv)) return rv;
            refresh_readers(m, true);
            continue;
        }
        m.waiters.push_back(&*context);
        lock.unlock();
        auto changed = context->wait_for_change(known, std::chrono::minutes(10));
        CK_RV relock = lock.lock();
        while (relock != CKR_OK) {  // the app's mutex failed: we must still unregister
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            relock = lock.lock();
        }
        std::erase(m.waiters, &*context);
        if (m.finalizing) return CKR_CRYPTOKI_NOT_INITIALIZED;
        if (!changed) {
            const Errc code = changed.error().code;
            if (code == Errc::Timeout || code == Errc::Cancelled) continue;
            if (code == Errc::NoService || code == Errc::Transport) {
                // pcscd stopped under the wait (F_COMM_ERROR) or was already gone (NO_SERVICE):
                // the refresh notices, drops its readers (events) and re-establishes our
                // context. Not an error for the application, which keeps waiting; a short pause
                // so that a pcscd failing this way without stopping cannot make us spin.
                log_line(LogLevel::Info, "waiting for slot events: " + changed.error().message());
                refresh_readers(m, true);
                if (!m.events.empty()) continue;
                CK_RV rv = CKR_OK;
                if (!pause_unlocked(m, lock, std::chrono::milliseconds(200), rv)) return rv;
                continue;
            }
            return to_ck_rv(changed.error());
        }
        apply_reader_list(m, *changed, true);
    }
}

}  // namespace

/// C_WaitForSlotEvent (§5.5). Blocks in PC/SC without holding the module lock, on a PC/SC
/// context of its own, so other threads keep working and C_Finalize can cancel the wait.
/// C_Finalize waits until every blocked caller has left (waiters_inside), so none touches a
/// freed module; a caller then returns CKR_CRYPTOKI_NOT_INITIALIZED even when C_Initialize
/// follows at once (NSS's SECMOD_CancelWait), since it still holds the old module.
CK_RV wait_for_slot_event(Module& m, ModuleLock& lock, CK_FLAGS flags, CK_SLOT_ID_PTR slot)
{
    if (slot == nullptr) return CKR_ARGUMENTS_BAD;
    if ((flags & CKF_DONT_BLOCK) != 0) {
        refresh_readers(m, true);
        if (m.events.empty()) return CKR_NO_EVENT;
        *slot = m.events.front();
        m.events.pop_front();
        return CKR_OK;
    }
    m.waiters_inside.fetch_add(1, std::memory_order_acq_rel);
    CK_RV rv = CKR_GENERAL_ERROR;
    try {
        rv = wait_blocking(m, lock, slot);
    } catch (...) {
        lock.unlock();
        m.waiters_inside.fetch_sub(1, std::memory_order_acq_rel);
        throw;
    }
    // The lock first (unlock reads the module's locking), then the count: the last access.
    lock.unlock();
    m.waiters_inside.fetch_sub(1, std::memory_order_acq_rel);
    return rv;
}

}  // namespace mynacard::p11
