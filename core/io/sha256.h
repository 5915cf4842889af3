#pragma once
// SHA-256 (FIPS 180-4, by Nettle) of files and strings, for the provenance of every output: which input
// files a result came from, checkable with `sha256sum`.

#include <filesystem>
#include <string>
#include <string_view>

namespace ntk::core {

/// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

/// Lower-case hex digest of a regular file's bytes, read in blocks; throws std::invalid_argument
/// naming the file when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace ntk::core
