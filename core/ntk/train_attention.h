#pragma once
// Training NTK-Attention's Z and k against exact prefix attention (method.md section 7a): fresh
// random inputs every step, analytic gradients, Adam or plain gradient descent, optional rank-s
// Z = Z_A Z_B. The exact part of T uses only the input's keys (the authors' released script put
// the prefix there too, which makes Z = 0, k = 0 optimal; not repeated here).
//
// The parameters trained are Z / m and k / m, the prefix's features per token: their optimum is
// O(1) whatever m, so one learning rate serves m = 2 and m = 2^18 alike (k itself grows like m).

#include "core/kernels/cost_model.h"
#include "core/kernels/feature_map.h"
#include "core/kernels/prefix_consumer.h"
#include "core/params/parameters.h"
#include "core/util/progress.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace ntk::core {

enum class Optimizer { adam, gradient_descent };

struct AttentionTrainOptions {
  Optimizer optimizer = Optimizer::adam;
  double learning_rate = 0.02;  ///< peak step: warmed up over the first 5% of steps, then linearly to 0
  int steps = 2000;
  int eval_inputs = 8;  ///< held-out inputs for comparing trained and closed-form parameters
  double memory_budget_bytes = default_memory_budget_bytes;  ///< refuse larger runs up front
  Progress progress;                                         ///< units: steps
};

struct AttentionTrainStep {
  int step = 0;
  double loss = 0;  ///< mean squared error of T against exact prefix attention on this step's inputs
};

struct AttentionTrainRun {
  std::vector<AttentionTrainStep> steps;
  Eigen::MatrixXd Z;         ///< r x d_v, trained (Z_A Z_B when rank > 0)
  Eigen::MatrixXd Z_A, Z_B;  ///< rank s > 0: the trained factors, r x s and s x d_v, Z = Z_A Z_B
  Eigen::VectorXd k;         ///< r, trained
  Eigen::MatrixXd Z_closed;  ///< the closed form of the same prefix, cut to rank s by SVD when s > 0
  Eigen::VectorXd k_closed;
  double trained_error = NAN;           ///< mean over held-out inputs of the max-abs error of T (NaN unless ok)
  double closed_error = NAN;            ///< the same for the closed-form Z (at the same rank s) and k
  double closed_error_full_rank = NAN;  ///< the same for the full-rank closed form
  double z_distance = 0;                ///< |Z - Z_closed|_F / |Z_closed|_F, Z_closed at the same rank
  int backtracks = 0;                   ///< steps taken back because they made a denominator D_ii <= 0
  Status status = Status::ok;
};

/// The training loss on one set of inputs and its gradient with respect to the per-token
/// parameters Zt = Z / m (r x d_v) and kt = k / m (r): loss = mean over the n x d_v entries of
/// (T - target)^2 with T = (A V + e P Zt m) / (A 1 + e P kt m), A = exp(S_X - M), e = exp(-M),
/// P = phi(Q). status non_positive_denominator (and no gradient) when a row's denominator is <= 0.
struct AttentionLoss {
  double loss = 0;
  Eigen::MatrixXd dZ;  ///< r x d_v
  Eigen::VectorXd dk;  ///< r
  Status status = Status::ok;
};
AttentionLoss attention_loss(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const Eigen::Ref<const Eigen::MatrixXd>& V,
                             const Eigen::Ref<const Eigen::MatrixXd>& target, const FeatureMap& phi,
                             const Eigen::Ref<const Eigen::MatrixXd>& Zt, const Eigen::Ref<const Eigen::VectorXd>& kt,
                             double m, bool causal);

/// Inputs and exact prefix attention on them: one example to train or evaluate on.
struct AttentionExample {
  Eigen::MatrixXd Q, K, V;  ///< n x d, L x d, L x d_v (the queries are the last n tokens')
  Eigen::MatrixXd target;   ///< n x d_v: exact prefix attention on them
};

/// The examples of a run: training step t descends the mean loss of the batch train(t) (valid
/// until the next call); the final errors average over held_out(0) ... held_out(held_out_count - 1).
struct AttentionExamples {
  std::function<const std::vector<AttentionExample>&(std::int64_t)> train;
  std::function<AttentionExample(std::int64_t)> held_out;
  int held_out_count = 0;
};

/// Trains Z and k for `prefix` on `examples` with `phi`, rank s = `rank` of Z (0: full) and the
/// causal mask; a rank-s run starts from small factors drawn with `seed`. The baseline is the
/// closed form of the same prefix (streamed). Throws std::invalid_argument for steps < 0 or a
/// learning rate <= 0; the caller checks the memory budget (it knows the examples' sizes).
AttentionTrainRun train_ntk_attention(const PrefixSource& prefix, const FeatureMap& phi,
                                      const AttentionExamples& examples, Eigen::Index rank, bool causal,
                                      std::uint64_t seed, const AttentionTrainOptions& options);

/// Trains Z and k for the prefix of the seeded workload `params` (its feature map, rank and
/// causal mask); every step draws new inputs of L tokens. Throws std::invalid_argument for bad
/// parameters, steps < 0, a learning rate <= 0, or a run whose memory (the kept prefix, the
/// features, Z with its gradient and optimizer state) would pass options.memory_budget_bytes.
AttentionTrainRun train_ntk_attention(const Parameters& params, const AttentionTrainOptions& options);

}  // namespace ntk::core
