// The module's state between C_Initialize and C_Finalize, guarded by the one module lock
// (architecture-guide.md §3.5: a coarse lock like OpenSC's; a card is a serial device).
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cryptoki.hpp"
#include "mynacard/apdu/pcsc.hpp"
#include "mynacard/config.hpp"
#include "mynacard/jpki/card.hpp"
#include "objects.hpp"
#include "operations.hpp"
#include "sign_gate.hpp"

namespace mynacard::p11 {

/// What the module knows about one token (one PIN) of a bound card.
struct TokenState {
    bool logged_in = false;           ///< shared by all sessions on this token (§5.5 C_Login)
    /// The signing token with CKA_ALWAYS_AUTHENTICATE: the login is the module's, not the
    /// card's. Its verified state ends right after the login and after every signature (issue
    /// 10 §2) while every signature VERIFYs again, so a card-level logout does not end it.
    bool login_outlives_card_state = false;
    bool public_loaded = false;       ///< certificates/keys readable without a PIN are built
    bool leaf_loaded = false;         ///< the sign leaf (cert, keys) is built
    std::vector<ObjectPtr> objects;
};

/// A JPKI card bound to a reader: one CardSession, two tokens.
struct Card {
    Card(std::uint64_t card_id, std::uint32_t events, jpki::CardSession s)
        : id(card_id), event_count(events), session(std::move(s)) {}
    std::uint64_t id = 0;                  ///< unique per binding; sessions remember it
    std::uint32_t event_count = 0;         ///< reader event counter when bound
    jpki::CardSession session;
    std::array<TokenState, 2> tokens;
    std::map<jpki::CertKind, jpki::Certificate> certificates;

    TokenState& token(TokenKind t) { return tokens[static_cast<unsigned>(t)]; }

    /// The PC/SC transaction the module holds across calls for one signature of the signing
    /// key: from the context-specific VERIFY to the end of that signature operation, then the
    /// card is power-cycled before it is released (sign_hold.cpp).
    struct Hold {
        CK_SESSION_HANDLE session = 0;
        std::chrono::steady_clock::time_point deadline;
    };
    std::optional<Hold> hold;
};

/// A PC/SC reader, known by name for the module's life. Slots: index*2 (auth), index*2+1 (sign).
struct Reader {
    std::string name;
    bool listed = false;                   ///< pcscd lists it right now
    apdu::ReaderInfo info;                 ///< state at the last refresh
    std::unique_ptr<Card> card;            ///< bound JPKI card, if any
    /// A card that is not a JPKI My Number card: remembered per event counter so we do not
    /// probe it again on every call.
    std::optional<std::uint32_t> unrecognized_event_count;
};

struct Session {
    CK_SESSION_HANDLE handle = 0;
    std::size_t reader = 0;
    TokenKind token = TokenKind::Auth;
    std::uint64_t card_id = 0;
    bool read_write = false;
    unsigned long device_error = 0;        ///< CK_SESSION_INFO.ulDeviceError of the last failure
    std::optional<FindOperation> find;
    std::optional<SignOperation> sign;
    std::optional<VerifyOperation> verify;
    std::optional<DigestOperation> digest;

    CK_SLOT_ID slot() const { return static_cast<CK_SLOT_ID>(reader * 2 + static_cast<unsigned>(token)); }
};

/// How the module lock is implemented (PKCS#11 v2.40 §5.4 C_Initialize, CK_C_INITIALIZE_ARGS).
struct Locking {
    CK_CREATEMUTEX create = nullptr;
    CK_DESTROYMUTEX destroy = nullptr;
    CK_LOCKMUTEX lock = nullptr;
    CK_UNLOCKMUTEX unlock = nullptr;
    void* app_mutex = nullptr;             ///< set when the application's callbacks are used
    bool uses_app_mutex() const { return app_mutex != nullptr; }
};

class Module {
public:
    pid_t pid = 0;
    Config config;
    Locking locking;
    std::optional<apdu::PcscContext> pcsc;   ///< nullopt while pcscd is unreachable
    std::vector<Reader> readers;             ///< index = slot id / 2; never shrinks
    std::map<CK_SESSION_HANDLE, Session> sessions;
    std::unique_ptr<SignGate> gate;
    std::deque<CK_SLOT_ID> events;           ///< pending C_WaitForSlotEvent answers
    CK_ULONG next_handle = 1;                ///< sessions and objects share one counter
    std::uint64_t next_card_id = 1;
    /// Set by C_Finalize under the lock; read without it by waiters sleeping between polls.
    std::atomic<bool> finalizing{false};
    /// Blocked C_WaitForSlotEvent callers and their private PC/SC contexts (cancelled by
    /// C_Finalize; each waiter removes its own entry before returning).
    std::vector<apdu::PcscContext*> waiters;
    /// C_SignInit calls asking the suspension checks with the module lock released
    /// (decide_unlocked in sign_gate.cpp); C_Finalize cancels the gate and waits for them.
    std::size_t gate_calls = 0;
    /// Every thread inside a blocking C_WaitForSlotEvent, whatever it is doing (waiting in
    /// PC/SC, polling for pcscd, sleeping after a pcscd restart). C_Finalize frees the module
    /// only when this is 0 (§5.4; issue 10 §3); the waiter's last access to the module is the
    /// decrement, after it released the lock.
    std::atomic<int> waiters_inside{0};
    /// Ends a signature hold whose C_Sign never comes (sign_hold.cpp): a thread of the module's,
    /// started with the first hold unless the application said CKF_LIBRARY_CANT_CREATE_OS_THREADS
    /// (then a hold ends at the next call after its deadline).
    struct Watchdog {
        std::mutex mutex;
        std::condition_variable wake;
        bool stop = false;
        std::optional<std::chrono::steady_clock::time_point> next;
        std::thread thread;
    } watchdog;
    bool may_create_threads = true;

    CK_ULONG new_handle() { return next_handle++; }
};

/// Lock the module while a call runs. Either the OS mutex or the application's callbacks.
class ModuleLock {
public:
    explicit ModuleLock(Module& m) : m_module(&m) {}
    CK_RV lock();
    void unlock() noexcept;
    bool locked() const noexcept { return m_locked; }
    ~ModuleLock() { if (m_locked) unlock(); }
    ModuleLock(const ModuleLock&) = delete;
    ModuleLock& operator=(const ModuleLock&) = delete;

private:
    Module* m_module;
    bool m_locked = false;
};

// --- signature holds (sign_hold.cpp) ------------------------------------------------------------
/// Begins holding `card` for one signature by `session` (before its context-specific VERIFY).
CK_RV begin_signature_hold(Module& m, Card& card, CK_SESSION_HANDLE session);
/// Ends every hold that is over: its session or sign operation is gone, its context login was
/// not completed or used, or its deadline passed. Called at the end of every call.
void settle_signature_holds(Module& m) noexcept;
/// Ends the hold on `card` now: power cycle (the card forgets every VERIFY), then release.
void end_signature_hold(Module& m, Card& card, const char* why) noexcept;
/// C_Finalize: ends every hold and stops the watchdog (without the module lock held).
void stop_watchdog(Module& m) noexcept;

// --- module lifecycle (module.cpp) ---------------------------------------------------------------
CK_RV initialize(CK_VOID_PTR init_args);
CK_RV finalize(CK_VOID_PTR reserved);
/// The initialised module of this process, or nullptr (not initialised, or a forked child that
/// has not called C_Initialize yet). Not locked.
Module* current_module() noexcept;
CK_RV get_info(Module& m, CK_INFO_PTR info);

}  // namespace mynacard::p11
