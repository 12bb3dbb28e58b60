// APDU trace. Switched on by MYNACARD_TRACE (1/stderr, or a file path) or programmatically.
// Shows direction, bytes, SW and elapsed milliseconds; the data of VERIFY (INS 20) and
// CHANGE REFERENCE DATA (INS 24) is always replaced by "<redacted N bytes>", and so is the
// response data of exchanges made while a ResponseRedaction lives on the calling thread.
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

/// While one of these lives on the calling thread, traced responses show their length and
/// status word but not their data. The card layer holds one while it reads personal data (the
/// signing certificate's name, address, birth date and sex; the Kenhojo AP's My Number and
/// attributes), so a trace handed to a bug report never carries them. Nests.
class ResponseRedaction {
public:
    ResponseRedaction() noexcept;
    ~ResponseRedaction();
    ResponseRedaction(const ResponseRedaction&) = delete;
    ResponseRedaction& operator=(const ResponseRedaction&) = delete;
};
/// Whether a ResponseRedaction is active on this thread.
bool responses_redacted() noexcept;

}  // namespace mynacard::apdu::trace
