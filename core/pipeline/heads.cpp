#include "core/pipeline/heads.h"

#include "core/io/peft_prefix.h"
#include "core/io/result_files.h"
#include "core/io/text_formats.h"
#include "core/kernels/prefix_attention.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

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
          checkpoint.file().path().parent_path().string(), "--checkpoint"};
}

PrefixLayers prefix_layers(const CapturedAttention& cache) {
  const std::int64_t kv = cache.layer(0).kv_heads;
  for (std::int64_t l = 1; l < cache.layers(); ++l)
    if (cache.layer(l).kv_heads != kv)
      throw std::invalid_argument(cache.file().path().string() +
                                  ": a KV cache used as a prefix must have the same key/value heads in every layer");
  return {cache.layers(), kv, [&cache](std::int64_t l, std::int64_t g) { return cache.prefix(l, g); },
          cache.file().path().string(), "--cache"};
}

PrefixLayers open_peft_prefix(const std::filesystem::path& folder) {
  auto checkpoint = std::make_shared<const PeftPrefixCheckpoint>(folder);
  PrefixLayers layers = prefix_layers(*checkpoint);
  layers.prefix = [checkpoint](std::int64_t l, std::int64_t g) { return checkpoint->prefix(l, g); };
  return layers;
}

PrefixLayers open_kv_cache(const std::filesystem::path& file) {
  auto cache = std::make_shared<const CapturedAttention>(file, true);
  PrefixLayers layers = prefix_layers(*cache);
  layers.prefix = [cache](std::int64_t l, std::int64_t g) { return cache->prefix(l, g); };
  return layers;
}

namespace {

// "PREFIX and CAPTURE", for messages; throws naming both when their layers or key/value heads differ.
std::string check_layers(const PrefixLayers& prefix, const CapturedAttention& inputs) {
  const std::string both = prefix.origin + " and " + inputs.file().path().string();
  if (prefix.layers != inputs.layers())
    throw std::invalid_argument(both + " disagree: the prefix has " + std::to_string(prefix.layers) +
                                " layers, the capture " + std::to_string(inputs.layers()));
  for (std::int64_t l = 0; l < inputs.layers(); ++l)
    if (inputs.layer(l).kv_heads != prefix.kv_heads)
      throw std::invalid_argument(both + " disagree: layer " + std::to_string(l) + " of the capture has " +
                                  std::to_string(inputs.layer(l).kv_heads) + " key/value heads, the prefix " +
                                  std::to_string(prefix.kv_heads));
  return both;
}

// Layer l's prefix of one key/value head, checked against the capture's widths.
std::unique_ptr<PrefixSource> layer_prefix(const PrefixLayers& prefix, const CapturedLayer& s, std::int64_t l,
                                           std::int64_t g, const std::string& both) {
  std::unique_ptr<PrefixSource> source = prefix.prefix(l, g);
  if (source->dim() != s.dim || source->value_dim() != s.value_dim)
    throw std::invalid_argument(both + " disagree: layer " + std::to_string(l) + "'s prefix has keys of width " +
                                std::to_string(source->dim()) + " and values of width " +
                                std::to_string(source->value_dim()) + ", the capture " + std::to_string(s.dim) +
                                " and " + std::to_string(s.value_dim));
  return source;
}

}  // namespace

