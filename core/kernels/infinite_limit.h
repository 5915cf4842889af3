#pragma once
// The infinite-prefix limit (method.md section 6): as m -> infinity the prefix takes all of every
// softmax row and PrefixAttn(X, P) tends to E[exp(a.p) p] / E[exp(a.p)] W_V, a = W_K q / sqrt(d).

#include "core/workload/workload.h"

#include <Eigen/Core>

namespace ntk::core {

/// The limit for every query row (L x d).
/// Projection mode, Gaussian prefix (std sigma): sigma^2 Q W_K^T W_V / sqrt(d) (method.md 6).
/// Projection mode, Uniform[-B, B] prefix: per coordinate B coth(a B) - 1/a, then times W_V
/// (the same derivative of log E[exp(a p)], for the uniform law).
/// Direct mode: K_P and V_P are independent with mean zero, so the limit is 0.
Eigen::MatrixXd infinite_prefix_limit(const WorkloadSpec& spec, const InputPart& inputs);

}  // namespace ntk::core
