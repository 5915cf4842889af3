#include "core/kernels/attention_map.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"
#include "core/util/parallel.h"
#include "tests/test_util.h"

#include <gtest/gtest.h>
#include <numeric>
#include <random>

namespace ntk::core {
namespace {

using test::random_matrix;
using test::rel_error;

struct Case {
  Eigen::MatrixXd Q, K, V, KP, VP;
};

Case make_case(Eigen::Index L, Eigen::Index d, Eigen::Index m, double scale, std::uint64_t seed) {
  return {random_matrix(L, d, scale, seed), random_matrix(L, d, scale, seed + 1), random_matrix(L, d, 1.0, seed + 2),
          random_matrix(m, d, scale, seed + 3), random_matrix(m, d, 1.0, seed + 4)};
}

// Both maps of a case, prefix binned to at most `columns` (the NTK map needs its denominator).
AttentionMaps maps_of(const Case& c, bool causal, Eigen::Index columns) {
  const MatrixPrefix prefix(c.KP, c.VP);
  const FeatureMap phi({}, c.Q.cols());
  const ExactResult e = prefix_attention(c.Q, c.K, c.V, prefix, {causal, {}});
  const NtkResult n = ntk_attention(c.Q, c.K, c.V, phi, compress_prefix(prefix, phi), causal);
  return attention_maps(c.Q, c.K, prefix, phi, causal, e.log_normalizer, n.denominator, columns, 0);
}

// Plain softmax attention over the input alone, written out directly.
Eigen::MatrixXd plain_attention(const Case& c, bool causal) {
  const Eigen::Index L = c.Q.rows();
  Eigen::MatrixXd S = c.Q * c.K.transpose() / std::sqrt(double(c.Q.cols()));
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(L, L);
  for (Eigen::Index i = 0; i < L; ++i) {
    const Eigen::Index n = causal ? i + 1 : L;
    const double top = S.row(i).head(n).maxCoeff();
    W.row(i).head(n) = (S.row(i).head(n).array() - top).exp().matrix();
    W.row(i) /= W.row(i).sum();
  }
  return W * c.V;
}

TEST(PrefixAttention, StreamingEqualsDenseToRounding) {
  for (const bool causal : {false, true}) {
    // Inside one chunk, across chunks, across segments, with a partial last chunk.
    for (const Eigen::Index m : {Eigen::Index{1}, Eigen::Index{301}, prefix_segment_rows + 7}) {
      const Case c = make_case(19, 6, m, 0.8, 5);
      const ExactResult dense = prefix_attention_dense(c.Q, c.K, c.V, c.KP, c.VP, causal);
      const ExactResult stream = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP), {causal, {}});
      EXPECT_LT(rel_error(stream.T, dense.T), 1e-13) << "m " << m;
      EXPECT_LT(rel_error(stream.prefix_mass, dense.prefix_mass), 1e-13);
      EXPECT_LT(rel_error(stream.log_normalizer, dense.log_normalizer), 1e-13);
      EXPECT_NEAR(stream.max_abs_prefix_score, dense.max_abs_prefix_score, 1e-14);
    }
  }
}

TEST(PrefixAttention, ManyQueryBlocksAndSegmentsEqualDense) {
  const Case c = make_case(300, 8, 70000, 0.5, 8);  // 3 query blocks, 35 segments
  const ExactResult dense = prefix_attention_dense(c.Q, c.K, c.V, c.KP, c.VP, true);
  const ExactResult stream = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP), {true, {}});
  EXPECT_LT(rel_error(stream.T, dense.T), 1e-12);
}

TEST(PrefixAttention, SoftmaxRowsSumToOne) {
  const Case c = make_case(12, 5, 3000, 1.0, 9);
  const ExactResult r = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP), {});
  const AttentionMap map = maps_of(c, false, 100).exact;
  EXPECT_EQ(map.prefix_bins, 94);  // bins of 32 keys (a power of two), the last one of 24
  EXPECT_DOUBLE_EQ(map.keys_per_bin, 32.0);
  for (Eigen::Index i = 0; i < 12; ++i) {
    EXPECT_NEAR(map.weights.row(i).sum(), 1.0, 1e-12);
    EXPECT_NEAR(map.weights.row(i).head(94).sum(), r.prefix_mass(i), 1e-12);
  }
  // Weighting values by the unbinned map reproduces the output.
  const AttentionMap full = maps_of(c, false, 1 << 20).exact;
  EXPECT_EQ(full.prefix_bins, 3000);
  const Eigen::MatrixXd T = full.weights.leftCols(3000) * c.VP + full.weights.rightCols(12) * c.V;
  EXPECT_LT(rel_error(T, r.T), 1e-12);
}

