#pragma once
// The one table of parameter specs (name, key, range, default, help) that the command line, the
// sweep, the session files and the window's controls all read, so they can never disagree.

#include "core/kernels/feature_map.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ntk::core {

/// Every setting of one comparison of exact prefix attention with NTK-Attention.
struct Parameters {
  WorkloadSpec workload;
  FeatureMapSpec feature;   ///< omega (given directions) is not a parameter: it comes from a file
  Eigen::Index rank = 0;    ///< rank s of Z; 0 keeps Z at full rank
  bool causal = false;
};

enum class ParamType { integer, real, choice, flag };

struct ParamSpec {
  std::string_view key;    ///< command-line flag (--key), sweep and session name
  std::string_view label;  ///< for the window
  ParamType type;
  double min = 0, max = 0;             ///< integer and real
  std::vector<std::string_view> choices;  ///< choice
  std::string_view help;

  /// Reads the value as text ("4096", "0.5", "taylor", "true").
  std::string get(const Parameters& p) const;
  /// Parses and range-checks `text`; throws std::invalid_argument naming the valid range.
  void set(Parameters& p, std::string_view text) const;

  std::string (*getter)(const Parameters&) = nullptr;
  void (*setter)(Parameters&, double, std::string_view) = nullptr;
};

/// All parameters, in the order the window and the CSV columns show them.
std::span<const ParamSpec> parameter_specs();

/// The spec with this key; throws std::invalid_argument listing the known keys.
const ParamSpec& parameter_spec(std::string_view key);

/// The default workload: direct mode, L = 64, d = 16, m = 4096, Taylor degree 2, scale 0.5,
/// seed 1 (the first thing a user sees).
Parameters default_parameters();

/// The feature dimension r of the parameters' map (throws like feature_dimension).
Eigen::Index feature_dimension(const Parameters& p);

/// The `ntk-explorer compare` command that computes `p` (only options that differ from the
/// defaults are written).
std::string command_line(const Parameters& p);

/// Cross-parameter checks (rank <= min(r, d), sizes valid); throws std::invalid_argument.
void validate(const Parameters& p);

}  // namespace ntk::core
