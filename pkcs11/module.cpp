// C_Initialize / C_Finalize / C_GetInfo, the module lock and fork detection
// (PKCS#11 v2.40 §5.4, §6.6.2 on fork; architecture-guide.md §3.5).
#include "module.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <type_traits>

#include "copy_out.hpp"
#include "internal.hpp"
#include "mynacard/version.hpp"

namespace mynacard::p11 {
namespace {

// No static object with a non-trivial destructor lives in the .so: unloading or exit() must
// not race an application's atexit handlers (softhsm/SoftHSMv2#635).
static_assert(std::is_trivially_destructible_v<std::mutex>);
constinit std::mutex g_lifecycle;  // serialises C_Initialize / C_Finalize
constinit std::mutex g_os_lock;    // the module lock with OS locking
std::atomic<Module*> g_module{nullptr};

// fork() while another thread is inside a call (issue 10 §3): the child would inherit a locked
// module mutex, or a pcsc-lite call half done, and deadlock in its own C_Initialize. The atfork
// handlers take the lifecycle lock and the module lock (the OS one or the application's) before
// the fork, so no call of ours is in progress when the child is made; both processes release
// them afterwards. The child then sees CKR_CRYPTOKI_NOT_INITIALIZED (current_module) and may
// C_Initialize again. A thread blocked in C_WaitForSlotEvent holds neither lock.
Module* g_forking_module = nullptr;  // the module whose lock the prepare handler took

void before_fork() noexcept
{
    g_lifecycle.lock();
    Module* m = g_module.load(std::memory_order_acquire);
    if (m != nullptr && m->pid != ::getpid()) m = nullptr;  // a child's inherited, unused module
    g_forking_module = m;
    if (m != nullptr && m->locking.uses_app_mutex()) (void)m->locking.lock(m->locking.app_mutex);
    else g_os_lock.lock();
}

void after_fork() noexcept
{
    Module* m = g_forking_module;
    g_forking_module = nullptr;
    if (m != nullptr && m->locking.uses_app_mutex()) (void)m->locking.unlock(m->locking.app_mutex);
    else g_os_lock.unlock();
    g_lifecycle.unlock();
}

void register_fork_handlers() noexcept
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, [] { (void)pthread_atfork(before_fork, after_fork, after_fork); });
}

/// Reads CK_C_INITIALIZE_ARGS (§5.4): either all four mutex callbacks or none; with callbacks
/// and without CKF_OS_LOCKING_OK the application's mutexes must be used; otherwise we use ours.
CK_RV parse_init_args(CK_VOID_PTR raw, Locking& locking)
{
    if (raw == nullptr) return CKR_OK;
    const auto* args = static_cast<const CK_C_INITIALIZE_ARGS*>(raw);
    if (args->pReserved != nullptr) return CKR_ARGUMENTS_BAD;
    const int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) +
                      (args->LockMutex != nullptr) + (args->UnlockMutex != nullptr);
    if (given != 0 && given != 4) return CKR_ARGUMENTS_BAD;
    // CKF_LIBRARY_CANT_CREATE_OS_THREADS: honoured by the signature-hold watchdog (sign_hold.cpp),
    // the only thread the module starts; libcurl still resolves host names of revocation
    // endpoints in a helper thread (README "Known limitations").
    if (given == 4 && (args->flags & CKF_OS_LOCKING_OK) == 0) {
        locking.create = args->CreateMutex;
        locking.destroy = args->DestroyMutex;
        locking.lock = args->LockMutex;
        locking.unlock = args->UnlockMutex;
        void* mutex = nullptr;
        if (CK_RV rv = locking.create(&mutex); rv != CKR_OK) return rv;
        if (mutex == nullptr) return CKR_CANT_LOCK;
        locking.app_mutex = mutex;
    }
    return CKR_OK;
}

}  // namespace

CK_RV ModuleLock::lock()
{
    const Locking& l = m_module->locking;
    if (l.uses_app_mutex()) {
        if (CK_RV rv = l.lock(l.app_mutex); rv != CKR_OK) return rv;
    } else {
        g_os_lock.lock();
    }
    m_locked = true;
    return CKR_OK;
}

void ModuleLock::unlock() noexcept
{
    if (!m_locked) return;
    const Locking& l = m_module->locking;
    if (l.uses_app_mutex()) l.unlock(l.app_mutex);
    else g_os_lock.unlock();
    m_locked = false;
}

Module* current_module() noexcept
{
    Module* m = g_module.load(std::memory_order_acquire);
    // After fork the child sees the parent's module; it is not initialised for the child.
    if (m != nullptr && m->pid != ::getpid()) return nullptr;
    return m;
}

