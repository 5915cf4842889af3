#include "core/kernels/kernel_samples.h"

#include <algorithm>
#include <cmath>

namespace ntk::core {

KernelSamples kernel_samples(const WorkloadSpec& spec, const FeatureMap& phi, Eigen::Index queries, Eigen::Index keys) {
  const InputPart inputs = generate_inputs(spec);
  const Eigen::Index nq = std::min(queries, spec.L);
  Eigen::MatrixXd Q(nq, spec.d), K;
  for (Eigen::Index i = 0; i < nq; ++i) Q.row(i) = inputs.Q.row(i * spec.L / nq);
  if (spec.m == 0) {
    const Eigen::Index nk = std::min(keys, spec.L);
    K.resize(nk, spec.d);
    for (Eigen::Index j = 0; j < nk; ++j) K.row(j) = inputs.K.row(j * spec.L / nk);
  } else {
    const Eigen::Index nk = std::min(keys, spec.m);
    K.resize(nk, spec.d);
    const GeneratedPrefix prefix(spec, inputs);
    PrefixScratch scratch;
    for (Eigen::Index j = 0; j < nk; ++j) K.row(j) = prefix.block(j * spec.m / nk, 1, scratch).KP.row(0);
  }
  const Eigen::MatrixXd scores = Q * K.transpose() / std::sqrt(double(spec.d));
  const Eigen::MatrixXd features = phi.apply(Q) * phi.apply(K).transpose();
  return {scores.reshaped(), features.reshaped()};
}

}  // namespace ntk::core
