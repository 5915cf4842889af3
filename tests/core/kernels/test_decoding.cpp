// Fewer queries than input keys (decoding: the queries of the last n tokens) and values of
// another width than the keys (d_v != d), against attention written out entry by entry.

#include "core/kernels/attention_map.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"
#include "core/pipeline/comparison.h"
#include "tests/test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ntk::core {
namespace {

using test::random_matrix;
using test::rel_error;

struct Case {
  Eigen::MatrixXd Q, K, V, KP, VP;  // n x d, L x d, L x dv, m x d, m x dv
};

Case make_case(Eigen::Index n, Eigen::Index L, Eigen::Index d, Eigen::Index dv, Eigen::Index m, std::uint64_t seed) {
  return {random_matrix(n, d, 0.7, seed), random_matrix(L, d, 0.7, seed + 1), random_matrix(L, dv, 1.0, seed + 2),
          random_matrix(m, d, 0.7, seed + 3), random_matrix(m, dv, 1.0, seed + 4)};
}

// Softmax weights of query i over the prefix keys, then the input keys up to its position
// L - n + i when causal, one entry at a time.
Eigen::MatrixXd written_out_weights(const Case& c, bool causal) {
  const Eigen::Index n = c.Q.rows(), L = c.K.rows(), m = c.KP.rows();
  const double root = std::sqrt(double(c.Q.cols()));
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(n, m + L);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index visible = causal ? L - n + i + 1 : L;
    double top = -std::numeric_limits<double>::infinity();
    for (Eigen::Index j = 0; j < m + visible; ++j) {
      W(i, j) = (j < m ? c.KP.row(j) : c.K.row(j - m)).dot(c.Q.row(i)) / root;
      top = std::max(top, W(i, j));
    }
    double sum = 0;
    for (Eigen::Index j = 0; j < m + visible; ++j) sum += W(i, j) = std::exp(W(i, j) - top);
    W.row(i) /= sum;
  }
  return W;
}

Eigen::MatrixXd written_out_attention(const Case& c, bool causal) {
  Eigen::MatrixXd values(c.KP.rows() + c.K.rows(), c.V.cols());
  values << c.VP, c.V;
  return written_out_weights(c, causal) * values;
}

// NTK-Attention, Algorithm 2 written out with Z = phi(K_P)^T V_P (r x d_v).
Eigen::MatrixXd written_out_ntk(const Case& c, const FeatureMap& phi, bool causal) {
  const Eigen::Index n = c.Q.rows(), L = c.K.rows();
  const Eigen::MatrixXd Z = phi.apply(c.KP).transpose() * c.VP;
  const Eigen::VectorXd k = phi.apply(c.KP).colwise().sum().transpose();
  const Eigen::MatrixXd F = phi.apply(c.Q);
  Eigen::MatrixXd T(n, c.V.cols());
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index visible = causal ? L - n + i + 1 : L;
    Eigen::RowVectorXd numerator = F.row(i) * Z;
    double denominator = F.row(i).dot(k);
    for (Eigen::Index j = 0; j < visible; ++j) {
      const double a = std::exp(c.K.row(j).dot(c.Q.row(i)) / std::sqrt(double(c.Q.cols())));
      numerator += a * c.V.row(j);
      denominator += a;
    }
    T.row(i) = numerator / denominator;
  }
  return T;
}

TEST(Decoding, ExactAttentionOfFewerQueriesAndOtherValueWidthsIsWrittenOutAttention) {
  for (const bool causal : {false, true})
    for (const Eigen::Index n : {Eigen::Index{1}, Eigen::Index{5}, Eigen::Index{23}})
      for (const Eigen::Index dv : {Eigen::Index{3}, Eigen::Index{6}, Eigen::Index{11}})
        for (const Eigen::Index m : {Eigen::Index{0}, Eigen::Index{37}, prefix_segment_rows + 5}) {
          const Case c = make_case(n, 23, 6, dv, m, 40 + std::uint64_t(n + dv));
          const Eigen::MatrixXd expected = written_out_attention(c, causal);
          const MatrixPrefix prefix(c.KP, c.VP);
          const ExactResult dense = prefix_attention_dense(c.Q, c.K, c.V, c.KP, c.VP, causal);
          const ExactResult stream = prefix_attention_streaming(c.Q, c.K, c.V, prefix, {causal, {}});
          ASSERT_EQ(stream.T.rows(), n);
          ASSERT_EQ(stream.T.cols(), dv);
          EXPECT_LT(rel_error(dense.T, expected), 1e-13) << "n " << n << " dv " << dv << " m " << m;
          EXPECT_LT(rel_error(stream.T, expected), 1e-13) << "n " << n << " dv " << dv << " m " << m;
          const Eigen::VectorXd mass = written_out_weights(c, causal).leftCols(m).rowwise().sum();
          if (m > 0) {
            EXPECT_LT(rel_error(stream.prefix_mass, mass), 1e-13);
          }
        }
}

