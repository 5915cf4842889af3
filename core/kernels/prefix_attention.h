#pragma once
// Exact prefix attention, the paper's Algorithm 1 (method.md section 2):
//   PrefixAttn = rowsoftmax([Q K_P^T, Q K^T] / sqrt(d)) [V_P; V]
// with the causal mask (if any) on the input block only, never on the prefix.

#include "core/kernels/online_softmax.h"
#include "core/kernels/prefix_consumer.h"
#include "core/util/precision.h"
#include "core/util/progress.h"
#include "core/workload/workload.h"

#include <Eigen/Core>
#include <optional>
#include <string>

namespace ntk::core {

struct ExactOptions {
  bool causal = false;
  Progress progress;                         ///< units: prefix rows
  Precision precision = Precision::float64;  ///< float32: always the streaming path
};

struct ExactResult {
  Eigen::MatrixXd T;                ///< n x d_v, the attention output
  Eigen::VectorXd prefix_mass;      ///< n, softmax mass on the prefix columns of each query row
  Eigen::VectorXd log_normalizer;   ///< n, log sum over all keys of exp(score)
  double max_abs_prefix_score = 0;  ///< max |<q_i, K_P[j]>| / sqrt(d), the Taylor map's |t|
  Status status = Status::ok;
};

/// Exact attention's prefix part: the online-softmax state of every query over prefix rows.
struct ExactPrefixState {
  SoftmaxState softmax;      ///< n queries, values of width d_v
  double max_abs_score = 0;  ///< max |<q_i, K_P[j]>| / sqrt(d) over the rows seen
};
std::size_t state_bytes(const ExactPrefixState& s);

/// The consumer of the prefix pass (prefix_reduction.h) that exact attention is made of: each
/// chunk of prefix rows is used by every query, in fixed blocks of queries. In float32 a chunk's
/// scores, exponentials and weighted values are float32, merged into a float64 state.
class ExactPrefixConsumer final : public StateConsumer<ExactPrefixState> {
 public:
  /// Q: n x d; values of width d_v. `key`, when given, names Q (and the precision) for
  /// PrefixFoldCache.
  ExactPrefixConsumer(const Eigen::Ref<const Eigen::MatrixXd>& Q, Eigen::Index value_dim,
                      std::optional<FoldKey> key = std::nullopt, Precision precision = Precision::float64);
  std::optional<FoldKey> cache_key() const override { return m_key; }

 protected:
  ExactPrefixState initial() const override;
  void add(ExactPrefixState& s, Eigen::Index first_row, const PrefixBlock& block) const override;
  void append(ExactPrefixState& total, const ExactPrefixState& next) const override;

 private:
  Eigen::MatrixXd m_Qs;    ///< Q / sqrt(d)
  Eigen::MatrixXf m_Qs32;  ///< the same in float32, when that is the precision
  Eigen::Index m_value_dim;
  std::optional<FoldKey> m_key;
};

/// Exact attention from its prefix part (ExactPrefixConsumer's total) and the input part.
ExactResult finish_exact(const ExactPrefixState& prefix, const Eigen::Ref<const Eigen::MatrixXd>& Q,
                         const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::Ref<const Eigen::MatrixXd>& V,
                         bool causal);

/// Forms the whole n x (m + L) score matrix; memory O(n (m + L)). Q: n x d, K: L x d, V: L x d_v;
/// KP: m x d, VP: m x d_v.
ExactResult prefix_attention_dense(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                   const Eigen::Ref<const Eigen::MatrixXd>& K,
                                   const Eigen::Ref<const Eigen::MatrixXd>& V,
                                   const Eigen::Ref<const Eigen::MatrixXd>& KP,
                                   const Eigen::Ref<const Eigen::MatrixXd>& VP, bool causal);

/// Online softmax over the prefix pass (reduce_prefix): memory O(L d) per segment in flight,
/// whatever m is; equal to the dense result to rounding and independent of the thread count.
ExactResult prefix_attention_streaming(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                       const Eigen::Ref<const Eigen::MatrixXd>& K,
                                       const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                                       const ExactOptions& options);

/// Whether prefix_attention takes the streaming path for n queries over m prefix rows and L input
/// keys (always in float32: the dense path is float64 only).
bool exact_streams(Eigen::Index n, Eigen::Index m, Eigen::Index L, Precision precision = Precision::float64);

/// The dense path for small problems (exact_streams false) in float64, the streaming one otherwise.
ExactResult prefix_attention(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                             const Eigen::Ref<const Eigen::MatrixXd>& V, const PrefixSource& prefix,
                             const ExactOptions& options);

/// The input position of query `index` of n queries over L input keys: the queries are those of
/// the last n input tokens (n = L: every token's; n = 1: decoding one token over a cache).
inline Eigen::Index query_position(Eigen::Index index, Eigen::Index n, Eigen::Index L) { return L - n + index; }

/// Input-part scores transposed (keys x queries): K Q_block^T / sqrt(d) for a block of queries
/// whose first sits at input position `first_position` (query_position), with -inf where a causal
/// mask hides key j > that query's position.
Eigen::MatrixXd input_scores_transposed(const Eigen::Ref<const Eigen::MatrixXd>& Q_block,
                                        const Eigen::Ref<const Eigen::MatrixXd>& K, Eigen::Index first_position,
                                        bool causal);

/// Throws std::invalid_argument unless Q is n x d, K is L x d and V is L x d_v, with the prefix's
/// key width d and value width d_v, and, under the causal mask, n <= L (the queries are the last
/// n input tokens').
void check_shapes(const Eigen::Ref<const Eigen::MatrixXd>& Q, const Eigen::Ref<const Eigen::MatrixXd>& K,
                  const Eigen::Ref<const Eigen::MatrixXd>& V, Eigen::Index prefix_width,
                  Eigen::Index prefix_value_width, bool causal);

}  // namespace ntk::core
