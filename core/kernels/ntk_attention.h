#pragma once
// NTK-Attention, the paper's Algorithm 2 (method.md section 3):
//   A = exp(Q K^T / sqrt(d)),  D = diag(A 1_L + phi(Q) k),  T = D^{-1} (A V + phi(Q) Z)
// with Z = phi(K_P)^T V_P (r x d_v) and k = phi(K_P)^T 1_m (r): sizes that do not grow with m.

#include "core/kernels/feature_map.h"
#include "core/kernels/prefix_consumer.h"
#include "core/util/precision.h"
#include "core/util/progress.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <optional>
#include <string>

namespace ntk::core {

struct NtkParams {
  Eigen::MatrixXd Z;  ///< r x d_v
  Eigen::VectorXd k;  ///< r
  Status status = Status::ok;
  double max_abs_value = 0;  ///< max |V_P|, for the Taylor bound
};

/// Z = Z_A Z_B, the rank-s form the paper's experiments train.
struct LowRankZ {
  Eigen::MatrixXd A;  ///< r x s
  Eigen::MatrixXd B;  ///< s x d_v
};

/// D_ii is judged against the magnitude of its terms, sum_j A'_ij + sum_r |phi(q_i)_r| |k_r|:
/// below this fraction of it (more than 1 - 1e-6 of the terms cancel) the row is ill-conditioned
/// (method.md section 3).
inline constexpr double denominator_cancellation_limit = 1e-6;

struct NtkResult {
  Eigen::MatrixXd T;                      ///< n x d_v
  Eigen::VectorXd denominator;            ///< n, D_ii scaled by exp(-max_j S_X[i, j])
  Eigen::VectorXd prefix_share;           ///< n, (phi(Q) k)_i / D_ii: the prefix's share of row i's mass
  Eigen::Index bad_rows = 0;              ///< rows whose denominator is not positive, or not finite
  Eigen::Index ill_conditioned_rows = 0;  ///< rows whose D_ii is positive but cancels (see above)
  double min_denominator_ratio = 1;       ///< min_i D_ii / magnitude of its terms
  Status status = Status::ok;
};

std::size_t state_bytes(const NtkParams& p);

/// The consumer of the prefix pass (prefix_reduction.h) that sums Z = phi(K_P)^T V_P and
/// k = phi(K_P)^T 1_m, forming the features of at most about 1 MB of rows at once. In float32
/// the features of those rows and their products with V_P are float32, added to float64 sums.
class CompressionConsumer final : public StateConsumer<NtkParams> {
 public:
  /// `phi` must outlive the consumer; values of width d_v; `key`, when given, names phi (and the
  /// precision) for PrefixFoldCache.
  CompressionConsumer(const FeatureMap& phi, Eigen::Index value_dim, std::optional<FoldKey> key = std::nullopt,
                      Precision precision = Precision::float64);
  std::optional<FoldKey> cache_key() const override { return m_key; }

 protected:
  NtkParams initial() const override;
  void add(NtkParams& s, Eigen::Index first_row, const PrefixBlock& block) const override;
  void append(NtkParams& total, const NtkParams& next) const override;

 private:
  const FeatureMap& m_phi;
  Eigen::Index m_value_dim;
  std::optional<FoldKey> m_key;
  Precision m_precision;
};

/// Closed-form Z and k from a prefix, in one pass (reduce_prefix): memory O(r d) per segment in
/// flight, the same bits for every thread count.
NtkParams compress_prefix(const PrefixSource& prefix, const FeatureMap& phi, const Progress& progress = {},
                          Precision precision = Precision::float64);

/// Evaluates T stably: with M_i the row maximum of S_X, A' = exp(S_X - M) and the phi terms
/// scaled by exp(-M). A non-positive D_ii (odd Taylor degree, large negative scores) gives
/// status non_positive_denominator and NaN in those rows of T, counted in bad_rows; a NaN or
/// infinite one (non-finite or overflowing inputs) status not_finite; a positive one that
/// cancels (denominator_cancellation_limit) status ill_conditioned_denominator, T kept.
/// In float32 the product phi(Q) Z is float32; everything else float64.
NtkResult ntk_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                        const Eigen::Ref<const Eigen::MatrixXd>& V, const FeatureMap& phi, const NtkParams& params,
                        bool causal, Precision precision = Precision::float64);

/// The same with Z = Z_A Z_B, computed as (phi(Q) Z_A) Z_B.
NtkResult ntk_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                        const Eigen::Ref<const Eigen::MatrixXd>& V, const FeatureMap& phi, const LowRankZ& Z,
                        const Eigen::Ref<const Eigen::VectorXd>& k, bool causal);

/// Best rank-s approximation of Z (truncated SVD), 1 <= s <= min(r, d_v).
LowRankZ truncate_rank(const Eigen::Ref<const Eigen::MatrixXd>& Z, Eigen::Index s);

}  // namespace ntk::core
