// Output conventions shared by every function that returns data to the caller.
#pragma once

#include <algorithm>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cryptoki.hpp"
#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::p11 {

/// The two-call convention for variable-length output (PKCS#11 v2.40 §5.2 "Conventions for
/// functions returning output in a variable-length buffer"), in ONE place:
///   - `out == nullptr`: *out_len = size, CKR_OK (a size query);
///   - *out_len < size: *out_len = size, CKR_BUFFER_TOO_SMALL;
///   - otherwise: `produce()` runs (this is where the card is touched) and its value is copied.
/// `size` is known before touching the card (e.g. the key's modulus length), so a size query or
/// a too-small buffer never reaches the card (architecture-guide.md §3.4).
/// `produce(std::vector<T>& value)` fills `value` and returns CKR_OK, or returns the error.
template <typename T, typename Produce>
CK_RV copy_out(std::size_t size, T* out, CK_ULONG_PTR out_len, Produce&& produce)
{
    static_assert(std::is_trivially_copyable_v<T>);
    if (out_len == nullptr) return CKR_ARGUMENTS_BAD;
    if (out == nullptr) {
        *out_len = static_cast<CK_ULONG>(size);
        return CKR_OK;
    }
    if (*out_len < size) {
        *out_len = static_cast<CK_ULONG>(size);
        return CKR_BUFFER_TOO_SMALL;
    }
    std::vector<T> value;
    if (CK_RV rv = produce(value); rv != CKR_OK) return rv;
    // A value longer than announced would overflow the caller: treat as an internal error.
    if (value.size() > *out_len) return CKR_GENERAL_ERROR;
    if (!value.empty()) std::memcpy(out, value.data(), value.size() * sizeof(T));
    *out_len = static_cast<CK_ULONG>(value.size());
    return CKR_OK;
}

/// copy_out for a value already in memory.
template <typename T>
CK_RV copy_out(std::span<const T> value, T* out, CK_ULONG_PTR out_len)
{
    return copy_out(value.size(), out, out_len, [&](std::vector<T>& storage) {
        storage.assign(value.begin(), value.end());
        return CKR_OK;
    });
}

/// Whether an output call ends the active operation: all outcomes do except a size query and
/// CKR_BUFFER_TOO_SMALL (PKCS#11 v2.40 §5.10 C_Sign: "always terminates ... unless it returns
/// CKR_BUFFER_TOO_SMALL or is a successful call ... to determine the length").
inline bool ends_operation(CK_RV rv, const void* out) noexcept
{
    if (rv == CKR_BUFFER_TOO_SMALL) return false;
    if (rv == CKR_OK && out == nullptr) return false;
    return true;
}

/// Fills a fixed-size, blank-padded CK_UTF8CHAR field (CK_INFO, CK_SLOT_INFO, CK_TOKEN_INFO):
/// truncated on a UTF-8 character boundary, never NUL-terminated (PKCS#11 v2.40 §3.2).
template <std::size_t N>
void fill_padded(unsigned char (&field)[N], std::string_view text) noexcept
{
    std::size_t n = std::min(text.size(), N);
    // Do not cut a multi-byte UTF-8 sequence: back up over continuation bytes (10xxxxxx).
    if (n < text.size())
        while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    std::memset(field, ' ', N);
    std::memcpy(field, text.data(), n);
}

}  // namespace mynacard::p11
