// Reading the small files the checks use (anchors, CRLs) with a size limit.
#pragma once

#include <filesystem>

#include "mynacard/bytes.hpp"
#include "mynacard/result.hpp"

namespace mynacard::revocation {

/// The whole file, or Errc::Io (missing, unreadable, larger than `max_bytes`).
Result<Bytes> read_file_limited(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace mynacard::revocation
