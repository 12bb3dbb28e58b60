// Result<T>: a value or an Error. A strict subset of C++23 std::expected<T, Error> (has_value,
// operator bool, value, error, *, ->), so a later switch to <expected> is a `using`.
// g++ 12 has no <expected> in C++20 mode, and Debian 12 packages no tl-expected.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "mynacard/error.hpp"

namespace mynacard {

/// Wraps an Error so that `return Unexpected{...}` reads as in std::expected.
struct Unexpected {
    Error error;
    Unexpected(Error e) : error(std::move(e)) {}
    Unexpected(Errc c, std::string ctx = {}) : error(c, std::move(ctx)) {}
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Unexpected u) : m_state(std::in_place_index<1>, std::move(u.error)) {}
    Result(Error e) : m_state(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return m_state.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(m_state); }
    const T& value() const& { assert(has_value()); return std::get<0>(m_state); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(m_state)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { assert(!has_value()); return std::get<1>(m_state); }
    Error&& error() && { assert(!has_value()); return std::get<1>(std::move(m_state)); }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Unexpected u) : m_error(std::move(u.error)), m_failed(true) {}
    Result(Error e) : m_error(std::move(e)), m_failed(true) {}

    bool has_value() const noexcept { return !m_failed; }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const { assert(has_value()); }
    const Error& error() const& { assert(!has_value()); return m_error; }
    Error&& error() && { assert(!has_value()); return std::move(m_error); }

private:
    Error m_error;
    bool m_failed = false;
};

}  // namespace mynacard

/// Early-return helper: `MYNACARD_TRY(auto x, f());` or `MYNACARD_TRY_VOID(g());`
#define MYNACARD_CONCAT_INNER(a, b) a##b
#define MYNACARD_CONCAT(a, b) MYNACARD_CONCAT_INNER(a, b)
#define MYNACARD_TRY(decl, expr) MYNACARD_TRY_IMPL(decl, expr, MYNACARD_CONCAT(_mc_r_, __LINE__))
#define MYNACARD_TRY_IMPL(decl, expr, tmp) \
    auto tmp = (expr);                     \
    if (!tmp) return ::mynacard::Unexpected{std::move(tmp).error()}; \
    decl = std::move(tmp).value()
#define MYNACARD_TRY_VOID(expr)                                              \
    do {                                                                     \
        auto _mc_v = (expr);                                                 \
        if (!_mc_v) return ::mynacard::Unexpected{std::move(_mc_v).error()}; \
    } while (0)
