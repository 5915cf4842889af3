#pragma once
// Every layer and head of a real model at once: the per-head view of `ntk-explorer heads` and the
// window's Heads tab. Each query head's captured queries, keys and values are compared with the
// prefix of its key/value head (grouped-query attention: query head h reads key/value head
// h / (heads / kv_heads)), exactly as one comparison of arrays (compare_methods), and the prefix
// keys are measured for how far they are from the isotropic Gaussian the theory assumes.

#include "core/io/captured_attention.h"
#include "core/ntk/train_attention.h"
#include "core/pipeline/comparison.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ntk::core {

class PeftPrefixCheckpoint;

/// How far a prefix's keys are from an isotropic Gaussian (trained keys are anisotropic and have
/// outlier dimensions: where a feature map's error lives).
struct KeyShape {
  double anisotropy = 1;         ///< largest eigenvalue of the keys' covariance over the mean eigenvalue (d: rank one)
  double outlier = 0;            ///< largest |K_P[j, c]| over the root mean square entry
  std::int64_t outlier_dim = 0;  ///< the column c of that entry
};

/// The keys' shape of a prefix, in one streamed pass (memory O(d^2)).
KeyShape key_shape(const PrefixSource& prefix);

/// The prefix of (layer, key/value head): a PEFT checkpoint's or a KV cache's.
struct PrefixLayers {
  std::int64_t layers = 0, kv_heads = 0;
  std::function<std::unique_ptr<PrefixSource>(std::int64_t layer, std::int64_t kv_head)> prefix;
  std::string origin;  ///< the file or folder, for messages
  std::string option;  ///< how `heads` is given it: "--checkpoint" or "--cache"
};

PrefixLayers prefix_layers(const PeftPrefixCheckpoint& checkpoint);
PrefixLayers prefix_layers(const CapturedAttention& cache);
/// The same, opened from a PEFT folder or a KV cache file and kept open by the result.
PrefixLayers open_peft_prefix(const std::filesystem::path& folder);
PrefixLayers open_kv_cache(const std::filesystem::path& file);

struct HeadResult {
  std::int64_t layer = 0, head = 0, kv_head = 0;
  Comparison comparison;  ///< of this head's queries, keys and values with its prefix
  KeyShape keys;          ///< of its key/value head's prefix
};

struct HeadsOptions {
  Progress progress;  ///< units: heads
  double memory_budget_bytes = default_memory_budget_bytes;
};

struct HeadsReport {
  std::vector<HeadResult> heads;  ///< layer by layer, query head by query head
  Status status = Status::ok;     ///< cancelled: `heads` holds those finished
};

/// Compares every query head of every layer of `inputs` with its prefix, with the feature map,
/// rank and precision of `params` (its workload sizes are set from each head's arrays). Throws
/// std::invalid_argument, naming both origins, when the prefix and the capture disagree in
/// layers, key/value heads or widths.
HeadsReport compare_heads(const PrefixLayers& prefix, const CapturedAttention& inputs, const Parameters& params,
                          const HeadsOptions& options = {});

/// One query head of a capture and its key/value head's prefix, for comparing that head alone
/// (the window opens a head of the Heads tab in its other tabs): the head's queries, keys and
/// values read into memory, the prefix streamed from its file, which `layers` keeps open.
struct HeadInputs {
  std::int64_t layer = 0, head = 0, kv_head = 0;
  Eigen::MatrixXd Q, K, V;
  PrefixLayers layers;
  std::unique_ptr<PrefixSource> prefix;  ///< declared after `layers`: destroyed before it
  std::string label;                     ///< "layer L head H of CAPTURE (prefix ORIGIN)"
  std::string capture;                   ///< the capture's file
  /// `params` with this head's sizes (n, L, d, d_v, m): what compare_methods is given with it.
  Parameters parameters(const Parameters& params) const;
  /// The headless command that compares this head (with the model's others) under `params`:
  /// `ntk-explorer heads --activations CAPTURE --checkpoint|--cache ORIGIN` and the options of
  /// `params` that apply to arrays, then "# layer L head H".
  std::string command_line(const Parameters& params) const;
};

/// Reads query head `head` of `layer` and opens its prefix. Throws std::invalid_argument, naming
/// both origins, as compare_heads does, and for a layer or head the capture does not have.
HeadInputs head_inputs(const PrefixLayers& prefix, const CapturedAttention& inputs, std::int64_t layer,
                       std::int64_t head);

/// Z and k trained for one key/value head on its query heads' captured queries, and their errors
/// on queries no step used, against the closed form (core/ntk/train_attention.h).
struct HeadTraining {
  std::int64_t layer = 0, kv_head = 0;
  std::int64_t query_heads = 0;                          ///< reading this key/value head
  Eigen::Index train_queries = 0, held_out_queries = 0;  ///< of each query head
  Eigen::Index m = 0;
  AttentionTrainRun run;
};

struct HeadsTraining {
  std::vector<HeadTraining> heads;  ///< layer by layer, key/value head by key/value head
  Status status = Status::ok;       ///< cancelled: `heads` ends with the run that was stopped
};

/// Trains Z and k of every layer's key/value heads with the feature map, rank and causal mask of
/// `params`. Each query head's n captured queries are split: the last n / 4 are held out (with all
/// L input tokens), the others train (with the first L - n / 4 tokens, so that every query keeps
/// its causal position); every step descends the mean loss over the query heads reading the
/// key/value head (Z and k are shared by them). Throws
/// std::invalid_argument as compare_heads does, for fewer than 4 queries, or past the memory
/// budget.
HeadsTraining train_heads(const PrefixLayers& prefix, const CapturedAttention& inputs, const Parameters& params,
                          const AttentionTrainOptions& options);

/// One row per key/value head: layer, kv_head, query_heads, train_queries, held_out_queries, m, r,
/// final_loss, trained_error, closed_error (held-out max-abs errors), z_distance, backtracks, status.
std::string heads_training_csv(const HeadsTraining& report);

/// Which heads NTK-Attention can replace at a tolerance on the relative (Frobenius) error. Z and k
/// depend on the prefix alone, so they belong to a key/value head, shared by its query heads: a
/// key/value head is replaceable when every query head reading it is within the tolerance.
struct ReplacementSummary {
  std::int64_t heads = 0, within = 0;          ///< query heads, and those within the tolerance
  std::int64_t kv_heads = 0, replaceable = 0;  ///< key/value heads, and those replaceable
  double prefix_parameters = 0;                ///< of the replaceable heads' prefixes: m (d + d_v) each
  double ntk_parameters = 0;                   ///< of their NTK-Attention: r d_v + r each
};

ReplacementSummary replacement_summary(const HeadsReport& report, double tolerance);

/// What the whole model trains (layers, query and key/value heads and widths of the report,
/// d_model = heads d) under prefix tuning, NTK-Attention (counted_feature_maps) and LoRA. Throws
/// std::invalid_argument for an empty report.
ParameterCounts model_parameter_counts(const HeadsReport& report);

/// The CSV of a report: one row per head (layer, head, kv_head, n, L, m, d, d_v, r, errors, the
/// prefix's share of attention in both methods, the keys' shape, status).
std::string heads_csv(const HeadsReport& report);

/// The report as JSON (`heads --json`, the module's heads()): "heads", one object per head with the
/// CSV's columns; "replacement", the summary at `tolerance`; "parameter_counts" of the whole model
/// (model_parameter_counts); "status".
std::string heads_json(const HeadsReport& report, double tolerance);

}  // namespace ntk::core
