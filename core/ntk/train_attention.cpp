#include "core/ntk/train_attention.h"

#include "core/kernels/cost_model.h"
#include "core/kernels/errors.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace ntk::core {
namespace {

struct Inputs {
  Eigen::MatrixXd Q, K, V;
};

// The inputs of draw `counter`: new rows of the training_inputs stream (rows of the wider of d
// and d_v, cut to each width), projected with the workload's fixed W in projection mode; the
// queries are the last n tokens'. Draws for different counters never share a number.
Inputs draw_inputs(const WorkloadSpec& spec, const InputPart& fixed, std::uint64_t counter) {
  const Eigen::Index L = spec.L, d = spec.d, dv = value_width(spec), n = query_count(spec);
  const auto draw = [&](std::uint64_t block) {
    Eigen::MatrixXd out(L, std::max(d, dv));
    fill_random(out, spec.dist, spec.scale, spec.seed, Stream::training_inputs, Eigen::Index(block) * L);
    return out;
  };
  if (spec.mode == WorkloadMode::projection) {
    const Eigen::MatrixXd X = draw(counter).leftCols(d);
    return {X.bottomRows(n) * fixed.WQ, X * fixed.WK, X * fixed.WV};
  }
  return {draw(3 * counter).leftCols(d).bottomRows(n), draw(3 * counter + 1).leftCols(d),
          draw(3 * counter + 2).leftCols(dv)};
}

// Adam (Kingma and Ba 2015) or plain gradient descent on one parameter array.
struct Stepper {
  Optimizer optimizer;
  Eigen::ArrayXXd first, second;
  void step(Eigen::Ref<Eigen::MatrixXd> x, const Eigen::MatrixXd& gradient, int t, double rate) {
    if (optimizer == Optimizer::gradient_descent) {
      x -= rate * gradient;
      return;
    }
    if (first.size() == 0) first = second = Eigen::ArrayXXd::Zero(x.rows(), x.cols());
    constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    first = beta1 * first + (1 - beta1) * gradient.array();
    second = beta2 * second + (1 - beta2) * gradient.array().square();
    const double c1 = 1 - std::pow(beta1, t), c2 = 1 - std::pow(beta2, t);
    x.array() -= rate * (first / c1) / ((second / c2).sqrt() + eps);
  }
};

constexpr int max_backtracks = 30;

}  // namespace

AttentionLoss attention_loss(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const Eigen::Ref<const Eigen::MatrixXd>& V,
                             const Eigen::Ref<const Eigen::MatrixXd>& target, const FeatureMap& phi,
                             const Eigen::Ref<const Eigen::MatrixXd>& Zt, const Eigen::Ref<const Eigen::VectorXd>& kt,
                             double m, bool causal) {
  const double entries = double(Q.rows() * V.cols());
  const Eigen::MatrixXd S = input_scores_transposed(Q, K, query_position(0, Q.rows(), K.rows()), causal).transpose();
  const Eigen::VectorXd M = S.rowwise().maxCoeff();
  const Eigen::MatrixXd A = (S.colwise() - M).array().exp().matrix();
  const Eigen::MatrixXd eP = (phi.apply(Q).array().colwise() * (-M).array().exp()).matrix();
  const Eigen::MatrixXd numerator = A * V + m * (eP * Zt);
  const Eigen::VectorXd denominator = A.rowwise().sum() + m * (eP * kt);
  AttentionLoss out;
  if ((denominator.array() <= 0).any()) return out.status = Status::non_positive_denominator, out;
  const Eigen::MatrixXd T = numerator.array().colwise() / denominator.array();
  const Eigen::MatrixXd residual = T - target;
  out.loss = residual.squaredNorm() / entries;
  // Back through the quotient: dL/dnum = dT / den, dL/dden = -<dT_i, T_i> / den.
  const Eigen::MatrixXd dT = 2.0 * residual / entries;
  const Eigen::MatrixXd d_numerator = dT.array().colwise() / denominator.array();
  const Eigen::VectorXd d_denominator = -(dT.array() * T.array()).rowwise().sum() / denominator.array();
  out.dZ = m * (eP.transpose() * d_numerator);
  out.dk = m * (eP.transpose() * d_denominator);
  return out;
}

