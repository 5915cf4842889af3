// The one prefix pass (prefix_reduction.h): each row read once for every consumer, the same
// bits for every thread count, and folds reused as m moves that give the bits of a computation
// from scratch.

#include "core/kernels/attention_map.h"
#include "core/kernels/ntk_attention.h"
#include "core/kernels/prefix_attention.h"
#include "core/kernels/prefix_reduction.h"
#include "core/pipeline/comparison.h"
#include "core/util/parallel.h"

#include <gtest/gtest.h>
#include <atomic>

#include <thread>
#include <utility>

namespace ntk::core {
namespace {

// A cache key that names only the consumer (every test here folds one prefix).
FoldKey key_of(FoldKind kind) {
  FoldKey key;
  key.kind = kind;
  return key;
}

// Counts the rows a pass asks its source for.
class CountingPrefix final : public PrefixSource {
 public:
  explicit CountingPrefix(const PrefixSource& inner) : m_inner(inner) {}
  Eigen::Index rows() const override { return m_inner.rows(); }
  Eigen::Index dim() const override { return m_inner.dim(); }
  PrefixRows block(Eigen::Index begin, Eigen::Index count, PrefixScratch& scratch) const override {
    m_read += count;
    return m_inner.block(begin, count, scratch);
  }
  Eigen::Index read() const { return m_read; }

