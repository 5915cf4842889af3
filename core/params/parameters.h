#pragma once
// The one table of parameter specs (name, key, range, default, help) that the command line, the
// sweep, the session files and the window's controls all read, so they can never disagree.

#include "core/kernels/feature_map.h"
#include "core/params/ntk_settings.h"
#include "core/util/precision.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ntk::core {

/// Every setting of a session: one comparison of exact prefix attention with NTK-Attention,
/// and the NTK view.
struct Parameters {
  WorkloadSpec workload;
  FeatureMapSpec feature;  ///< omega (given directions) is not a parameter: it comes from a file
  Eigen::Index rank = 0;   ///< rank s of Z; 0 keeps Z at full rank
  bool causal = false;
  Precision precision = Precision::float64;  ///< of the prefix work (method.md section 2)
  NtkSettings ntk;                           ///< read and written through ntk_parameter_specs()

  bool operator==(const Parameters&) const = default;
};

enum class ParamType { integer, real, choice, flag };

/// Where a comparison's inputs come from: a seeded workload, or arrays the user gave.
enum class InputSource { generated, arrays };

struct ParamSpec {
  std::string_view key;    ///< command-line flag (--key), sweep and session name
  std::string_view label;  ///< for the window
  ParamType type;
  double min = 0, max = 0;                ///< integer and real
  std::vector<std::string_view> choices;  ///< choice
  std::string_view help;

  /// Reads the value as text ("4096", "0.5", "taylor", "true").
  std::string get(const Parameters& p) const;
  /// Parses and range-checks `text`; throws std::invalid_argument naming the valid range.
  void set(Parameters& p, std::string_view text) const;

  std::string (*getter)(const Parameters&) = nullptr;
  void (*setter)(Parameters&, double, std::string_view) = nullptr;
  /// Whether the parameter shapes a comparison of these parameters and inputs (null: always).
  bool (*applies)(const Parameters&, InputSource) = nullptr;
  /// What the minimum means when it stands for another value ("full rank", "n = L"), shown by the
  /// window in its place; empty when the minimum is a value like any other.
  std::string_view minimum_means = {};
};

/// What values a parameter takes: "an integer from 1 to 16384", "one of taylor, elu, favor", ...
std::string range_text(const ParamSpec& s);
/// The comparison's parameters, in the order the window and the CSV columns show them.
std::span<const ParamSpec> parameter_specs();

/// The NTK view's parameters (n, d, m, sigma, seed, eta, steps of Parameters::ntk): the options
/// of `ntk-explorer ntk` and `train --target prefix`, the NTK tab's controls.
std::span<const ParamSpec> ntk_parameter_specs();

/// The spec with this key in `table`; throws std::invalid_argument listing the known keys.
const ParamSpec& parameter_spec(std::string_view key, std::span<const ParamSpec> table = parameter_specs());

/// Whether `a` and `b` have the same value for every parameter of `table` (the window compares
/// the comparison's settings apart from the NTK view's).
bool same_values(std::span<const ParamSpec> table, const Parameters& a, const Parameters& b);

/// The default workload: direct mode, L = 64, d = 16, m = 4096, Taylor degree 2, scale 0.5,
/// seed 1 (the first thing a user sees).
Parameters default_parameters();

/// The feature dimension r of the parameters' map (throws like feature_dimension).
Eigen::Index feature_dimension(const Parameters& p);

/// The `ntk-explorer compare` command that computes `p` (only options that differ from the
/// defaults are written).
std::string command_line(const Parameters& p);

/// The command that recomputes the NTK view of `p` (`ntk-explorer ntk --n .. --d .. --m ..
/// --sigma .. --seed .. --out DIR`) or, with `training`, its gradient-descent run (`ntk-explorer
/// train --target prefix ... --eta .. --steps .. --out DIR`); every setting written out.
std::string ntk_command_line(const Parameters& p, bool training);

/// Whether the comparison parameter `key` affects a comparison of `p` (the spec's `applies`):
/// mode, scale, dist and match only a generated workload (L, d, m, queries and dv always
/// describe the inputs); degree only the Taylor map; features and orthogonal only FAVOR+ with drawn
/// directions (not a given omega); seed a generated workload or drawn FAVOR+ directions.
bool parameter_applies(std::string_view key, const Parameters& p, InputSource source);

/// Whether arrays given as inputs fix the comparison parameter `key` (L, d, m, queries, dv: their
/// shapes) or make it meaningless (mode, scale, dist, match: a generated workload's), so that a
/// user may not set it beside them.
bool set_by_inputs(std::string_view key);

/// Sets L, d, m, queries and dv from the shapes of given arrays: n queries and L input keys of
/// width d, values of width d_v, m prefix rows (queries and dv stay 0 when n = L and d_v = d).
void describe_inputs(Parameters& p, Eigen::Index n, Eigen::Index L, Eigen::Index d, Eigen::Index dv, Eigen::Index m);

/// Cross-parameter checks (rank <= min(r, d_v), n <= L, sizes valid); throws std::invalid_argument.
void validate(const Parameters& p);

}  // namespace ntk::core
