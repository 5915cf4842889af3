#pragma once
// The kernel a feature map implements, seen on the workload's own scores (method.md section 4):
// for sampled pairs of a query q and a prefix key kappa, the score t = <q, kappa> / sqrt(d), whose
// exp(t) exact attention uses, next to <phi(q), phi(kappa)>, which NTK-Attention uses instead.
// Why the error grows with the entry scale B: the scores spread wider, where phi departs from exp.

#include "core/kernels/feature_map.h"
#include "core/workload/workload.h"

#include <Eigen/Core>

namespace ntk::core {

struct KernelSamples {
  Eigen::VectorXd scores;    ///< t = <q_i, kappa_j> / sqrt(d), one per pair
  Eigen::VectorXd features;  ///< <phi(q_i), phi(kappa_j)> for the same pairs
};

/// Every pair of `queries` evenly spaced queries of the workload and `keys` evenly spaced prefix
/// keys (the input keys when m = 0), at most L x max(m, L) pairs. phi is applied to those rows
/// only, so the memory is (queries + keys) r.
KernelSamples kernel_samples(const WorkloadSpec& spec, const FeatureMap& phi, Eigen::Index queries = 32,
                             Eigen::Index keys = 64);

}  // namespace ntk::core
