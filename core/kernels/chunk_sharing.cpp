#include "core/kernels/chunk_sharing.h"

#include <algorithm>

namespace ntk::core {

void ChunkScores::of(const Eigen::MatrixXd& Qs, const Eigen::Ref<const Eigen::MatrixXd>& KP) {
  if (m_made && (&Qs == m_queries || &Qs == m_equal)) return;
  if (m_made && m_queries->rows() == Qs.rows() && m_queries->cols() == Qs.cols() && *m_queries == Qs) {
    m_equal = &Qs;
    return;
  }
  if (&Qs != m_queries) m_equal = nullptr;
  m_made = true;
  m_queries = &Qs;
  m_E.resize(KP.rows(), Qs.rows());
  m_top.resize(Qs.rows());
  m_largest = 0;
  for (Eigen::Index first = 0; first < Qs.rows(); first += prefix_query_block) {
    const Eigen::Index n = std::min(prefix_query_block, Qs.rows() - first);
    m_largest = std::max(m_largest, exponentiated_scores(KP, Qs.middleRows(first, n), m_E.middleCols(first, n),
                                                         m_top.segment(first, n)));
  }
}

}  // namespace ntk::core