HeadsReport compare_heads(const PrefixLayers& prefix, const CapturedAttention& inputs, const Parameters& params,
                          const HeadsOptions& options) {
  const std::string both = check_layers(prefix, inputs);
  std::int64_t total = 0;
  for (std::int64_t l = 0; l < inputs.layers(); ++l) total += inputs.layer(l).heads;
  HeadsReport report;
  ComparisonOptions compare_options;
  compare_options.memory_budget_bytes = options.memory_budget_bytes;
  compare_options.timing_runs = 1;
  std::int64_t done = 0;
  // A pass can be stopped; it reports in heads, once per percent of its own (not every chunk).
  compare_options.progress = [&, last = std::int64_t{-1}](std::int64_t percent, std::int64_t) mutable {
    if (!options.progress || percent == last) return true;
    last = percent;
    return options.progress(done, total);
  };
  for (std::int64_t l = 0; l < inputs.layers(); ++l) {
    const CapturedLayer& s = inputs.layer(l);
    for (std::int64_t g = 0; g < s.kv_heads; ++g) {
      const std::unique_ptr<PrefixSource> source = layer_prefix(prefix, s, l, g, both);
      const KeyShape keys = key_shape(*source);
      const Eigen::MatrixXd K = inputs.keys(l, g), V = inputs.values(l, g);
      const std::int64_t group = s.heads / s.kv_heads;
      std::vector<Eigen::MatrixXd> queries;
      for (std::int64_t h = g * group; h < (g + 1) * group; ++h) queries.push_back(inputs.queries(l, h));
      Parameters p = params;
      describe_inputs(p, s.queries, s.tokens, s.dim, s.value_dim, source->rows());
      std::vector<Comparison> compared = compare_query_heads(queries, K, V, *source, p, compare_options);
      if (compared.front().status == Status::cancelled) return report.status = Status::cancelled, report;
      for (std::int64_t i = 0; i < group; ++i)
        report.heads.push_back({l, g * group + i, g, std::move(compared[i]), keys});
      done += group;
    }
  }
  if (options.progress) options.progress(total, total);
  return report;
}

Parameters HeadInputs::parameters(const Parameters& params) const {
  Parameters p = params;
  describe_inputs(p, Q.rows(), K.rows(), K.cols(), V.cols(), prefix->rows());
  return p;
}

std::string HeadInputs::command_line(const Parameters& params) const {
  Parameters shown = default_parameters();
  for (const ParamSpec& s : parameter_specs())
    if (!set_by_inputs(s.key) && parameter_applies(s.key, params, InputSource::arrays)) s.set(shown, s.get(params));
  const std::string options = core::command_line(shown).substr(std::string("ntk-explorer compare").size());
  return "ntk-explorer heads --activations " + capture + " " + layers.option + " " + layers.origin + options +
         "   # layer " + std::to_string(layer) + " head " + std::to_string(head);
}

HeadInputs head_inputs(const PrefixLayers& prefix, const CapturedAttention& inputs, std::int64_t layer,
                       std::int64_t head) {
  const std::string both = check_layers(prefix, inputs);
  if (layer < 0 || layer >= inputs.layers())
    throw std::invalid_argument(inputs.file().path().string() + " has no layer " + std::to_string(layer) + " (it has " +
                                std::to_string(inputs.layers()) + ")");
  const CapturedLayer& s = inputs.layer(layer);
  HeadInputs h;
  h.layer = layer;
  h.head = head;
  h.kv_head = inputs.kv_head(layer, head);  // checks the head
  h.Q = inputs.queries(layer, head);
  h.K = inputs.keys(layer, h.kv_head);
  h.V = inputs.values(layer, h.kv_head);
  h.layers = prefix;
  h.capture = inputs.file().path().string();
  h.prefix = layer_prefix(h.layers, s, layer, h.kv_head, both);
  h.label = "layer " + std::to_string(layer) + " head " + std::to_string(head) + " of " +
            inputs.file().path().filename().string() + " (prefix " +
            std::filesystem::path(prefix.origin).filename().string() + ")";
  return h;
}

