#pragma once
// The NTK view's settings (method.md section 8): the sizes of the stylized model and its
// gradient descent. Values only: the model itself is core/ntk/stylized_model.h.

#include <Eigen/Core>
#include <cstdint>

namespace ntk::core {

struct NtkSpec {
  Eigen::Index n = 32;    ///< data points
  Eigen::Index d = 4;     ///< input and output dimension
  Eigen::Index m = 1024;  ///< prefix length: the width
  double sigma = 1.0;     ///< standard deviation of the initial prefix keys
  std::uint64_t seed = 1;

  bool operator==(const NtkSpec&) const = default;
};

/// The stylized model and its gradient descent.
struct NtkSettings {
  NtkSpec model;
  double eta = 0;  ///< gradient-descent step; 0 picks 1 / (m lambda_max(H*))
  int steps = 200;

  bool operator==(const NtkSettings&) const = default;
};

}  // namespace ntk::core
