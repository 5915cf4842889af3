#include "core/kernels/attention_map.h"

#include "core/kernels/prefix_attention.h"
#include "core/util/parallel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace ntk::core {

namespace {

// Checks the arguments and lays out the bins; `per_query` has one entry per query.
AttentionMap empty_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                       const Eigen::Ref<const Eigen::MatrixXd>& K, const PrefixSource& prefix,
                       const Eigen::Ref<const Eigen::VectorXd>& per_query,
                       Eigen::Index max_prefix_columns) {
  check_shapes(Q, K, K, prefix.dim());
  if (max_prefix_columns < 1) throw std::invalid_argument("max_prefix_columns must be >= 1");
  if (per_query.size() != Q.rows())
    throw std::invalid_argument("the normaliser must have one entry per query");
  AttentionMap map;
  map.prefix_bins = std::min(prefix.rows(), max_prefix_columns);
  map.keys_per_bin = map.prefix_bins > 0 ? double(prefix.rows()) / double(map.prefix_bins) : 1.0;
  map.weights = Eigen::MatrixXd::Zero(Q.rows(), map.prefix_bins + Q.rows());
  return map;
}

}  // namespace

AttentionMap exact_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                                 const Eigen::Ref<const Eigen::MatrixXd>& K,
                                 const PrefixSource& prefix, bool causal,
                                 const Eigen::Ref<const Eigen::VectorXd>& log_normalizer,
                                 Eigen::Index max_prefix_columns) {
  AttentionMap map = empty_map(Q, K, prefix, log_normalizer, max_prefix_columns);
  const Eigen::Index L = Q.rows();
  const Eigen::Index m = prefix.rows();

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

AttentionMap ntk_attention_map(const Eigen::Ref<const Eigen::MatrixXd>& Q,
                               const Eigen::Ref<const Eigen::MatrixXd>& K,
                               const PrefixSource& prefix, const FeatureMap& phi, bool causal,
                               const Eigen::Ref<const Eigen::VectorXd>& denominator,
                               Eigen::Index max_prefix_columns) {
  AttentionMap map = empty_map(Q, K, prefix, denominator, max_prefix_columns);
  const Eigen::Index L = Q.rows();
  const Eigen::Index m = prefix.rows();
  const Eigen::Index r = phi.dim();
  const Eigen::Index bins = map.prefix_bins;
  const PrefixPartition part =
      partition_prefix(m, 1024, sizeof(double) * std::size_t(std::max<Eigen::Index>(1, bins) * r));
  std::vector<Eigen::MatrixXd> sums(std::size_t(part.segments));
  parallel_tasks(part.segments, [&](Eigen::Index s) {
    Eigen::MatrixXd local = Eigen::MatrixXd::Zero(bins, r);
    PrefixScratch scratch;
    const Eigen::Index end = part.segment_begin(s) + part.segment_count(s);
    for (Eigen::Index row = part.segment_begin(s); row < end; row += part.chunk) {
      const Eigen::Index count = std::min(part.chunk, end - row);
      const Eigen::MatrixXd F = phi.apply(prefix.block(row, count, scratch).KP);
      // Rows of one bin are consecutive: add them as a block, column by column (F is column-major).
      for (Eigen::Index j = 0; j < count;) {
        const Eigen::Index bin = (row + j) * bins / m;
        Eigen::Index next = j + 1;
        while (next < count && (row + next) * bins / m == bin) ++next;
        local.row(bin) += F.middleRows(j, next - j).colwise().sum();
        j = next;
      }
    }
    sums[std::size_t(s)] = std::move(local);
  });
  Eigen::MatrixXd bin_features = Eigen::MatrixXd::Zero(bins, r);
  for (const Eigen::MatrixXd& s : sums)
    if (s.size() > 0) bin_features += s;

  const Eigen::MatrixXd S = input_scores_transposed(Q, K, 0, causal).transpose();  // L x L
  const Eigen::VectorXd M = S.rowwise().maxCoeff();
  const Eigen::ArrayXd scale = (-M.array()).exp() / denominator.array();
  map.weights.leftCols(bins) = ((phi.apply(Q) * bin_features.transpose()).array().colwise() * scale).matrix();
  map.weights.rightCols(L) =
      ((S.colwise() - M).array().exp().colwise() / denominator.array()).matrix();
  return map;
}

}  // namespace ntk::core