HeadsTraining train_heads(const PrefixLayers& prefix, const CapturedAttention& inputs, const Parameters& params,
                          const AttentionTrainOptions& options) {
  const std::string both = check_layers(prefix, inputs);
  HeadsTraining report;
  const std::int64_t runs = inputs.layers() * prefix.kv_heads;
  std::int64_t run_index = 0;
  for (std::int64_t l = 0; l < inputs.layers(); ++l) {
    const CapturedLayer& s = inputs.layer(l);
    const Eigen::Index n = s.queries, held = n / 4, trained = n - held, L = s.tokens;
    if (held < 1)
      throw std::invalid_argument(inputs.file().path().string() + ": layer " + std::to_string(l) + " has " +
                                  std::to_string(n) +
                                  " queries; training holds out the last quarter, so it needs at least 4");
    const FeatureMap phi(params.feature, s.dim);
    const double bytes = sizeof(double) * double(n + 1024 + 5 * s.value_dim) * double(phi.dim());
    if (bytes > options.memory_budget_bytes)
      throw std::invalid_argument("training needs about " + std::to_string(std::int64_t(bytes / 1e6)) +
                                  " MB (r = " + std::to_string(phi.dim()) +
                                  "), over the memory budget; lower the degree, or raise --memory-budget");
    const std::int64_t group = s.heads / s.kv_heads;
    for (std::int64_t g = 0; g < s.kv_heads; ++g, ++run_index) {
      const std::unique_ptr<PrefixSource> source = layer_prefix(prefix, s, l, g, both);
      const Eigen::MatrixXd K = inputs.keys(l, g), V = inputs.values(l, g);
      // Per query head reading this key/value head: its first queries with the tokens before the
      // held-out ones (so that the causal positions stay the capture's), and its last quarter.
      std::vector<AttentionExample> train, held_out;
      for (std::int64_t h = g * group; h < (g + 1) * group; ++h) {
        const Eigen::MatrixXd Q = inputs.queries(l, h);
        for (const auto& [rows, tokens, into] :
             {std::tuple{Eigen::Index(0), L - held, &train}, std::tuple{trained, L, &held_out}}) {
          const Eigen::Index count = rows == 0 ? trained : held;
          AttentionExample e{Q.middleRows(rows, count), K.topRows(tokens), V.topRows(tokens), {}};
          e.target = prefix_attention(e.Q, e.K, e.V, *source, {params.causal, {}}).T;
          into->push_back(std::move(e));
        }
      }
      AttentionExamples examples;
      // Every step: all of them.
      examples.train = [&](std::int64_t) -> const std::vector<AttentionExample>& { return train; };
      examples.held_out = [&](std::int64_t e) { return held_out[std::size_t(e)]; };
      examples.held_out_count = int(held_out.size());
      AttentionTrainOptions run_options = options;
      if (options.progress)
        run_options.progress = [&](std::int64_t t, std::int64_t steps) {
          return options.progress(run_index * steps + t, runs * steps);
        };
      HeadTraining head{
          l,
          g,
          group,
          trained,
          held,
          source->rows(),
          train_ntk_attention(*source, phi, examples, params.rank, params.causal, params.workload.seed, run_options)};
      const bool cancelled = head.run.status == Status::cancelled;
      report.heads.push_back(std::move(head));
      if (cancelled) return report.status = Status::cancelled, report;
    }
  }
  return report;
}

std::string heads_training_csv(const HeadsTraining& report) {
  std::string out = csv_line({"layer", "kv_head", "query_heads", "train_queries", "held_out_queries", "m", "r",
                              "final_loss", "trained_error", "closed_error", "z_distance", "backtracks", "status"});
  for (const HeadTraining& h : report.heads) {
    const AttentionTrainRun& run = h.run;
    out += csv_line({std::to_string(h.layer), std::to_string(h.kv_head), std::to_string(h.query_heads),
                     std::to_string(h.train_queries), std::to_string(h.held_out_queries), std::to_string(h.m),
                     std::to_string(run.k.size()), format_number(run.steps.empty() ? NAN : run.steps.back().loss),
                     format_number(run.trained_error), format_number(run.closed_error), format_number(run.z_distance),
                     std::to_string(run.backtracks), to_string(run.status)});
  }
  return out;
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
    const Parameters& p = group.second->comparison.params;
    const ParameterCounts counts = head_parameter_counts(p, {p.feature});
    out.replaceable += 1;
    out.prefix_parameters += counts.prefix;
    out.ntk_parameters += counts.ntk.front().parameters;
  }
  return out;
}