namespace {

// The mean loss and gradient over a batch; the first status that is not ok, if any.
AttentionLoss batch_loss(const std::vector<AttentionExample>& batch, const FeatureMap& phi, const Eigen::MatrixXd& Zt,
                         const Eigen::VectorXd& kt, double m, bool causal) {
  AttentionLoss sum;
  sum.dZ = Eigen::MatrixXd::Zero(Zt.rows(), Zt.cols());
  sum.dk = Eigen::VectorXd::Zero(kt.size());
  for (const AttentionExample& e : batch) {
    const AttentionLoss one = attention_loss(e.Q, e.K, e.V, e.target, phi, Zt, kt, m, causal);
    if (one.status != Status::ok) return one;
    sum.loss += one.loss / double(batch.size());
    sum.dZ += one.dZ / double(batch.size());
    sum.dk += one.dk / double(batch.size());
  }
  return sum;
}

}  // namespace

AttentionTrainRun train_ntk_attention(const PrefixSource& prefix, const FeatureMap& phi,
                                      const AttentionExamples& examples, Eigen::Index rank, bool causal,
                                      std::uint64_t seed, const AttentionTrainOptions& options) {
  if (options.steps < 0) throw std::invalid_argument("--steps must be at least 0");
  if (!(options.learning_rate > 0)) throw std::invalid_argument("--lr must be positive");
  const Eigen::Index r = phi.dim(), dv = prefix.value_dim();
  const double m = double(prefix.rows());

  AttentionTrainRun run;
  const NtkParams closed = compress_prefix(prefix, phi);
  // The baseline has the trained parameters' shape: at rank s, the best rank-s Z (truncated SVD).
  std::optional<LowRankZ> closed_low;
  if (rank > 0) closed_low = truncate_rank(closed.Z, rank);
  run.Z_closed = closed_low ? Eigen::MatrixXd(closed_low->A * closed_low->B) : closed.Z;
  run.k_closed = closed.k;
  // Trained: Z / m (or its factors) and k / m, from zero; a rank-s Z starts from small factors
  // (both zero would be a saddle point with zero gradient).
  const Eigen::Index s = rank;
  Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(r, dv), ZA, ZB;
  Eigen::VectorXd k = Eigen::VectorXd::Zero(r);
  if (s > 0) {
    ZA.resize(r, s);
    ZB.resize(s, dv);
    fill_random(ZA, Distribution::gaussian, 1e-2, seed, Stream::training_inputs, Eigen::Index(1) << 40);
    fill_random(ZB, Distribution::gaussian, 1e-2, seed, Stream::training_inputs, (Eigen::Index(1) << 40) + r);
  }
  Stepper z_step{options.optimizer, {}, {}}, zb_step = z_step, k_step = z_step;
  // The step warms up over the first 5% of the run and decays linearly to zero: from zero
  // parameters the denominator is the input's alone, and full steps at once overshoot it by a
  // factor m; the decay removes the noise of fresh inputs at the end.
  const double warmup = std::max(1.0, 0.05 * options.steps);
  double backoff = 1;
  Eigen::MatrixXd last_Z = Z, last_ZA = ZA, last_ZB = ZB;
  Eigen::VectorXd last_k = k;

  for (int t = 0; t <= options.steps; ++t) {
    if (s > 0) Z = ZA * ZB;
    const AttentionLoss at = batch_loss(examples.train(t), phi, Z, k, m, causal);
    if (at.status == Status::non_positive_denominator && t > 0 && run.backtracks < max_backtracks) {
      // The last step crossed D_ii = 0 for this input: take it back and halve all later steps.
      Z = last_Z, ZA = last_ZA, ZB = last_ZB, k = last_k;
      backoff /= 2;
      ++run.backtracks;
      continue;
    }
    if (at.status != Status::ok) {
      run.status = at.status;
      break;
    }
    run.steps.push_back({t, at.loss});
    if (!std::isfinite(at.loss)) {
      run.status = Status::not_finite;
      break;
    }
    if (t == options.steps) break;
    if (options.progress && !options.progress(t, options.steps)) {
      run.status = Status::cancelled;
      break;
    }
    last_Z = Z, last_ZA = ZA, last_ZB = ZB, last_k = k;
    const double rate =
        options.learning_rate * backoff * std::min(1.0, (t + 1) / warmup) * (1.0 - double(t) / double(options.steps));
    const Eigen::MatrixXd& dZ = at.dZ;
    if (s > 0) {
      const Eigen::MatrixXd dZA = dZ * ZB.transpose(), dZB = ZA.transpose() * dZ;
      z_step.step(ZA, dZA, t + 1, rate);
      zb_step.step(ZB, dZB, t + 1, rate);
    } else {
      z_step.step(Z, dZ, t + 1, rate);
    }
    k_step.step(k, at.dk, t + 1, rate);
  }
  if (s > 0) {
    Z = ZA * ZB;
    run.Z_A = m * ZA;
    run.Z_B = ZB;
  }
  run.Z = m * Z;
  run.k = m * k;
  run.z_distance = (run.Z - run.Z_closed).norm() / std::max(run.Z_closed.norm(), 1e-300);
  if (run.status != Status::ok) return run;

  // Held-out examples: none that a training step used.
  const NtkParams trained{run.Z, run.k, Status::ok, 0};
  run.trained_error = run.closed_error = run.closed_error_full_rank = 0;
  for (int e = 0; e < examples.held_out_count; ++e) {
    const AttentionExample in = examples.held_out(e);
    const auto error = [&](const NtkResult& result) { return compare(in.target, result.T).max_abs; };
    run.trained_error += error(ntk_attention(in.Q, in.K, in.V, phi, trained, causal));
    const double full = error(ntk_attention(in.Q, in.K, in.V, phi, closed, causal));
    run.closed_error_full_rank += full;
    run.closed_error += closed_low ? error(ntk_attention(in.Q, in.K, in.V, phi, *closed_low, closed.k, causal)) : full;
  }
  run.trained_error /= std::max(1, examples.held_out_count);
  run.closed_error /= std::max(1, examples.held_out_count);
  run.closed_error_full_rank /= std::max(1, examples.held_out_count);
  return run;
}

