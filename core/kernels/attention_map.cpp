#include "core/kernels/attention_map.h"

#include "core/kernels/prefix_attention.h"
#include "core/util/parallel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace ntk::core {

AttentionMap exact_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                 const Eigen::Ref<const Eigen::MatrixXd>& K,
                                 const PrefixSource& prefix, bool causal,
                                 const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                 Eigen::Index max_prefix_columns) {
  check_shapes(Q, K, K, prefix.dim());
  if (max_prefix_columns < 1) throw std::invalid_argument("max_prefix_columns must be >= 1");
  if (log_normalizer.size() != Q.rows())
    throw std::invalid_argument("log_normalizer must have one entry per query");
  const Eigen::Index L = Q.rows();
  const Eigen::Index m = prefix.rows();
  AttentionMap map;
  map.prefix_bins = std::min(m, max_prefix_columns);
  map.keys_per_bin = map.prefix_bins > 0 ? double(m) / double(map.prefix_bins) : 1.0;
  map.weights = Eigen::MatrixXd::Zero(L, map.prefix_bins + L);

  const Eigen::MatrixXd Qs = Q / std::sqrt(double(Q.cols()));
  const PrefixPartition part =
      partition_prefix(m, 1024, sizeof(double) * std::size_t(L * std::max<Eigen::Index>(1, map.prefix_bins)));
  std::vector<Eigen::MatrixXd> bins(std::size_t(part.segments));
  parallel_tasks(part.segments, [&](Eigen::Index s) {
    Eigen::MatrixXd local = Eigen::MatrixXd::Zero(L, map.prefix_bins);
    PrefixScratch scratch;
    const Eigen::Index end = part.segment_begin(s) + part.segment_count(s);
    for (Eigen::Index row = part.segment_begin(s); row < end; row += part.chunk) {
      const Eigen::Index count = std::min(part.chunk, end - row);
      const PrefixBlock blk = prefix.block(row, count, scratch);
      const Eigen::MatrixXd W =
          ((Qs * blk.KP.transpose()).colwise() - log_normalizer).array().exp().matrix();
      for (Eigen::Index j = 0; j < count; ++j)
        local.col((row + j) * map.prefix_bins / m) += W.col(j);
    }
    bins[std::size_t(s)] = std::move(local);
  });
  for (const Eigen::MatrixXd& b : bins)
    if (b.size() > 0) map.weights.leftCols(map.prefix_bins) += b;

  const Eigen::MatrixXd S = input_scores_transposed(Q, K, 0, causal).transpose();
  map.weights.rightCols(L) = (S.colwise() - log_normalizer).array().exp().matrix();
  return map;
}

}  // namespace ntk::core
