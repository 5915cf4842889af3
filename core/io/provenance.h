#pragma once
// Provenance: what every output a run writes says about how it was made, so that any result
// can be traced and checked independently: the program's version and git commit, the full
// command line, each input file with its SHA-256, the thread count, the precision and the date.

#include <filesystem>
#include <string>
#include <vector>

namespace ntk::core {

struct Provenance {
  std::vector<std::string> command_line;      ///< the program name and every argument
  std::vector<std::filesystem::path> inputs;  ///< files the result was computed from
  int threads = 1;
  std::string precision = "float64";
};

/// The program's version (NTK_VERSION).
std::string program_version();
/// The git commit the program was built from ("" outside a checkout; "-dirty" when the
/// checkout had uncommitted changes at build time).
std::string program_commit();

/// A JSON object: program, version, commit, command_line (an array), inputs (an array of
/// {path, sha256}), threads, precision, date (UTC, ISO 8601). Throws std::invalid_argument when
/// an input cannot be read.
std::string provenance_json(const Provenance& p);

}  // namespace ntk::core
