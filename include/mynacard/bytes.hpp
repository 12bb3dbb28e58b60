// Byte containers shared by every layer.
//
// Bytes/ByteView carry public data (APDUs, certificates). SecureBytes carries secrets
// (PINs, and every encoded APDU buffer, since VERIFY and CHANGE REFERENCE DATA embed a PIN):
// its allocator wipes memory before it is released, so a reallocation or a destructor never
// leaves a copy of a PIN behind on the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mynacard {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// Overwrites `n` bytes at `p` in a way the optimiser may not elide (OPENSSL_cleanse semantics).
void secure_wipe(void* p, std::size_t n) noexcept;

/// std::allocator that wipes every block before freeing it.
template <typename T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() noexcept = default;
    template <typename U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept
    {
        secure_wipe(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <typename U>
    bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
};

/// A byte buffer for secrets. Copies are allowed but each copy is wiped when freed; prefer moves.
using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

inline ByteView view(const SecureBytes& b) noexcept { return {b.data(), b.size()}; }
inline ByteView view(std::string_view s) noexcept
{
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Upper-case hex without separators ("9000"); `sep` is put between bytes when non-zero.
std::string to_hex(ByteView data, char sep = '\0');
/// Parses hex, ignoring spaces and colons. Returns false on an odd count or a bad digit.
bool from_hex(std::string_view hex, Bytes& out);

}  // namespace mynacard
