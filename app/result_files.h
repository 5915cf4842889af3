#pragma once
// What a comparison writes: the arrays, metrics.json, and the same metrics as CSV fields for a
// sweep, from one list of fields so the two can never disagree.

#include "core/pipeline/comparison.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ntk::app {

struct MetricField {
  std::string name;
  double value;
};

/// r, the error metrics, the prefix mass (exact) and share (NTK-Attention), the smallest
/// denominator ratio, the limit distance, the Taylor bound and the timings (timings last, named
/// *_seconds). Missing values (no bound, no limit) are NaN.
std::vector<MetricField> metric_fields(const core::Comparison& c);

/// Writes exact.npy, approx.npy, Z.npy, k.npy (Z_A.npy, Z_B.npy with a rank; omega.npy, the
/// FAVOR+ directions), row_error.npy, prefix_mass.npy and metrics.json into `dir`. metrics.json
/// holds the parameters that applied to `source` (core::parameter_applies), the metrics, the
/// status, any degeneracy and `provenance` (a JSON object).
void write_comparison(const core::Comparison& c, core::InputSource source, const std::string& provenance,
                      const std::filesystem::path& dir);

}  // namespace ntk::app