TEST(Decoding, NtkAttentionOfFewerQueriesAndOtherValueWidthsIsWrittenOutAlgorithm2) {
  const FeatureMap phi({}, 6);  // Taylor, degree 2
  for (const bool causal : {false, true})
    for (const Eigen::Index n : {Eigen::Index{1}, Eigen::Index{9}})
      for (const Eigen::Index dv : {Eigen::Index{2}, Eigen::Index{13}}) {
        const Case c = make_case(n, 17, 6, dv, 300, 90 + std::uint64_t(n * dv));
        const NtkParams params = compress_prefix(MatrixPrefix(c.KP, c.VP), phi);
        ASSERT_EQ(params.Z.rows(), phi.dim());
        ASSERT_EQ(params.Z.cols(), dv);
        const NtkResult result = ntk_attention(c.Q, c.K, c.V, phi, params, causal);
        EXPECT_EQ(result.status, Status::ok);
        EXPECT_LT(rel_error(result.T, written_out_ntk(c, phi, causal)), 1e-12) << "n " << n << " dv " << dv;
        const LowRankZ low = truncate_rank(params.Z, std::min<Eigen::Index>(dv, phi.dim()));
        EXPECT_LT(rel_error(ntk_attention(c.Q, c.K, c.V, phi, low, params.k, causal).T, result.T), 1e-12);
      }
}

TEST(Decoding, TheLastQueriesOfAFullInputGiveTheLastRowsOfItsAttention) {
  const Case full = make_case(40, 40, 5, 7, 900, 7);
  const FeatureMap phi({}, 5);
  for (const bool causal : {false, true}) {
    const MatrixPrefix prefix(full.KP, full.VP);
    const NtkParams params = compress_prefix(prefix, phi);
    const ExactResult all = prefix_attention(full.Q, full.K, full.V, prefix, {causal, {}});
    const NtkResult all_ntk = ntk_attention(full.Q, full.K, full.V, phi, params, causal);
    for (const Eigen::Index n : {Eigen::Index{1}, Eigen::Index{3}, Eigen::Index{39}}) {
      const Eigen::MatrixXd Q = full.Q.bottomRows(n);
      EXPECT_LT(rel_error(prefix_attention(Q, full.K, full.V, prefix, {causal, {}}).T, all.T.bottomRows(n)), 1e-14);
      EXPECT_LT(rel_error(ntk_attention(Q, full.K, full.V, phi, params, causal).T, all_ntk.T.bottomRows(n)), 1e-14);
    }
  }
}

TEST(Decoding, MapsOfFewerQueriesHaveRowsOfWeightsOverEveryKey) {
  for (const bool causal : {false, true}) {
    const Case c = make_case(3, 50, 4, 4, 700, 11);
    const MatrixPrefix prefix(c.KP, c.VP);
    const FeatureMap phi({}, 4);
    const ExactResult e = prefix_attention(c.Q, c.K, c.V, prefix, {causal, {}});
    const NtkResult t = ntk_attention(c.Q, c.K, c.V, phi, compress_prefix(prefix, phi), causal);
    const AttentionMaps maps = attention_maps(c.Q, c.K, prefix, phi, causal, e.log_normalizer, t.denominator, 64, 0);
    ASSERT_EQ(maps.exact.query_bins, 3);
    ASSERT_EQ(maps.exact.input_bins, 50);
    ASSERT_EQ(maps.exact.weights.cols(), maps.exact.prefix_bins + 50);
    const Eigen::MatrixXd W = written_out_weights(c, causal);
    // The input columns are the written-out weights of the input keys; every row sums to 1.
    EXPECT_LT(rel_error(maps.exact.weights.rightCols(50), W.rightCols(50)), 1e-13);
    for (const AttentionMap* map : {&maps.exact, &maps.ntk})
      EXPECT_LT((map->weights.rowwise().sum().array() - 1).abs().maxCoeff(), 1e-12);
  }
}