 private:
  const PrefixSource& m_inner;
  mutable std::atomic<Eigen::Index> m_read{0};
};

WorkloadSpec workload(Eigen::Index m) {
  WorkloadSpec s;
  s.L = 40;
  s.d = 8;
  s.m = m;
  return s;
}

TEST(PrefixReduction, EveryRowIsReadOnceForAllConsumers) {
  const WorkloadSpec s = workload(3 * prefix_segment_rows + 100);
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix generated(s, in);
  const CountingPrefix counting(generated);
  const FeatureMap phi({}, s.d);
  const ExactPrefixConsumer exact(in.Q, in.V.cols());
  const CompressionConsumer compression(phi, in.V.cols());
  const PrefixPass pass = reduce_prefix(counting, {&exact, &compression});
  EXPECT_EQ(counting.read(), s.m);
  EXPECT_EQ(pass.rows_read, s.m);
  // The fused pass gives what each consumer gives alone, bit for bit.
  const ExactResult alone = prefix_attention_streaming(in.Q, in.K, in.V, generated, {});
  const ExactResult fused = finish_exact(ExactPrefixConsumer::state(*pass.totals[0]), in.Q, in.K, in.V, false);
  EXPECT_EQ(fused.T, alone.T);
  EXPECT_EQ(CompressionConsumer::state(*pass.totals[1]).Z, compress_prefix(generated, phi).Z);
}

// Exact attention and the exact map take a chunk's exponentiated scores from one ChunkScores
// (made once) when they share a pass, and make their own alone: the same bits either way, for a
// query count that is not a multiple of the query block.
TEST(PrefixReduction, ExactAttentionAndTheExactMapShareAChunksScores) {
  WorkloadSpec s = workload(2 * prefix_segment_rows + 300);
  s.L = prefix_query_block * 2 + 44;
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix prefix(s, in);
  const FeatureMap phi({}, s.d);
  const ExactPrefixConsumer exact(in.Q, in.V.cols());
  const MapConsumers maps(in.Q, phi, s.m, 64);
  std::vector<const PrefixConsumer*> consumers{&exact};
  for (const PrefixConsumer* c : maps.consumers()) consumers.push_back(c);
  const PrefixPass shared = reduce_prefix(prefix, consumers);
  const ExactResult alone = prefix_attention_streaming(in.Q, in.K, in.V, prefix, {});
  const ExactResult together = finish_exact(ExactPrefixConsumer::state(*shared.totals[0]), in.Q, in.K, in.V, false);
  EXPECT_EQ(together.T, alone.T);
  EXPECT_EQ(together.max_abs_prefix_score, alone.max_abs_prefix_score);
  const Eigen::VectorXd denominator = Eigen::VectorXd::Ones(s.L);
  const AttentionMaps own = attention_maps(in.Q, in.K, prefix, phi, false, alone.log_normalizer, denominator, 64, 0);
  const AttentionMaps both =
      maps.finish(*shared.totals[1], *shared.totals[2], in.Q, in.K, phi, false, alone.log_normalizer, denominator, 0);
  EXPECT_EQ(both.exact.weights, own.exact.weights);
  EXPECT_EQ(both.ntk.weights, own.ntk.weights);
}

TEST(PrefixReduction, FoldsReusedAsMMovesGiveTheBitsOfAComputationFromScratch) {
  PrefixFoldCache cache(std::size_t{64} << 20);
  const WorkloadSpec base = workload(0);
  const InputPart in = generate_inputs(base);
  const FeatureMap phi({}, base.d);
  const ExactPrefixConsumer exact(in.Q, in.V.cols(), key_of(FoldKind::exact));
  const CompressionConsumer compression(phi, in.V.cols(), key_of(FoldKind::compression));
  Eigen::Index previous = 0;
  for (const Eigen::Index m : {Eigen::Index{5000}, Eigen::Index{20000}, Eigen::Index{9000}, Eigen::Index{20001},
                               Eigen::Index{4095}, Eigen::Index{0}}) {
    SCOPED_TRACE(m);
    WorkloadSpec s = base;
    s.m = m;
    const GeneratedPrefix prefix(s, in);
    const CountingPrefix counting(prefix);
    const PrefixPass cached = reduce_prefix(counting, {&exact, &compression}, {}, &cache);
    const PrefixPass scratch = reduce_prefix(prefix, {&exact, &compression});
    EXPECT_EQ(finish_exact(ExactPrefixConsumer::state(*cached.totals[0]), in.Q, in.K, in.V, true).T,
              finish_exact(ExactPrefixConsumer::state(*scratch.totals[0]), in.Q, in.K, in.V, true).T);
    EXPECT_EQ(CompressionConsumer::state(*cached.totals[1]).Z, CompressionConsumer::state(*scratch.totals[1]).Z);
    EXPECT_EQ(CompressionConsumer::state(*cached.totals[1]).k, CompressionConsumer::state(*scratch.totals[1]).k);
    // Only the rows past the longest fold held are read: the whole segments below min(m, the
    // largest m so far) were folded before.
    const Eigen::Index reusable = std::min(m, previous) / prefix_segment_rows * prefix_segment_rows;
    EXPECT_EQ(cached.reused_rows, reusable);
    EXPECT_EQ(counting.read(), m - reusable);
    previous = std::max(previous, m);
  }
  EXPECT_LE(cache.bytes(), cache.budget());
  EXPECT_GT(cache.folds(), 0u);
}

// A pass keeps the folds of its first 16 segments, then 8 per octave, and its last: over 100
// segments, 1..16, 18..32 by 2, 36..64 by 4, 72..96 by 8 and 100. A smaller m resumes from the
// nearest of them below it and still gives the bits of a computation from scratch.
TEST(PrefixReduction, FoldsAreKeptEightPerOctaveAndTheLast) {
  PrefixFoldCache cache(std::size_t{256} << 20);
  WorkloadSpec s = workload(100 * prefix_segment_rows + 5);
  const InputPart in = generate_inputs(s);
  const ExactPrefixConsumer exact(in.Q, in.V.cols(), key_of(FoldKind::exact));
  reduce_prefix(GeneratedPrefix(s, in), {&exact}, {}, &cache);
  EXPECT_EQ(cache.folds(), std::size_t{16 + 8 + 8 + 4 + 1});
  s.m = 91 * prefix_segment_rows + 7;
  const GeneratedPrefix shorter(s, in);
  const CountingPrefix counting(shorter);
  const PrefixPass resumed = reduce_prefix(counting, {&exact}, {}, &cache);
  EXPECT_EQ(resumed.reused_rows, 88 * prefix_segment_rows);
  EXPECT_EQ(counting.read(), s.m - 88 * prefix_segment_rows);
  EXPECT_EQ(finish_exact(ExactPrefixConsumer::state(*resumed.totals[0]), in.Q, in.K, in.V, false).T,
            prefix_attention_streaming(in.Q, in.K, in.V, shorter, {}).T);
}

TEST(PrefixReduction, AnOverfullCacheThinsItselfAndStaysExact) {
  const WorkloadSpec base = workload(0);
  const InputPart in = generate_inputs(base);
  const ExactPrefixConsumer exact(in.Q, in.V.cols(), key_of(FoldKind::exact));
  const std::size_t fold_bytes = exact.start()->bytes();
  PrefixFoldCache cache(5 * fold_bytes);  // room for 5 of the 12 folds of m = 12 segments
  WorkloadSpec s = base;
  s.m = 12 * prefix_segment_rows;
  const GeneratedPrefix whole(s, in);
  reduce_prefix(whole, {&exact}, {}, &cache);
  EXPECT_LE(cache.bytes(), cache.budget());
  EXPECT_GE(cache.folds(), 2u);
  s.m = 7 * prefix_segment_rows + 3;
  const GeneratedPrefix shorter(s, in);
  const PrefixPass cached = reduce_prefix(shorter, {&exact}, {}, &cache);
  EXPECT_GT(cached.reused_rows, 0);
  EXPECT_EQ(finish_exact(ExactPrefixConsumer::state(*cached.totals[0]), in.Q, in.K, in.V, false).T,
            prefix_attention_streaming(in.Q, in.K, in.V, shorter, {}).T);
}

TEST(PrefixReduction, ACancelledPassKeepsOnlyCompleteFolds) {
  PrefixFoldCache cache(std::size_t{64} << 20);
  const WorkloadSpec s = workload(10 * prefix_segment_rows);
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix prefix(s, in);
  const ExactPrefixConsumer exact(in.Q, in.V.cols(), key_of(FoldKind::exact));
  int calls = 0;
  const PrefixPass stopped = reduce_prefix(
      prefix, {&exact}, [&](std::int64_t, std::int64_t) { return ++calls < 20; }, &cache);
  EXPECT_EQ(stopped.status, Status::cancelled);
  EXPECT_TRUE(stopped.totals.empty());
  const PrefixPass resumed = reduce_prefix(prefix, {&exact}, {}, &cache);
  EXPECT_EQ(finish_exact(ExactPrefixConsumer::state(*resumed.totals[0]), in.Q, in.K, in.V, false).T,
            prefix_attention_streaming(in.Q, in.K, in.V, prefix, {}).T);
}

// The maps' consumers give the same maps in a pass of their own and in a pass shared with exact
// attention and the compression (as the window runs them), reading each row once; both stop
// when cancelled.
TEST(PrefixReduction, MapsInASharedPassEqualMapsInTheirOwnAndCanBeCancelled) {
  const WorkloadSpec s = workload(5000);
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix generated(s, in);
  const CountingPrefix prefix(generated);
  const FeatureMap phi({}, s.d);
  const ExactResult exact = prefix_attention(in.Q, in.K, in.V, generated, {});
  const NtkResult approx = ntk_attention(in.Q, in.K, in.V, phi, compress_prefix(generated, phi), false);
  const AttentionMaps own =
      attention_maps(in.Q, in.K, generated, phi, false, exact.log_normalizer, approx.denominator, 300, 0);
  const ExactPrefixConsumer softmax(in.Q, in.V.cols());
  const CompressionConsumer compression(phi, in.V.cols());
  const MapConsumers maps(in.Q, phi, s.m, 300);
  std::vector<const PrefixConsumer*> all{&softmax, &compression};
  for (const PrefixConsumer* c : maps.consumers()) all.push_back(c);
  const PrefixPass pass = reduce_prefix(prefix, all);
  EXPECT_EQ(prefix.read(), s.m);
  const AttentionMaps shared = maps.finish(*pass.totals[2], *pass.totals[3], in.Q, in.K, phi, false,
                                           exact.log_normalizer, approx.denominator, 0);
  EXPECT_EQ(shared.exact.weights, own.exact.weights);
  EXPECT_EQ(shared.ntk.weights, own.ntk.weights);
  EXPECT_EQ(own.exact.prefix_bins, 157);  // 5000 keys in bins of 32
  for (Eigen::Index i = 0; i < s.L; ++i) EXPECT_NEAR(own.exact.weights.row(i).sum(), 1.0, 1e-12);
  const AttentionMaps stopped =
      attention_maps(in.Q, in.K, generated, phi, false, exact.log_normalizer, approx.denominator, 300, 0,
                     [](std::int64_t, std::int64_t) { return false; });
  EXPECT_EQ(stopped.status, Status::cancelled);
}

// Binned queries and input keys (the window's maps at large L): each row is the mean of the
// unbinned map's rows in its bin, each input column the sum of its keys' columns, for both maps,
// causal, with bins of unequal sizes (600 queries into 64 bins).
TEST(PrefixReduction, MapsWithBinnedQueriesAreTheBinnedFullMaps) {
  WorkloadSpec s = workload(5000);
  s.L = 600;
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix prefix(s, in);
  const FeatureMap phi({}, s.d);
  const ExactResult exact = prefix_attention(in.Q, in.K, in.V, prefix, {true, {}});
  const NtkResult approx = ntk_attention(in.Q, in.K, in.V, phi, compress_prefix(prefix, phi), true);
  const AttentionMaps full =
      attention_maps(in.Q, in.K, prefix, phi, true, exact.log_normalizer, approx.denominator, 100, 0);
  const AttentionMaps binned =
      attention_maps(in.Q, in.K, prefix, phi, true, exact.log_normalizer, approx.denominator, 100, 64);
  for (const auto& [f, b] : {std::pair{&full.exact, &binned.exact}, std::pair{&full.ntk, &binned.ntk}}) {
    const Eigen::Index P = f->prefix_bins;  // 5000 keys in bins of 64: 79
    ASSERT_EQ(P, 79);
    ASSERT_EQ(b->query_bins, 64);
    EXPECT_DOUBLE_EQ(b->queries_per_bin, 600.0 / 64);
    ASSERT_EQ(b->weights.rows(), 64);
    ASSERT_EQ(b->weights.cols(), P + 64);
    Eigen::MatrixXd expected = Eigen::MatrixXd::Zero(64, P + 64);
    Eigen::VectorXd count = Eigen::VectorXd::Zero(64);
    for (Eigen::Index i = 0; i < 600; ++i) {
      count(i * 64 / 600) += 1;
      expected.row(i * 64 / 600).head(P) += f->weights.row(i).head(P);
      for (Eigen::Index j = 0; j < 600; ++j) expected(i * 64 / 600, P + j * 64 / 600) += f->weights(i, P + j);
    }
    expected.array().colwise() /= count.array();
    EXPECT_LT((b->weights - expected).cwiseAbs().maxCoeff(), 1e-14);
    EXPECT_LT((b->weights.rowwise().sum().array() - 1.0).abs().maxCoeff(), 1e-12);
  }
}

// At L = 16384 whole maps would be 2 x 16384 x 16640 doubles (4.4 GB); binned to 256 queries
// their working memory is a few hundred MB, and a budget below it is refused before any work.
TEST(PrefixReduction, MapMemoryIsBoundedAndChecked) {
  EXPECT_LT(attention_maps_bytes(16384, 153, 256, 256, 2), 0.5e9);
  EXPECT_GT(attention_maps_bytes(16384, 153, 256, 16384, 2), 4e9);
  Parameters p = default_parameters();
  p.workload.L = 4096;
  p.workload.m = 1000;
  ComparisonOptions options;
  options.map_columns = 256;
  options.map_rows = 256;
  options.memory_budget_bytes = attention_maps_bytes(4096, 153, 256, 256, thread_count()) / 2;
  try {
    (void)compare_methods(p, options);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the attention maps at L = 4096"), std::string::npos) << e.what();
  }
}

// The window's cached comparison (rows drawn in its pass) equals `compare` from scratch (rows
// kept up to 64 MB, so read from memory), bit for bit, as m moves.
TEST(PrefixReduction, ACachedComparisonEqualsOneFromScratch) {
  LiveCache cache(std::size_t{4} << 20);
  Parameters p = default_parameters();
  p.workload.L = 24;
  p.workload.d = 8;
  p.causal = true;
  // (m = 0, as on the first lesson's first card, and m = 100 take the dense path, uncached.)
  for (const Eigen::Index m : {Eigen::Index{3000}, Eigen::Index{12000}, Eigen::Index{40000}, Eigen::Index{7000},
                               Eigen::Index{40000}, Eigen::Index{0}, Eigen::Index{100}}) {
    SCOPED_TRACE(m);
    p.workload.m = m;
    ComparisonOptions live;
    live.cache = &cache;
    live.map_columns = 64;
    live.timing_runs = 1;
    ComparisonOptions plain;
    plain.map_columns = 64;
    plain.timing_runs = 1;
    const Comparison a = compare_methods(p, live), b = compare_methods(p, plain);
    EXPECT_EQ(a.pass.has_value(), exact_streams(p.workload.L, m, p.workload.L, p.precision));
    EXPECT_FALSE(b.pass.has_value());
    ASSERT_TRUE(a.exact_map && a.ntk_map);
    EXPECT_EQ(a.exact_map->prefix_bins == 0, m == 0);
    EXPECT_EQ(a.exact.T, b.exact.T);
    EXPECT_EQ(a.approx.T, b.approx.T);
    EXPECT_EQ(a.compressed.Z, b.compressed.Z);
    EXPECT_EQ(a.exact_map->weights, b.exact_map->weights);
    EXPECT_EQ(a.ntk_map->weights, b.ntk_map->weights);
    EXPECT_EQ(a.errors.max_abs, b.errors.max_abs);
    EXPECT_LE(cache.bytes(), std::size_t{4} << 20);
  }
}

// The window's options (cached, maps of 64 columns, one timing run) and the same without the cache.
std::pair<ComparisonOptions, ComparisonOptions> windowOptions(LiveCache& cache) {
  ComparisonOptions live;
  live.cache = &cache;
  live.map_columns = 64;
  live.timing_runs = 1;
  ComparisonOptions plain = live;
  plain.cache = nullptr;
  return {live, plain};
}

// The maps share the cached pass and its folds. Within an octave of m (m = 40000 -> 50000: the
// same bins of 1024 keys for 64 columns) a larger m reduces only the rows past the longest held
// fold, for the maps too. Across a power of two (-> 200000: bins of 4096 keys) the held folds of
// the narrower bins are coarsened (a wide bin is a tree over chunks), so the pass still starts
// from them; and back below it, the narrower folds are still held. Every step gives the maps of a
// comparison from scratch.
TEST(PrefixReduction, MapsAreReusedAsMMovesWithinAndAcrossOctaves) {
  LiveCache cache(std::size_t{64} << 20);
  Parameters p = default_parameters();
  p.workload.L = 24;
  p.workload.d = 8;
  const auto [live, plain] = windowOptions(cache);
  p.workload.m = 40000;
  (void)compare_methods(p, live);
  const struct {
    Eigen::Index m, reused_segments;
    double width;
  } steps[] = {{50000, 19, 1024}, {200000, 24, 4096}, {50000, 24, 1024}};
  for (const auto& step : steps) {
    SCOPED_TRACE(step.m);
    p.workload.m = step.m;
    const Comparison grown = compare_methods(p, live);
    ASSERT_TRUE(grown.pass);
    EXPECT_EQ(grown.pass->reused_rows, step.reused_segments * prefix_segment_rows);
    EXPECT_EQ(grown.pass->rows_read, step.m - step.reused_segments * prefix_segment_rows);
    const Comparison scratch = compare_methods(p, plain);
    EXPECT_EQ(grown.exact_map->keys_per_bin, step.width);
    EXPECT_EQ(grown.exact_map->weights, scratch.exact_map->weights);
    EXPECT_EQ(grown.ntk_map->weights, scratch.ntk_map->weights);
  }
}

// A planted match moves its keys with m, so its rows are named with m: the cache never hands a
// fold of one m's prefix to another, and every step equals a comparison from scratch.
TEST(PrefixReduction, APlantedMatchIsNeverReusedAcrossM) {
  LiveCache cache(std::size_t{64} << 20);
  Parameters p = default_parameters();
  p.workload.L = 16;
  p.workload.d = 8;
  p.workload.match = 4;
  const auto [live, plain] = windowOptions(cache);
  for (const Eigen::Index m : {40000, 50000, 40000}) {
    SCOPED_TRACE(m);
    p.workload.m = m;
    const Comparison cached = compare_methods(p, live);
    const Comparison scratch = compare_methods(p, plain);
    EXPECT_EQ(cached.exact.T, scratch.exact.T);
    EXPECT_EQ(cached.approx.T, scratch.approx.T);
    EXPECT_EQ(cached.exact_map->weights, scratch.exact_map->weights);
  }
}

// The window cancels a cached comparison at any point: in the pass, in the maps' pass.
TEST(PrefixReduction, ACancelledCachedComparisonIsAStatus) {
  LiveCache cache(std::size_t{16} << 20);
  Parameters p = default_parameters();
  p.workload.m = 20000;
  for (const int allowed : {1, 2, 5, 9, 12, 20}) {
    SCOPED_TRACE(allowed);
    ComparisonOptions options;
    options.cache = &cache;
    options.map_columns = 64;
    int calls = 0;
    options.progress = [&](std::int64_t, std::int64_t) { return ++calls < allowed; };
    p.workload.seed = std::uint64_t(allowed);  // nothing cached: every pass runs whole
    const Comparison c = compare_methods(p, options);
    EXPECT_EQ(c.status, Status::cancelled);
    EXPECT_FALSE(c.limit_distance.has_value());
  }
}

// For every thread count, and from a thread other than the first (the window's workers).
TEST(PrefixReduction, TheSameBitsForEveryThreadCount) {
  const WorkloadSpec s = workload(9 * prefix_segment_rows + 17);
  const InputPart in = generate_inputs(s);
  const GeneratedPrefix prefix(s, in);
  const FeatureMap phi({}, s.d);
  std::vector<Eigen::MatrixXd> T, Z;
  const auto run = [&](int threads) {
    const ThreadCountScope scope(threads);
    T.push_back(prefix_attention_streaming(in.Q, in.K, in.V, prefix, {true, {}}).T);
    Z.push_back(compress_prefix(prefix, phi).Z);
  };
  for (const int threads : {1, 2, 3}) run(threads);
  std::thread([&] { run(3); }).join();
  for (std::size_t i = 1; i < T.size(); ++i) {
    EXPECT_EQ(T[0], T[i]);
    EXPECT_EQ(Z[0], Z[i]);
  }
}

}  // namespace
}  // namespace ntk::core
