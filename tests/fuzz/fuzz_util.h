#pragma once
// Shared by the libFuzzer harnesses: a scratch file per process for the readers that take a
// path, and a check that stops the run (a crash libFuzzer keeps) when an invariant fails.

#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ntk::fuzz {

/// Writes the input to this process's scratch file (in /dev/shm when there is one) and returns
/// its path.
inline std::filesystem::path scratch_file(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::filesystem::path dir =
      std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  const std::filesystem::path path = dir / ("ntk_fuzz_" + std::to_string(getpid()) + suffix);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), std::streamsize(size));
  return path;
}

/// An invariant of a successful parse.
inline void require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

}  // namespace ntk::fuzz
