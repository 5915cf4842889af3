#include "core/pipeline/heads.h"

#include "core/io/peft_prefix.h"
#include "core/io/text_formats.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

namespace ntk::core {
namespace {

constexpr Eigen::Index statistics_block_rows = 4096;  // prefix rows read at once for the keys' shape

}  // namespace

KeyShape key_shape(const PrefixSource& prefix) {
  const Eigen::Index m = prefix.rows(), d = prefix.dim();
  KeyShape out;
  if (m == 0) return out;
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
  Eigen::MatrixXd second = Eigen::MatrixXd::Zero(d, d);
  double largest = -1;
  PrefixScratch scratch;
  for (Eigen::Index begin = 0; begin < m; begin += statistics_block_rows) {
    const Eigen::Index count = std::min(statistics_block_rows, m - begin);
    const PrefixRows rows = prefix.block(begin, count, scratch);
    sum += rows.KP.colwise().sum().transpose();
    second.noalias() += rows.KP.transpose() * rows.KP;
    Eigen::Index r = 0, c = 0;
    const double top = rows.KP.cwiseAbs().maxCoeff(&r, &c);
    if (top > largest) largest = top, out.outlier_dim = c;
  }
  const Eigen::VectorXd mean = sum / double(m);
  const Eigen::MatrixXd covariance = second / double(m) - mean * mean.transpose();
  const Eigen::VectorXd eigenvalues = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(covariance).eigenvalues();
  const double mean_eigenvalue = eigenvalues.mean();
  out.anisotropy = mean_eigenvalue > 0 ? eigenvalues.maxCoeff() / mean_eigenvalue : 1.0;
  const double rms = std::sqrt(second.trace() / double(m * d));
  out.outlier = rms > 0 ? largest / rms : 0.0;
  return out;
}

PrefixLayers prefix_layers(const PeftPrefixCheckpoint& checkpoint) {
  const PeftPrefixConfig& c = checkpoint.config();
  return {c.layers, c.heads, [&checkpoint](std::int64_t l, std::int64_t g) { return checkpoint.prefix(l, g); },
          checkpoint.file().path().parent_path().string()};
}

PrefixLayers prefix_layers(const CapturedAttention& cache) {
  const std::int64_t kv = cache.layer(0).kv_heads;
  for (std::int64_t l = 1; l < cache.layers(); ++l)
    if (cache.layer(l).kv_heads != kv)
      throw std::invalid_argument(cache.file().path().string() +
                                  ": a KV cache used as a prefix must have the same key/value heads in every layer");
  return {cache.layers(), kv, [&cache](std::int64_t l, std::int64_t g) { return cache.prefix(l, g); },
          cache.file().path().string()};
}

HeadsReport compare_heads(const PrefixLayers& prefix, const CapturedAttention& inputs, const Parameters& params,
                          const HeadsOptions& options) {
  const std::string both = prefix.origin + " and " + inputs.file().path().string();
  if (prefix.layers != inputs.layers())
    throw std::invalid_argument(both + " disagree: the prefix has " + std::to_string(prefix.layers) +
                                " layers, the capture " + std::to_string(inputs.layers()));
  std::int64_t total = 0;
  for (std::int64_t l = 0; l < inputs.layers(); ++l) {
    const CapturedLayer& s = inputs.layer(l);
    if (s.kv_heads != prefix.kv_heads)
      throw std::invalid_argument(both + " disagree: layer " + std::to_string(l) + " of the capture has " +
                                  std::to_string(s.kv_heads) + " key/value heads, the prefix " +
                                  std::to_string(prefix.kv_heads));
    total += s.heads;
  }
  HeadsReport report;
  ComparisonOptions compare_options;
  compare_options.memory_budget_bytes = options.memory_budget_bytes;
  compare_options.timing_runs = 1;
  std::int64_t done = 0;
  for (std::int64_t l = 0; l < inputs.layers(); ++l) {
    const CapturedLayer& s = inputs.layer(l);
    for (std::int64_t g = 0; g < s.kv_heads; ++g) {
      const std::unique_ptr<PrefixSource> source = prefix.prefix(l, g);
      if (source->dim() != s.dim || source->value_dim() != s.value_dim)
        throw std::invalid_argument(both + " disagree: layer " + std::to_string(l) + "'s prefix has keys of width " +
                                    std::to_string(source->dim()) + " and values of width " +
                                    std::to_string(source->value_dim()) + ", the capture " + std::to_string(s.dim) +
                                    " and " + std::to_string(s.value_dim));
      const KeyShape keys = key_shape(*source);
      const Eigen::MatrixXd K = inputs.keys(l, g), V = inputs.values(l, g);
      const std::int64_t group = s.heads / s.kv_heads;
      for (std::int64_t h = g * group; h < (g + 1) * group; ++h) {
        if (options.progress && !options.progress(done, total)) return report.status = Status::cancelled, report;
        Parameters p = params;
        describe_inputs(p, s.queries, s.tokens, s.dim, s.value_dim, source->rows());
        const Eigen::MatrixXd Q = inputs.queries(l, h);
        report.heads.push_back({l, h, g, compare_methods(Q, K, V, *source, p, compare_options), keys});
        ++done;
      }
    }
  }
  if (options.progress) options.progress(total, total);
  return report;
}

ReplacementSummary replacement_summary(const HeadsReport& report, double tolerance) {
  ReplacementSummary out;
  // Per key/value head: whether all its query heads are within the tolerance, and its sizes.
  std::map<std::pair<std::int64_t, std::int64_t>, std::pair<bool, const HeadResult*>> groups;
  for (const HeadResult& h : report.heads) {
    const bool within = h.comparison.status == Status::ok && h.comparison.errors.rel_fro <= tolerance;
    out.heads += 1;
    out.within += within;
    auto [it, fresh] = groups.try_emplace({h.layer, h.kv_head}, within, &h);
    if (!fresh) it->second.first = it->second.first && within;
  }
  out.kv_heads = std::int64_t(groups.size());
  for (const auto& [key, group] : groups) {
    if (!group.first) continue;
    const Comparison& c = group.second->comparison;
    const WorkloadSpec& w = c.params.workload;
    out.replaceable += 1;
    out.prefix_parameters += double(w.m) * double(w.d + value_width(w));
    out.ntk_parameters += c.cost.ntk.parameters;
  }
  return out;
}

std::string heads_csv(const HeadsReport& report) {
  std::string out =
      csv_line({"layer", "head", "kv_head", "n", "L", "m", "d", "d_v", "feature", "r", "rel_fro", "max_abs",
                "exact_prefix_mass", "ntk_prefix_share", "key_anisotropy", "key_outlier", "key_outlier_dim", "status"});
  for (const HeadResult& h : report.heads) {
    const Comparison& c = h.comparison;
    const WorkloadSpec& w = c.params.workload;
    out += csv_line({std::to_string(h.layer), std::to_string(h.head), std::to_string(h.kv_head),
                     std::to_string(query_count(w)), std::to_string(w.L), std::to_string(w.m), std::to_string(w.d),
                     std::to_string(value_width(w)), to_string(c.params.feature.kind), std::to_string(c.r),
                     format_number(c.errors.rel_fro), format_number(c.errors.max_abs),
                     format_number(c.exact.prefix_mass.mean()), format_number(c.approx.prefix_share.mean()),
                     format_number(h.keys.anisotropy), format_number(h.keys.outlier),
                     std::to_string(h.keys.outlier_dim), to_string(c.status)});
  }
  return out;
}

}  // namespace ntk::core
