// Waits for a card to appear in / leave a PC/SC reader, using SCardGetStatusChange directly.
// (Test equipment: the library's PcscContext is what is under test, so the fixtures observe
// pcscd independently of it.)
#pragma once

#include <chrono>
#include <string>

namespace mynacard::vcard {

/// True once `reader` shows a powered card (present, not mute) when `present`, or no card
/// (or no such reader) when !present, within `timeout`.
bool wait_for_reader_state(const std::string& reader, bool present, std::chrono::milliseconds timeout);

}  // namespace mynacard::vcard
