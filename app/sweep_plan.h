#pragma once
// The points of a sweep: the cartesian product of --vary KEY=VALUES axes (first axis outermost)
// over a base set of parameters, and the deterministic slice of it one shard computes.

#include "core/params/parameters.h"

#include <string>
#include <vector>

namespace ntk::app {

struct SweepAxis {
  std::string key;
  std::vector<std::string> values;  ///< texts accepted by the parameter's spec
};

/// Parses KEY=a..b:log (doubling), KEY=a..b (integers, step 1), KEY=a..b:N (N evenly spaced
/// points) or KEY=v1,v2,... (any type). Throws UsageError naming the accepted forms.
SweepAxis parse_axis(const std::string& text);

struct SweepPoint {
  long long index = 0;
  core::Parameters params;
};

/// Every point, in order; each point's parameters are validated (throws UsageError).
std::vector<SweepPoint> expand(const core::Parameters& base, const std::vector<SweepAxis>& axes);

/// Parses "K/N" (1 <= K <= N); the shard keeps the points whose index % N == K - 1.
std::pair<long long, long long> parse_shard(const std::string& text);

}  // namespace ntk::app