TEST(Decoding, AGeneratedWorkloadOfFewerQueriesIsTheLastQueriesOfTheFullOne) {
  for (const WorkloadMode mode : {WorkloadMode::direct, WorkloadMode::projection}) {
    Parameters p = default_parameters();
    p.workload.mode = mode;
    p.workload.L = 48;
    p.workload.d = 6;
    p.workload.m = 2000;
    p.causal = true;
    const InputPart all = generate_inputs(p.workload);
    p.workload.queries = 1;
    const InputPart one = generate_inputs(p.workload);
    // Drawn as row L - 1 of the full draw: the same bits in direct mode, the same token projected
    // in projection mode.
    if (mode == WorkloadMode::direct) {
      EXPECT_EQ(one.Q, all.Q.bottomRows(1));
    }
    EXPECT_LT(rel_error(one.Q, all.Q.bottomRows(1)), 1e-15);
    EXPECT_EQ(one.K, all.K);
    EXPECT_EQ(one.V, all.V);
    ComparisonOptions options;
    options.timing_runs = 1;
    const Comparison decoded = compare_methods(p, options);
    p.workload.queries = 0;
    const Comparison whole = compare_methods(p, options);
    EXPECT_EQ(decoded.status, Status::ok);
    EXPECT_LT(rel_error(decoded.exact.T, whole.exact.T.bottomRows(1)), 1e-13);
    EXPECT_LT(rel_error(decoded.approx.T, whole.approx.T.bottomRows(1)), 1e-13);
    ASSERT_TRUE(decoded.limit_distance.has_value());
    EXPECT_EQ(decoded.cost.ntk.parameters, whole.cost.ntk.parameters);
  }
}

TEST(Decoding, AGeneratedWorkloadWithAnotherValueWidthComparesAtThatWidth) {
  for (const WorkloadMode mode : {WorkloadMode::direct, WorkloadMode::projection}) {
    Parameters p = default_parameters();
    p.workload.mode = mode;
    p.workload.L = 16;
    p.workload.d = 4;
    p.workload.dv = 9;
    p.workload.m = 5000;
    p.rank = 9;  // min(r, d_v): r = 15 at d = 4, degree 2
    ComparisonOptions options;
    options.timing_runs = 1;
    options.map_columns = 32;
    const Comparison c = compare_methods(p, options);
    EXPECT_EQ(c.status, Status::ok);
    EXPECT_EQ(c.exact.T.cols(), 9);
    EXPECT_EQ(c.approx.T.cols(), 9);
    EXPECT_EQ(c.compressed.Z.cols(), 9);
    EXPECT_EQ(c.cost.ntk.parameters, double(9 * (15 + 9) + 15));  // rank s: s (r + d_v) + r
    ASSERT_TRUE(c.limit_distance.has_value());
    // Against the same inputs written out.
    const InputPart in = generate_inputs(p.workload);
    Eigen::MatrixXd KP, VP;
    materialize(GeneratedPrefix(p.workload, in), KP, VP);
    ASSERT_EQ(VP.cols(), 9);
    const Case arrays{in.Q, in.K, in.V, KP, VP};
    EXPECT_LT(rel_error(c.exact.T, written_out_attention(arrays, false)), 1e-13);
    p.rank = 10;
    EXPECT_THROW(validate(p), std::invalid_argument);
  }
}

TEST(Decoding, ShapesThatCannotBeAttentionAreRefusedNamingThem) {
  const Case c = make_case(4, 6, 3, 5, 10, 3);
  const MatrixPrefix prefix(c.KP, c.VP);
  const auto refused = [&](const Eigen::MatrixXd& Q, const Eigen::MatrixXd& K, const Eigen::MatrixXd& V,
                           const PrefixSource& source, bool causal, const char* says) {
    try {
      (void)prefix_attention(Q, K, V, source, {causal, {}});
      ADD_FAILURE() << "accepted; expected: " << says;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused(c.Q, c.K, c.V.topRows(5), prefix, false, "V L x d_v");
  refused(c.Q, c.K, c.V.leftCols(4), prefix, false, "prefix values have width 5");
  refused(c.Q.leftCols(2), c.K.leftCols(2), c.V, prefix, false, "prefix keys have width 3");
  const Eigen::MatrixXd many = random_matrix(7, 3, 1.0, 9);
  refused(many, c.K, c.V, prefix, true, "n <= L");
  EXPECT_NO_THROW((void)prefix_attention(many, c.K, c.V, prefix, {false, {}}));  // unmasked: any n
  Parameters p = default_parameters();
  p.workload.queries = p.workload.L + 1;
  EXPECT_THROW(validate(p), std::invalid_argument);
  EXPECT_THROW(MatrixPrefix(c.KP, c.VP.topRows(9)), std::invalid_argument);
}

}  // namespace
}  // namespace ntk::core