ParameterCounts model_parameter_counts(const HeadsReport& report) {
  if (report.heads.empty()) throw std::invalid_argument("no heads were compared, so there is no model shape to count");
  std::set<std::int64_t> layers, heads;
  std::set<std::pair<std::int64_t, std::int64_t>> kv_heads;
  for (const HeadResult& h : report.heads) {
    layers.insert(h.layer);
    heads.insert(h.head);
    kv_heads.insert({h.layer, h.kv_head});
  }
  const Parameters& p = report.heads.front().comparison.params;
  ModelShape shape;
  shape.layers = std::int64_t(layers.size());
  shape.heads = std::int64_t(heads.size());
  shape.kv_heads = std::int64_t(kv_heads.size()) / shape.layers;
  shape.d = p.workload.d;
  shape.dv = value_width(p.workload);
  return parameter_counts(shape, p.workload.m, counted_feature_maps(p.feature), p.rank);
}

namespace {

// A head's row, in the order of head_columns: counts, measures, and text (the map, the status).
using HeadValue = std::variant<long long, double, std::string>;
constexpr const char* head_columns[] = {"layer",
                                        "head",
                                        "kv_head",
                                        "n",
                                        "L",
                                        "m",
                                        "d",
                                        "d_v",
                                        "feature",
                                        "r",
                                        "rel_fro",
                                        "max_abs",
                                        "exact_prefix_mass",
                                        "ntk_prefix_share",
                                        "key_anisotropy",
                                        "key_outlier",
                                        "key_outlier_dim",
                                        "status"};

std::vector<HeadValue> head_values(const HeadResult& h) {
  const Comparison& c = h.comparison;
  const WorkloadSpec& w = c.params.workload;
  return {h.layer,
          h.head,
          h.kv_head,
          static_cast<long long>(query_count(w)),
          static_cast<long long>(w.L),
          static_cast<long long>(w.m),
          static_cast<long long>(w.d),
          static_cast<long long>(value_width(w)),
          std::string(to_string(c.params.feature.kind)),
          static_cast<long long>(c.r),
          c.errors.rel_fro,
          c.errors.max_abs,
          c.exact.prefix_mass.mean(),
          c.approx.prefix_share.mean(),
          h.keys.anisotropy,
          h.keys.outlier,
          static_cast<long long>(h.keys.outlier_dim),
          std::string(to_string(c.status))};
}

}  // namespace

std::string heads_csv(const HeadsReport& report) {
  std::string out = csv_line({std::begin(head_columns), std::end(head_columns)});
  for (const HeadResult& h : report.heads) {
    std::vector<std::string> fields;
    for (const HeadValue& v : head_values(h))
      fields.push_back(std::visit(
          [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>)
              return x;
            else if constexpr (std::is_same_v<T, double>)
              return format_number(x);
            else
              return std::to_string(x);
          },
          v));
    out += csv_line(fields);
  }
  return out;
}

std::string heads_json(const HeadsReport& report, double tolerance) {
  std::vector<JsonObject> heads;
  for (const HeadResult& h : report.heads) {
    JsonObject row;
    const std::vector<HeadValue> values = head_values(h);
    for (std::size_t i = 0; i < values.size(); ++i)
      std::visit([&](const auto& x) { row.add(head_columns[i], x); }, values[i]);
    heads.push_back(std::move(row));
  }
  const ReplacementSummary s = replacement_summary(report, tolerance);
  JsonObject json;
  json.add("heads", heads);
  json.add_raw("replacement", JsonObject()
                                  .add("tolerance", tolerance)
                                  .add("query_heads", static_cast<long long>(s.heads))
                                  .add("within", static_cast<long long>(s.within))
                                  .add("kv_heads", static_cast<long long>(s.kv_heads))
                                  .add("replaceable", static_cast<long long>(s.replaceable))
                                  .add("prefix_parameters", s.prefix_parameters)
                                  .add("ntk_parameters", s.ntk_parameters)
                                  .str());
  if (!report.heads.empty()) json.add_raw("parameter_counts", parameter_counts_json(model_parameter_counts(report)));
  json.add("status", to_string(report.status));
  return json.str();
}

}  // namespace ntk::core
