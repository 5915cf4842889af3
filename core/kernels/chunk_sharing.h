#pragma once
// What the consumers of one prefix chunk share within the pass (prefix_reduction.h): its
// features phi(K_P) and its exponentiated scores, each made by the first consumer that asks.

#include "core/kernels/feature_map.h"
#include "core/kernels/online_softmax.h"

#include <Eigen/Core>

namespace ntk::core {

/// The features phi(K_P) of one chunk, made by the first consumer that asks (the compression and
/// the NTK map both need them) and reused by the others. One per worker, reset for every chunk.
class ChunkFeatures {
 public:
  void reset() { m_phi = nullptr; }
  const Eigen::MatrixXd& of(const FeatureMap& phi, const Eigen::Ref<const Eigen::MatrixXd>& KP) {
    if (m_phi != &phi) {
      m_F = phi.apply(KP);
      m_phi = &phi;
    }
    return m_F;
  }

 private:
  const FeatureMap* m_phi = nullptr;
  Eigen::MatrixXd m_F;
};

inline constexpr Eigen::Index prefix_query_block = 128;  ///< queries whose scores are made at once

/// The scores of a chunk against a block of queries, exponentiated: S := exp(KP Qs^T - top)
/// (keys x queries, online_softmax.h's exponentiate), top their column maxima; returns the
/// largest |score|. Shared scores (ChunkScores) and a consumer's own are made by it alike, so
/// they have the same bits.
template <class Rows, class Queries, class Matrix, class Vector>
double exponentiated_scores(const Rows& KP, const Queries& Qs, Matrix&& S, Vector&& top) {
  S.noalias() = KP * Qs.transpose();
  const double largest = double(S.cwiseAbs().maxCoeff());
  exponentiate(S, top);
  return largest;
}

/// The exponentiated scores of one chunk against every query (exponentiated_scores, a block of
/// prefix_query_block queries at a time), made by the first consumer that asks and reused by the
/// others: exact attention and the exact map both need them. A pass has them only when a consumer
/// uses_scores(); without, exact attention holds a block of queries at a time, not all L.
class ChunkScores {
 public:
  void reset() { m_made = false; }
  /// Makes them for the queries Qs (L x d, already divided by sqrt(d)) unless they are made for
  /// equal queries (each consumer holds its own copy: they are compared once, then known equal).
  void of(const Eigen::MatrixXd& Qs, const Eigen::Ref<const Eigen::MatrixXd>& KP);
  const Eigen::MatrixXd& exponentials() const { return m_E; }  ///< keys x L
  const Eigen::VectorXd& top() const { return m_top; }         ///< L column maxima
  double largest() const { return m_largest; }                 ///< max |score|

 private:
  bool m_made = false;
  const Eigen::MatrixXd* m_queries = nullptr;  ///< the queries they were made for
  const Eigen::MatrixXd* m_equal = nullptr;    ///< other queries found equal to those
  Eigen::MatrixXd m_E;
  Eigen::VectorXd m_top;
  double m_largest = 0;
};

}  // namespace ntk::core
