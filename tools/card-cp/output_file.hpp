// Writing results to a file or to stdout ("-").
#pragma once

#include <string>

#include "context.hpp"
#include "mynacard/bytes.hpp"

namespace mynacard::cli {

/// Writes `data` to `path` ("-" = stdout). Binary data is not written to a terminal
/// (exit 64). File errors end the command with exit 74.
void write_output(Context& ctx, const std::string& path, ByteView data, bool binary);

}  // namespace mynacard::cli
