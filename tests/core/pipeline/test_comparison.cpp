// compare_query_heads: the query heads of one key/value head in one pass over its prefix must
// give each head the bits of its own comparison (compare_methods), on the dense path and the
// streamed one, in float32, with a rank, with FAVOR+ and for every thread count.

#include "core/pipeline/comparison.h"
#include "core/util/parallel.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ntk::core {
namespace {

template <class A, class B>
bool same_bits(const A& a, const B& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 ||
          std::memcmp(a.derived().data(), b.derived().data(), sizeof(double) * std::size_t(a.size())) == 0);
}

struct Heads {
  std::vector<Eigen::MatrixXd> queries;
  Eigen::MatrixXd K, V, KP, VP;
};

// `rows[h]` queries per head over L input keys, d = 8, d_v = 5, a prefix of m rows.
Heads heads(const std::vector<Eigen::Index>& rows, Eigen::Index L, Eigen::Index m) {
  std::srand(7);
  Heads h;
  for (const Eigen::Index n : rows) h.queries.push_back(0.6 * Eigen::MatrixXd::Random(n, 8));
  h.K = 0.6 * Eigen::MatrixXd::Random(L, 8);
  h.V = Eigen::MatrixXd::Random(L, 5);
  h.KP = 0.6 * Eigen::MatrixXd::Random(m, 8);
  h.VP = Eigen::MatrixXd::Random(m, 5);
  return h;
}

// The default parameters with the sizes of heads(): d = 8, d_v = 5.
Parameters sized(Eigen::Index n, Eigen::Index L, Eigen::Index m) {
  Parameters p = default_parameters();
  describe_inputs(p, n, L, 8, 5, m);
  return p;
}

void expect_same_bits(const Comparison& shared, const Comparison& alone) {
  EXPECT_EQ(shared.status, alone.status);
  EXPECT_TRUE(same_bits(shared.exact.T, alone.exact.T));
  EXPECT_TRUE(same_bits(shared.exact.prefix_mass, alone.exact.prefix_mass));
  EXPECT_TRUE(same_bits(shared.exact.log_normalizer, alone.exact.log_normalizer));
  EXPECT_EQ(shared.exact.max_abs_prefix_score, alone.exact.max_abs_prefix_score);
  EXPECT_TRUE(same_bits(shared.compressed.Z, alone.compressed.Z));
  EXPECT_TRUE(same_bits(shared.compressed.k, alone.compressed.k));
  EXPECT_TRUE(same_bits(shared.approx.T, alone.approx.T));
  EXPECT_EQ(shared.errors.max_abs, alone.errors.max_abs);
  EXPECT_EQ(shared.errors.rel_fro, alone.errors.rel_fro);
  EXPECT_EQ(shared.low_rank.has_value(), alone.low_rank.has_value());
  EXPECT_TRUE(same_bits(shared.omega, alone.omega));
}

TEST(QueryHeads, EachHeadHasTheBitsOfItsOwnComparison) {
  struct Case {
    const char* name;
    std::vector<Eigen::Index> rows;
    Eigen::Index L, m;
  };
  // 16 x (100 + 16) scores take the dense path; 32 x (5000 + 32) stream over three segments; a
  // decoding head (1 x 5032) is dense beside streamed heads of 32 queries.
  const std::vector<Case> cases{
      {"dense", {16, 16, 16}, 16, 100}, {"streamed", {32, 32, 32, 32}, 32, 5000}, {"mixed", {32, 1, 32}, 32, 5000}};
  for (const Case& k : cases) {
    const Heads h = heads(k.rows, k.L, k.m);
    const MatrixPrefix prefix(h.KP, h.VP);
    for (int variant = 0; variant < 4; ++variant) {
      SCOPED_TRACE(std::string(k.name) + " variant " + std::to_string(variant));
      Parameters p = sized(k.rows.front(), k.L, k.m);
      p.causal = variant % 2 == 0;
      if (variant == 1) p.precision = Precision::float32;
      if (variant == 2) p.rank = 3;
      if (variant == 3) p.feature.kind = FeatureKind::favor, p.feature.features = 64;
      ComparisonOptions options;
      options.timing_runs = 1;
      options.float64_gap = true;
      const std::vector<Comparison> shared = compare_query_heads(h.queries, h.K, h.V, prefix, p, options);
      ASSERT_EQ(shared.size(), h.queries.size());
      for (std::size_t i = 0; i < h.queries.size(); ++i) {
        SCOPED_TRACE("head " + std::to_string(i));
        const Comparison alone = compare_methods(h.queries[i], h.K, h.V, prefix, p, options);
        expect_same_bits(shared[i], alone);
        ASSERT_TRUE(shared[i].pass);
        EXPECT_EQ(shared[i].pass->rows_read, k.m);
        EXPECT_EQ(shared[i].float64_gap.has_value(), alone.float64_gap.has_value());
        if (alone.float64_gap) {
          EXPECT_EQ(shared[i].float64_gap->ntk_max_abs, alone.float64_gap->ntk_max_abs);
        }
      }
    }
  }
}

TEST(QueryHeads, EveryThreadCountGivesTheSameBits) {
  const Heads h = heads({32, 32}, 32, 9000);
  const MatrixPrefix prefix(h.KP, h.VP);
  const Parameters p = sized(32, 32, 9000);
  ComparisonOptions options;
  options.timing_runs = 1;
  std::vector<Comparison> one;
  {
    const ThreadCountScope threads(1);
    one = compare_query_heads(h.queries, h.K, h.V, prefix, p, options);
  }
  const ThreadCountScope threads(2);
  const std::vector<Comparison> two = compare_query_heads(h.queries, h.K, h.V, prefix, p, options);
  for (std::size_t i = 0; i < one.size(); ++i) expect_same_bits(one[i], two[i]);
}

TEST(QueryHeads, AStoppedPassCancelsEveryHead) {
  const Heads h = heads({32, 32}, 32, 9000);
  const MatrixPrefix prefix(h.KP, h.VP);
  const Parameters p = sized(32, 32, 9000);
  ComparisonOptions options;
  int calls = 0;
  options.progress = [&calls](std::int64_t, std::int64_t) { return ++calls < 3; };
  const std::vector<Comparison> shared = compare_query_heads(h.queries, h.K, h.V, prefix, p, options);
  ASSERT_EQ(shared.size(), 2u);
  for (const Comparison& c : shared) EXPECT_EQ(c.status, Status::cancelled);
  EXPECT_GE(calls, 3);
}

TEST(QueryHeads, RefusesWhatItDoesNotMake) {
  const Heads h = heads({4}, 4, 10);
  const MatrixPrefix prefix(h.KP, h.VP);
  const Parameters p = sized(4, 4, 10);
  ComparisonOptions maps;
  maps.map_columns = 8;
  EXPECT_THROW(compare_query_heads(h.queries, h.K, h.V, prefix, p, maps), std::invalid_argument);
  EXPECT_THROW(compare_query_heads({}, h.K, h.V, prefix, p, {}), std::invalid_argument);
  const std::vector<Eigen::MatrixXd> wrong_width{Eigen::MatrixXd::Zero(4, 7)};
  EXPECT_THROW(compare_query_heads(wrong_width, h.K, h.V, prefix, p, {}), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core