TEST(PrefixAttention, CausalMaskHidesLaterInputKeysOnly) {
  const Case c = make_case(6, 4, 50, 1.0, 10);
  const ExactResult r = prefix_attention(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP), {true, {}});
  const AttentionMap map = maps_of(c, true, 50).exact;
  for (Eigen::Index i = 0; i < 6; ++i)
    for (Eigen::Index j = 0; j < 6; ++j) {
      if (j > i)
        EXPECT_EQ(map.weights(i, 50 + j), 0.0);
      else
        EXPECT_GT(map.weights(i, 50 + j), 0.0);
    }
  EXPECT_GT(map.weights.leftCols(50).minCoeff(), 0.0);  // the prefix is never masked
}

TEST(PrefixAttention, InvariantUnderPermutingPrefixRows) {
  const Case c = make_case(9, 4, 500, 1.0, 11);
  std::vector<Eigen::Index> order(500);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  Eigen::MatrixXd KP2(500, 4), VP2(500, 4);
  for (Eigen::Index i = 0; i < 500; ++i) {
    KP2.row(i) = c.KP.row(order[std::size_t(i)]);
    VP2.row(i) = c.VP.row(order[std::size_t(i)]);
  }
  const ExactResult a = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP), {false, {}});
  const ExactResult b = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(KP2, VP2), {false, {}});
  EXPECT_LT(rel_error(a.T, b.T), 1e-13);
}

TEST(PrefixAttention, EmptyPrefixIsPlainAttention) {
  for (const bool causal : {false, true}) {
    const Case c = make_case(10, 4, 0, 1.0, 12);
    const ExactResult r = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP), {causal, {}});
    EXPECT_LT(rel_error(r.T, plain_attention(c, causal)), 1e-13);
    EXPECT_EQ(r.prefix_mass.maxCoeff(), 0.0);
    const ExactResult d = prefix_attention_dense(c.Q, c.K, c.V, c.KP, c.VP, causal);
    EXPECT_LT(rel_error(d.T, plain_attention(c, causal)), 1e-13);
  }
}

TEST(PrefixAttention, PrefixShareGrowsTowardOneWithM) {
  WorkloadSpec s;
  s.L = 8;
  s.d = 8;
  double previous = 0;
  for (const Eigen::Index m : {16, 256, 4096, 65536}) {
    s.m = m;
    const InputPart in = generate_inputs(s);
    const ExactResult r = prefix_attention(in.Q, in.K, in.V, GeneratedPrefix(s, in), {});
    EXPECT_GT(r.prefix_mass.mean(), previous) << "m " << m;
    previous = r.prefix_mass.mean();
  }
  EXPECT_GT(previous, 0.999);
}

TEST(PrefixAttention, ResultDoesNotDependOnTheThreadCount) {
  WorkloadSpec s;
  s.L = 200;
  s.d = 16;
  s.m = 50000;
  s.mode = WorkloadMode::projection;
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix prefix(s, in);
  const int before = thread_count();
  set_thread_count(1);
  const ExactResult one = prefix_attention_streaming(in.Q, in.K, in.V, prefix, {true, {}});
  set_thread_count(2);
  const ExactResult two = prefix_attention_streaming(in.Q, in.K, in.V, prefix, {true, {}});
  set_thread_count(before);
  EXPECT_EQ(one.T, two.T);  // bit for bit
  EXPECT_EQ(one.prefix_mass, two.prefix_mass);
}

TEST(PrefixAttention, CancellationIsAStatusNotACrash) {
  const Case c = make_case(4, 4, 10000, 1.0, 13);
  int calls = 0;
  const ExactResult r = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP),
                                                   {false, [&](std::int64_t, std::int64_t) { return ++calls < 3; }});
  EXPECT_EQ(r.status, Status::cancelled);
  EXPECT_GE(calls, 3);
}

