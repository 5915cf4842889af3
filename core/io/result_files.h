#pragma once
// What a comparison writes: the arrays, metrics.json, and the same metrics as CSV fields for a
// sweep, from one list of fields so the two can never disagree.

#include "core/pipeline/comparison.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ntk::core {

struct MetricField {
  std::string name;
  double value;
};

/// r, the error metrics, the prefix mass (exact) and share (NTK-Attention), the smallest
/// denominator ratio, the limit distance, the Taylor bound and the timings (timings last, named
/// *_seconds). Missing values (no bound, no limit) are NaN.
std::vector<MetricField> metric_fields(const Comparison& c);

/// Calls visit(name, array, one_dimensional) for every array a comparison writes, in order:
/// exact, approx, Z, k (Z_A, Z_B with a rank; omega, the FAVOR+ directions), row_error,
/// prefix_mass. A one-dimensional array comes as a single column.
using ArrayVisitor =
    std::function<void(const char* name, const Eigen::Ref<const Eigen::MatrixXd>& array, bool one_dimensional)>;
void for_each_array(const Comparison& c, const ArrayVisitor& visit);
/// metrics.json: the parameters that applied to `source` (parameter_applies), the
/// metrics, the timing runs, the status, any degeneracy and `provenance` (a JSON object).
std::string metrics_json(const Comparison& c, InputSource source, const std::string& provenance);
/// The parameter counts of prefix tuning, NTK-Attention under each map and LoRA, as JSON
/// ("parameter_counts" in metrics.json and in `heads --json`).
std::string parameter_counts_json(const ParameterCounts& counts);
/// Whether an output path names an .npz archive rather than a folder.
bool is_npz(const std::filesystem::path& path);
/// Writes every array of for_each_array and metrics.json: as NAME.npy files into the folder
/// `out`, or as the members of one archive when `out` ends in .npz. Returns the names written.
std::string write_comparison(const Comparison& c, InputSource source, const std::string& provenance,
                             const std::filesystem::path& out);
/// A sweep CSV's columns: point, points, sweep, every parameter, every metric field, status.
std::vector<std::string> sweep_header();
/// The row of point `index` of `total` of the sweep `fingerprint`.
std::vector<std::string> sweep_row(long long index, long long total, const std::string& fingerprint,
                                   const Comparison& c);
}  // namespace ntk::core
