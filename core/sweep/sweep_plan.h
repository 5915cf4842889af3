#pragma once
// The points of a sweep: the cartesian product of --vary KEY=VALUES axes (first axis outermost)
// over a base set of parameters, and the deterministic slice of it one shard computes.

#include "core/params/parameters.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ntk::core {

struct SweepAxis {
  std::string key;
  std::vector<std::string> values;  ///< texts accepted by the parameter's spec
};

/// Parses KEY=a..b (integers, step 1), KEY=a..b:N (N evenly spaced points), KEY=a..b:log2
/// (doubling, which must land on b), KEY=a..b:log:N (N log-spaced points) or KEY=v1,v2,... (any
/// type). Ranges include both ends; integer keys are rounded and repeated values dropped.
/// Throws std::invalid_argument naming the accepted forms.
SweepAxis parse_axis(const std::string& text);

struct SweepPoint {
  long long index = 0;
  Parameters params;
};

/// Every point, in order; each point's parameters are validated. Throws std::invalid_argument for an
/// invalid point, a key varied twice, or a varied key that no point uses (degree with FAVOR+).
std::vector<SweepPoint> expand(const Parameters& base, const std::vector<SweepAxis>& axes);

/// The sweep's identity, 16 hex digits of a SHA-256 over the program version, every fixed
/// option and the grid: shards merge, and a CSV resumes, only under the same fingerprint.
std::string sweep_fingerprint(const Parameters& base, const std::vector<SweepAxis>& axes);

/// One line per axis: its key, its points and their count ("m: 16 32 64 (3 points)").
std::string describe_grid(const std::vector<SweepAxis>& axes);

/// A sweep CSV as read back (by merge and by sweep --resume).
struct SweepCsv {
  std::vector<std::string> header;
  std::map<long long, std::vector<std::string>> rows;  ///< by point index
  long long points = -1;                               ///< the sweep's size (-1: no rows)
  std::string fingerprint;                             ///< of every row ("" when no rows)
  bool dropped_cut_row = false;                        ///< the last line was cut mid-row (a killed job) and is left out
};

/// Reads a sweep CSV: the first columns must be point,points,sweep; every index an integer in
/// [0, points); one fingerprint, one size and no index twice. A last line without its newline is
/// dropped. Throws std::invalid_argument naming the file and what is wrong.
SweepCsv read_sweep_csv(const std::filesystem::path& path);

/// Parses "K/N" (1 <= K <= N); the shard keeps the points whose index % N == K - 1.
std::pair<long long, long long> parse_shard(const std::string& text);

}  // namespace ntk::core
