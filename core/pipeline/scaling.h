#pragma once
// The scaling series behind the window's error, limit and cost plots: the comparison repeated
// over a grid of prefix lengths m, and over the feature map's size (Taylor degree g or FAVOR+
// feature count r), one point at a time so a caller can show each as it arrives.

#include "core/pipeline/comparison.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ntk::core {

/// One comparison reduced to what the scaling plots draw.
struct ScalingPoint {
  Eigen::Index m = 0, r = 0;
  int degree = 0;                         ///< Taylor degree g (0 for the other maps)
  double max_abs = 0, rel_fro = 0;        ///< errors of NTK-Attention (method.md section 5)
  std::optional<double> bound;            ///< the Taylor bound on max-abs, where it applies
  std::optional<double> limit_distance;   ///< max-abs distance of exact attention to its m -> inf limit
  double exact_seconds = 0;               ///< Algorithm 1, median of repeated runs when cheap
  double ntk_seconds = 0;                 ///< Algorithm 2 with Z and k given, likewise
  double compress_seconds = 0;            ///< computing Z and k from the prefix (once)
  double exact_bytes = 0, ntk_bytes = 0;  ///< the arrays each method keeps (cost model)
  /// What the head trains (head_parameter_counts, under its own map): the prefix's keys and values,
  /// NTK-Attention's Z and k, LoRA of the default rank; and the m from which the prefix trains more.
  double prefix_parameters = 0, ntk_parameters = 0, lora_parameters = 0, ntk_break_even_m = 0;
  Status status = Status::ok;
};

/// Prefix lengths of the m series for `p`: powers of two from 16 up to max(2^14, 4 m), at most
/// 2^20, and fewer when L m d passes 2^31 (a point then takes seconds).
std::vector<Eigen::Index> scaling_lengths(const Parameters& p);

/// The feature-size series for `p`: Taylor degrees 1 ... 6 while r stays within 2^16 and the
/// compression within 2^33 flops; FAVOR+ feature counts 16 ... 1024 doubling; ELU+1 has no
/// size to vary, so just `p`.
std::vector<Parameters> feature_variants(const Parameters& p);

/// Why the Taylor series of `p` stops before g = 6: the first degree left out and its size
/// ("g = 6 needs r = 74613 features, more than 65536"), or "" when none is left out.
std::string feature_variants_cut(const Parameters& p);

/// `c` reduced to a point.
ScalingPoint scaling_point(const Comparison& c);

/// What the head of `p` trains at each of `lengths` (head_parameter_counts): points with m and
/// the counts alone, nothing computed (the Cost tab counts over m for a real head, whose other
/// panels have its one point).
std::vector<ScalingPoint> counted_points(const Parameters& p, const std::vector<Eigen::Index>& lengths);

/// Compares `p` (no maps) and reduces it to a point (its timings are the comparison's medians).
/// `progress` cancels (status cancelled); std::invalid_argument for impossible parameters.
ScalingPoint scaling_point(const Parameters& p, const Progress& progress = {});

/// The two series of the Error-scaling, Limit and Cost plots (and the module's scaling()): `p` at
/// each of scaling_lengths(p), then each of feature_variants(p).
struct ScalingPlan {
  std::vector<Parameters> by_length, by_feature;
  std::size_t size() const { return by_length.size() + by_feature.size(); }
};
ScalingPlan scaling_plan(const Parameters& p);

/// Which series a point of a plan belongs to.
enum class ScalingSeriesKind { by_length, by_feature };

struct ScalingRunOptions {
  Progress progress;  ///< per point; returning false cancels the run
  /// Each point as it is computed, in plan order.
  std::function<void(ScalingSeriesKind, const ScalingPoint&)> point;
  /// A point whose parameters are refused (std::invalid_argument: over the memory budget), left out.
  std::function<void()> left_out;
};

/// Computes the plan's points one after the other (each a comparison, its timings medians), the
/// m series first. Returns Status::cancelled when `progress` cancelled, else Status::ok.
Status run_scaling(const ScalingPlan& plan, const ScalingRunOptions& options);

/// Least-squares line through (log x, log y) of the points with positive, finite x and y.
struct LogLogFit {
  double slope = 0, intercept = 0;  ///< log y = intercept + slope log x
  int points = 0;
};
std::optional<LogLogFit> fit_log_log(const std::vector<double>& x, const std::vector<double>& y);

/// The first x at which `a` overtakes `b` (both sampled at the increasing, positive x), found by
/// log-log interpolation between the neighbours where a - b turns positive; nullopt when it
/// never does. The cost plot's crossover: where exact attention becomes slower than NTK-Attention.
std::optional<double> crossover(const std::vector<double>& x, const std::vector<double>& a,
                                const std::vector<double>& b);

}  // namespace ntk::core