AttentionTrainRun train_ntk_attention(const Parameters& params, const AttentionTrainOptions& options) {
  validate(params);
  const WorkloadSpec& spec = params.workload;
  const Eigen::Index d = spec.d, dv = value_width(spec);
  const Eigen::Index r = feature_dimension(params);
  // The prefix is kept (m (d + d_v)); features of the inputs and of one prefix chunk (L + 1024) r;
  // Z, its gradient, Adam's two moments and the last step's copy (5 r d_v).
  const double bytes = sizeof(double) * (double(spec.m) * double(d + dv) + double(spec.L + 1024 + 5 * dv) * double(r));
  if (bytes > options.memory_budget_bytes)
    throw std::invalid_argument("training needs about " + std::to_string(std::int64_t(bytes / 1e6)) +
                                " MB (r = " + std::to_string(r) + ", m = " + std::to_string(spec.m) +
                                "), over the memory budget; lower m, d or the degree, or raise --memory-budget");
  const InputPart fixed = generate_inputs(spec);
  Eigen::MatrixXd KP, VP;
  materialize(GeneratedPrefix(spec, fixed), KP, VP);
  const MatrixPrefix prefix(KP, VP);
  const FeatureMap phi(params.feature, d);
  // Every step draws new inputs; the held-out draws are numbered past any step's.
  const auto example = [&](std::uint64_t counter) {
    Inputs in = draw_inputs(spec, fixed, counter);
    Eigen::MatrixXd target = prefix_attention(in.Q, in.K, in.V, prefix, {params.causal, {}}).T;
    return AttentionExample{std::move(in.Q), std::move(in.K), std::move(in.V), std::move(target)};
  };
  AttentionExamples examples;
  std::vector<AttentionExample> batch(1);
  examples.train = [&](std::int64_t t) -> const std::vector<AttentionExample>& {
    batch.front() = example(std::uint64_t(t));
    return batch;
  };
  examples.held_out = [&](std::int64_t e) { return example((std::uint64_t(1) << 32) + std::uint64_t(e)); };
  examples.held_out_count = options.eval_inputs;
  return train_ntk_attention(prefix, phi, examples, params.rank, params.causal, spec.seed, options);
}

}  // namespace ntk::core
