#pragma once
namespace mynacard {
/// "0.1.0"
const char* version() noexcept;
}  // namespace mynacard
