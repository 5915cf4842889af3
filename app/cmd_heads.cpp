// ntk-explorer heads: exact prefix attention against NTK-Attention for every layer and head of a
// real model, from its prefix (a PEFT checkpoint or a KV cache) and captured queries, keys and
// values (docs/real-models.md).

#include "app/commands.h"
#include "app/progress_printer.h"
#include "core/io/text_formats.h"
#include "core/pipeline/heads.h"

#include <cstdio>

namespace ntk::app {
namespace {

void print_table(const core::HeadsReport& report, double tolerance, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%5s %4s %3s %6s %8s %9s %11s %11s %10s %10s %8s %8s  %s\n", "layer", "head", "kv",
                "n", "L", "m", "rel_fro", "max_abs", "exact_mass", "ntk_share", "aniso", "outlier", "status");
  out << line;
  for (const core::HeadResult& h : report.heads) {
    const core::Comparison& c = h.comparison;
    const core::WorkloadSpec& w = c.params.workload;
    std::snprintf(line, sizeof line,
                  "%5lld %4lld %3lld %6lld %8lld %9lld %11.3e %11.3e %10.4f %10.4f %8.2f %8.2f  %s\n",
                  static_cast<long long>(h.layer), static_cast<long long>(h.head), static_cast<long long>(h.kv_head),
                  static_cast<long long>(core::query_count(w)), static_cast<long long>(w.L),
                  static_cast<long long>(w.m), c.errors.rel_fro, c.errors.max_abs, c.exact.prefix_mass.mean(),
                  c.approx.prefix_share.mean(), h.keys.anisotropy, h.keys.outlier, core::to_string(c.status));
    out << line;
  }
  const core::ReplacementSummary s = core::replacement_summary(report, tolerance);
  std::snprintf(line, sizeof line,
                "within relative error %.3g: %lld of %lld query heads; replaceable: %lld of %lld key/value heads "
                "(every query head reading them within it), their prefix's %.0f parameters against "
                "NTK-Attention's %.0f\n",
                tolerance, static_cast<long long>(s.within), static_cast<long long>(s.heads),
                static_cast<long long>(s.replaceable), static_cast<long long>(s.kv_heads), s.prefix_parameters,
                s.ntk_parameters);
  out << line;
  const core::ParameterCounts counts = core::model_parameter_counts(report);
  const core::ModelShape& shape = counts.shape;
  const core::NtkParameterCount& ntk = core::ntk_count(counts, report.heads.front().comparison.params.feature);
  std::snprintf(line, sizeof line,
                "trained by the whole model (%lld layers, %lld heads, %lld key/value heads, d_model = heads x d = "
                "%lld): the prefix %.0f (m = %lld), NTK-Attention %.0f (r = %lld; fewer than the prefix from m = "
                "%.0f), LoRA rank %lld on W_Q and W_V %.0f (fewer from m = %.0f)\n",
                static_cast<long long>(shape.layers), static_cast<long long>(shape.heads),
                static_cast<long long>(shape.kv_heads), static_cast<long long>(shape.heads) * shape.d, counts.prefix,
                static_cast<long long>(counts.m), ntk.parameters, static_cast<long long>(ntk.r), ntk.break_even_m,
                static_cast<long long>(counts.lora_rank), counts.lora, counts.lora_break_even_m);
  out << line;
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  apply_thread_option(args);
  core::Parameters params = core::default_parameters();
  for (const std::string& key : given_parameter_options(args))
    if (core::set_by_inputs(key))
      throw UsageError("--" + key + " is set by the captured arrays (or describes a generated workload); drop it");
  apply_parameter_options(args, params);
  const auto activations = args.value("activations");
  if (!activations)
    throw UsageError(
        "--activations FILE.safetensors|.npz is required: the captured queries, keys and values "
        "(docs/real-models.md)");
  const core::PrefixLayers prefix = prefix_option(args);
  const double tolerance = args.real("tolerance", 0.01, 0, 1e300);
  if (args.has("csv") && args.has("json")) throw UsageError("give one of --csv and --json");
  const core::CapturedAttention inputs(*activations);
  const core::HeadsReport report =
      core::compare_heads(prefix, inputs, params, {stderr_progress(err, "heads"), memory_budget_bytes(args)});
  if (report.status == core::Status::cancelled) {
    err << "\ninterrupted; nothing written\n";
    return exit_interrupted;
  }
  const std::string csv = core::heads_csv(report);
  const bool quiet = args.has("csv") || args.has("json");  // stdout holds the CSV or the JSON alone
  if (args.has("csv"))
    out << csv;
  else if (args.has("json"))
    out << core::heads_json(report, tolerance);
  else
    print_table(report, tolerance, out);
  if (const auto path = args.value("out")) {
    core::write_text_atomic(*path, csv);
    (quiet ? err : out) << "wrote " << report.heads.size() << " heads to " << *path << '\n';
  }
  for (const core::HeadResult& h : report.heads)
    if (h.comparison.status != core::Status::ok) {
      err << "numerical failure in layer " << h.layer << " head " << h.head << ": " << core::diagnosis(h.comparison)
          << '\n';
      return exit_numerical;
    }
  return exit_ok;
}

}  // namespace

core::PrefixLayers prefix_option(const Args& args) {
  const auto checkpoint = args.value("checkpoint"), cache = args.value("cache");
  if (checkpoint.has_value() == cache.has_value())
    throw UsageError(
        "give the prefix as one of --checkpoint DIR (a PEFT prefix-tuning checkpoint) or --cache "
        "FILE.safetensors|.npz (a KV cache)");
  return checkpoint ? core::open_peft_prefix(*checkpoint) : core::open_kv_cache(*cache);
}

Command heads_command() {
  std::vector<OptionSpec> options;
  for (const OptionSpec& o : parameter_options())
    if (!core::set_by_inputs(o.name)) options.push_back(o);
  options.push_back({"activations", true, false,
                     "captured queries, keys and values: FILE.safetensors|.npz with layers.<l>.queries [heads, n, d], "
                     "layers.<l>.keys [kv_heads, L, d] and layers.<l>.values [kv_heads, L, d_v]"});
  options.push_back({"checkpoint", true, false,
                     "the prefix: a PEFT prefix-tuning folder (adapter_config.json, adapter_model.safetensors)"});
  options.push_back({"cache", true, false,
                     "the prefix: a KV cache, FILE.safetensors|.npz with layers.<l>.keys and layers.<l>.values"});
  options.push_back(
      {"tolerance", true, false, "relative error (Frobenius) at which a head counts as replaceable (default 0.01)"});
  options.push_back({"out", true, false, "write the per-head CSV to this file"});
  options.push_back({"csv", false, false, "print the per-head CSV to stdout instead of the table"});
  options.push_back({"json", false, false,
                     "print the heads, which are replaceable and the whole model's parameter counts as JSON instead"});
  for (const OptionSpec& o : resource_options()) options.push_back(o);
  return {
      "heads", "Every layer and head of a real model: NTK-Attention's error against its prefix",
      "heads --activations FILE.safetensors|.npz (--checkpoint DIR | --cache FILE.safetensors|.npz) [--feature ...] "
      "[--degree G] [--rank S] [--causal] [--tolerance T] [--out FILE.csv] [--csv|--json]",
      options, run};
}

}  // namespace ntk::app
