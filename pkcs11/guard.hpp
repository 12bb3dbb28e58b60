// The boundary every Cryptoki call passes (architecture-guide.md §3.4): no exception crosses
// extern "C" (bad_alloc -> CKR_HOST_MEMORY, anything else -> CKR_GENERAL_ERROR); a forked child
// sees CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize itself (§3.5); the module lock is
// held for the call; the result is traced.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "errors.hpp"
#include "internal.hpp"
#include "module.hpp"

namespace mynacard::p11 {

inline CK_RV traced(const char* name, CK_RV rv) noexcept
{
    const LogLevel level = (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL || rv == CKR_NO_EVENT)
                               ? LogLevel::Debug : LogLevel::Info;
    if (log_enabled(level)) {
        try {
            log_line(level, std::string(name) + " -> " + rv_name(rv));
        } catch (...) {
        }
    }
    return rv;
}

/// Runs fn(Module&, ModuleLock&) with the module lock held.
template <typename Fn>
CK_RV guard_locked(const char* name, Fn&& fn) noexcept
{
    try {
        Module* m = current_module();
        if (m == nullptr) return traced(name, CKR_CRYPTOKI_NOT_INITIALIZED);
        ModuleLock lock(*m);
        if (CK_RV rv = lock.lock(); rv != CKR_OK) return traced(name, rv);
        if (current_module() != m || m->finalizing) return traced(name, CKR_CRYPTOKI_NOT_INITIALIZED);
        const CK_RV rv = fn(*m, lock);
        // A signature hold whose operation ended in this call is released now (sign_hold.cpp).
        // Not after a C_WaitForSlotEvent that gave the lock up: the module may be gone.
        if (lock.locked()) settle_signature_holds(*m);
        return traced(name, rv);
    } catch (const std::bad_alloc&) {
        return traced(name, CKR_HOST_MEMORY);
    } catch (...) {
        return traced(name, CKR_GENERAL_ERROR);
    }
}

/// Runs fn(Module&) with the module lock held.
template <typename Fn>
CK_RV guard(const char* name, Fn&& fn) noexcept
{
    return guard_locked(name, [&](Module& m, ModuleLock&) { return fn(m); });
}

/// For calls that run without the module (C_Initialize, C_Finalize, C_GetFunctionList ...).
template <typename Fn>
CK_RV guard_unlocked(const char* name, Fn&& fn) noexcept
{
    try {
        return traced(name, fn());
    } catch (const std::bad_alloc&) {
        return traced(name, CKR_HOST_MEMORY);
    } catch (...) {
        return traced(name, CKR_GENERAL_ERROR);
    }
}

}  // namespace mynacard::p11
