#pragma once
// What names a prefix consumer's folds in PrefixFoldCache: a value type with equality and a hash
// over every field that shapes a fold, so two folds are reused for each other exactly when they
// would have the same bits.

#include "core/kernels/feature_map.h"
#include "core/util/precision.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>

namespace ntk::core {

/// Which computation a fold belongs to.
enum class FoldKind : std::uint8_t { exact, compression, exact_map, feature_map };

struct FoldKey {
  FoldKind kind = FoldKind::exact;
  /// The seeded workload whose prefix rows are folded. Its m is 0 (a fold covers some leading
  /// rows whatever m is) unless planted keys sit where m puts them (match != 0).
  WorkloadSpec rows;
  Precision precision = Precision::float64;  ///< exact attention's and the compression's; the maps are float64
  /// The feature map (compression and the NTK map; drawn FAVOR+ directions only, never a given
  /// omega); all zero for the exact consumers.
  FeatureKind feature = FeatureKind::taylor;
  int degree = 0;
  Eigen::Index features = 0;
  bool orthogonal = false;
  std::uint64_t feature_seed = 0;
  Eigen::Index width = 0;  ///< the maps' prefix bin width; 0 for the others

  bool operator==(const FoldKey&) const = default;
};

struct FoldKeyHash {
  std::size_t operator()(const FoldKey& key) const;
};

}  // namespace ntk::core
