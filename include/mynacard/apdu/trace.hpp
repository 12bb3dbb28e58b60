// APDU trace. Switched on by MYNACARD_TRACE (1/stderr, or a file path) or programmatically.
// Shows direction, bytes, SW and elapsed milliseconds; the data of VERIFY (INS 20) and
// CHANGE REFERENCE DATA (INS 24) is always replaced by "<redacted N bytes>".
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "mynacard/apdu/command.hpp"
#include "mynacard/apdu/response.hpp"

namespace mynacard::apdu::trace {

bool enabled() noexcept;
/// Overrides the environment: send lines to `sink` (nullptr switches tracing off).
void set_sink(std::function<void(const std::string& line)> sink);
/// Redacted one-line rendering of a command, e.g. "00 20 00 80 04 <redacted 4 bytes>".
std::string render_command(const Command& cmd);
void log_exchange(const std::string& reader, const Command& cmd, const Response* rsp,
                  const Error* err, std::chrono::microseconds elapsed);
/// Free-form line (e.g. "reset", "reconnect") when tracing is on.
void note(const std::string& line);

}  // namespace mynacard::apdu::trace