TEST(PrefixAttention, ProgressReachesTheTotal) {
  const Case c = make_case(4, 4, 1000, 1.0, 14);
  std::int64_t last = 0, total = 0;
  const ExactResult r = prefix_attention_streaming(c.Q, c.K, c.V, MatrixPrefix(c.KP, c.VP),
                                                   {false, [&](std::int64_t done, std::int64_t all) {
                                                      last = std::max(last, done);
                                                      total = all;
                                                      return true;
                                                    }});
  EXPECT_EQ(r.status, Status::ok);
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(last, 1000);
}

TEST(PrefixAttention, MismatchedShapesAreRefused) {
  const Case c = make_case(4, 4, 10, 1.0, 15);
  const Eigen::MatrixXd wide = random_matrix(10, 5, 1.0, 1);
  EXPECT_THROW(prefix_attention_dense(c.Q, c.K, c.V, wide, wide, false), std::invalid_argument);
  EXPECT_THROW(prefix_attention_dense(c.Q, c.K.topRows(3), c.V, c.KP, c.VP, false), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core

#include "core/kernels/ntk_attention.h"

namespace ntk::core {
namespace {

// The implied map's weights, applied to the values, give NTK-Attention's output; binned or not.
TEST(AttentionMap, NtkImpliedWeightsReproduceNtkAttention) {
  const Case c = make_case(10, 4, 2000, 0.5, 16);
  FeatureMapSpec spec;
  spec.degree = 2;
  const FeatureMap phi(spec, 4);
  const MatrixPrefix prefix(c.KP, c.VP);
  const NtkResult r = ntk_attention(c.Q, c.K, c.V, phi, compress_prefix(prefix, phi), true);
  const ExactResult e = prefix_attention(c.Q, c.K, c.V, prefix, {true, {}});
  const AttentionMap full =
      attention_maps(c.Q, c.K, prefix, phi, true, e.log_normalizer, r.denominator, 1 << 20, 0).ntk;
  const Eigen::MatrixXd T = full.weights.leftCols(2000) * c.VP + full.weights.rightCols(10) * c.V;
  EXPECT_LT(rel_error(T, r.T), 1e-12);
  const AttentionMap binned = attention_maps(c.Q, c.K, prefix, phi, true, e.log_normalizer, r.denominator, 64, 0).ntk;
  ASSERT_EQ(binned.prefix_bins, 63);  // 2000 keys in bins of 32
  for (Eigen::Index i = 0; i < 10; ++i) {
    EXPECT_NEAR(binned.weights.row(i).sum(), 1.0, 1e-12);
    EXPECT_NEAR(binned.weights.row(i).head(63).sum(), full.weights.row(i).head(2000).sum(), 1e-12);
    EXPECT_NEAR(binned.weights(i, 1), full.weights.row(i).segment(32, 32).sum(), 1e-14);
  }
}

// Bins wider than a chunk are trees over their chunks (so that the window's folds survive a
// power of two of m): both maps' bins still hold their keys' weights to rounding, the last
// bin's partial tree too (5000 keys in bins of 2048: 2048, 2048, 904).
TEST(AttentionMap, BinsWiderThanAChunkHoldTheirKeysWeights) {
  const Case c = make_case(12, 4, 5000, 0.7, 21);
  for (const bool causal : {false, true}) {
    const AttentionMaps full = maps_of(c, causal, 1 << 20), binned = maps_of(c, causal, 4);
    for (const auto& [f, b] : {std::pair{&full.exact, &binned.exact}, std::pair{&full.ntk, &binned.ntk}}) {
      ASSERT_EQ(b->prefix_bins, 3);
      EXPECT_EQ(b->keys_per_bin, 2048.0);
      for (Eigen::Index i = 0; i < 12; ++i) {
        EXPECT_NEAR(b->weights(i, 0), f->weights.row(i).segment(0, 2048).sum(), 1e-13);
        EXPECT_NEAR(b->weights(i, 1), f->weights.row(i).segment(2048, 2048).sum(), 1e-13);
        EXPECT_NEAR(b->weights(i, 2), f->weights.row(i).segment(4096, 904).sum(), 1e-13);
        EXPECT_EQ(b->weights.row(i).tail(12), f->weights.row(i).tail(12));
      }
    }
  }
}

}  // namespace
}  // namespace ntk::core