/// C_Initialize (§5.4).
CK_RV initialize(CK_VOID_PTR init_args)
{
    register_fork_handlers();
    std::lock_guard lifecycle(g_lifecycle);
    if (Module* old = g_module.load(); old != nullptr) {
        if (old->pid == ::getpid()) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
        // A forked child initialising: the inherited module belongs to the parent. Its PC/SC
        // handles must be abandoned, not released (OpenSC/OpenSC#510), and its other state may
        // have been mid-change in another parent thread: leak it on purpose, run no destructor.
        g_module.store(nullptr);
    }
    Locking locking;
    if (CK_RV rv = parse_init_args(init_args, locking); rv != CKR_OK) return rv;

    auto config = load_config();
    if (!config) {
        // A broken configuration is never ignored silently (config.hpp); there is no log yet.
        std::fprintf(stderr, "mynacard-pkcs11: %s\n", config.error().message().c_str());
        if (locking.uses_app_mutex()) locking.destroy(locking.app_mutex);
        return CKR_GENERAL_ERROR;
    }
    configure_log(*config);

    auto m = std::make_unique<Module>();
    m->pid = ::getpid();
    m->config = std::move(*config);
    m->locking = locking;
    m->gate = make_sign_gate(m->config);
    if (init_args != nullptr &&
        (static_cast<const CK_C_INITIALIZE_ARGS*>(init_args)->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS) != 0)
        m->may_create_threads = false;
    // pcscd may be down (socket activation starts it later): then there are no slots yet and
    // every C_GetSlotList tries again.
    refresh_readers(*m, false);
    log_line(LogLevel::Info, std::string("initialised, config: ") +
                                 (m->config.source.empty() ? "defaults" : m->config.source.string()));
    g_module.store(m.release(), std::memory_order_release);
    return CKR_OK;
}

/// C_Finalize (§5.4). Wakes blocked C_WaitForSlotEvent callers, which then return
/// CKR_CRYPTOKI_NOT_INITIALIZED (§5.5 C_WaitForSlotEvent).
CK_RV finalize(CK_VOID_PTR reserved)
{
    if (reserved != nullptr) return CKR_ARGUMENTS_BAD;
    std::lock_guard lifecycle(g_lifecycle);
    Module* m = current_module();
    if (m == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;
    // Without the module lock: the watchdog may be waiting for it.
    stop_watchdog(*m);
    {
        ModuleLock lock(*m);
        if (CK_RV rv = lock.lock(); rv != CKR_OK) return rv;
        m->finalizing = true;
        // Every waiter must be out before the module goes (a waiter polling for pcscd or
        // sleeping after a restart is not in `waiters`, but is counted in waiters_inside). A
        // waiter may be between registering and blocking: cancel until every one is gone.
        // Likewise revocation look-ups running without the lock (sign_gate.cpp).
        while (m->waiters_inside.load(std::memory_order_acquire) != 0 || m->gate_calls != 0) {
            for (apdu::PcscContext* w : m->waiters) w->cancel();
            if (m->gate_calls != 0) m->gate->cancel();
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            if (CK_RV rv = lock.lock(); rv != CKR_OK) return rv;
        }
        // A PIN verified on the card stays verified until power is removed (jpki-card.md §1.9):
        // do not leave it so when the application is done with the module.
        for (Reader& r : m->readers) {
            if (!r.card) continue;
            end_signature_hold(*m, *r.card, "C_Finalize");
            if (r.card->tokens[0].logged_in || r.card->tokens[1].logged_in)
                (void)power_cycle_logout(*r.card);
        }
        g_module.store(nullptr, std::memory_order_release);
    }
    const Locking locking = m->locking;
    delete m;
    if (locking.uses_app_mutex()) locking.destroy(locking.app_mutex);
    return CKR_OK;
}

/// C_GetInfo (§5.4).
CK_RV get_info(Module&, CK_INFO_PTR info)
{
    if (info == nullptr) return CKR_ARGUMENTS_BAD;
    *info = CK_INFO{};
    info->cryptokiVersion = kCryptokiVersion;
    fill_padded(info->manufacturerID, "mynacard");
    info->flags = 0;
    fill_padded(info->libraryDescription, "mynacard JPKI My Number card");
    unsigned major = 0, minor = 0;
    (void)std::sscanf(version(), "%u.%u", &major, &minor);
    info->libraryVersion = CK_VERSION{static_cast<CK_BYTE>(major), static_cast<CK_BYTE>(minor)};
    return CKR_OK;
}

}  // namespace mynacard::p11
