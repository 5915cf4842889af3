#include "core/io/result_files.h"

#include "core/io/npy.h"
#include "core/io/npz.h"
#include "core/io/text_formats.h"

#include <limits>

namespace ntk::core {

std::vector<MetricField> metric_fields(const Comparison& c) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const bool have_bound = c.bound.has_value();
  return {
      {"r", double(c.r)},
      {"max_abs_error", c.errors.max_abs},
      {"rel_fro_error", c.errors.rel_fro},
      {"mse", c.errors.mse},
      {"prefix_mass_mean", c.exact.prefix_mass.size() ? c.exact.prefix_mass.mean() : nan},
      {"ntk_prefix_share_mean", c.approx.prefix_share.size() ? c.approx.prefix_share.mean() : nan},
      {"min_denominator_ratio", c.approx.prefix_share.size() ? c.approx.min_denominator_ratio : nan},
      {"limit_distance", c.limit_distance.value_or(nan)},
      {"taylor_beta", have_bound ? c.bound->beta : nan},
      {"taylor_kernel_bound", have_bound ? c.bound->kernel_rel : nan},
      {"taylor_output_bound", have_bound ? c.bound->output : nan},
      {"prefix_parameters", c.cost.exact.parameters},
      {"ntk_parameters", c.cost.ntk.parameters},
      {"exact_flops", c.cost.exact.flops},
      {"ntk_flops", c.cost.ntk.flops},
      {"exact_seconds", c.exact_seconds},
      {"compress_seconds", c.compress_seconds},
      {"approx_seconds", c.approx_seconds},
      {"float32_vs_float64_exact_max_abs", c.float64_gap ? c.float64_gap->exact_max_abs : nan},
      {"float32_vs_float64_ntk_max_abs", c.float64_gap ? c.float64_gap->ntk_max_abs : nan},
  };
}

void for_each_array(const Comparison& c, const ArrayVisitor& visit) {
  visit("exact", c.exact.T, false);
  visit("approx", c.approx.T, false);
  visit("Z", c.compressed.Z, false);
  visit("k", c.compressed.k, true);
  if (c.low_rank) {
    visit("Z_A", c.low_rank->A, false);
    visit("Z_B", c.low_rank->B, false);
  }
  if (c.omega.size() > 0) visit("omega", c.omega, false);
  visit("row_error", c.errors.row_max_abs, true);
  visit("prefix_mass", c.exact.prefix_mass, true);
}

std::string parameter_counts_json(const ParameterCounts& c) {
  const ModelShape& shape = c.shape;
  JsonObject model;
  model.add("layers", static_cast<long long>(shape.layers))
      .add("heads", static_cast<long long>(shape.heads))
      .add("kv_heads", static_cast<long long>(shape.kv_heads))
      .add("d", static_cast<long long>(shape.d))
      .add("dv", static_cast<long long>(shape.dv > 0 ? shape.dv : shape.d))
      .add("d_model", static_cast<long long>(shape.d_model > 0 ? shape.d_model : shape.heads * shape.d));
  std::vector<JsonObject> ntk;
  for (const NtkParameterCount& n : c.ntk) {
    JsonObject map;
    map.add("feature", to_string(n.feature.kind));
    if (n.feature.kind == FeatureKind::taylor) map.add("degree", static_cast<long long>(n.feature.degree));
    map.add("r", static_cast<long long>(n.r)).add("parameters", n.parameters).add("break_even_m", n.break_even_m);
    ntk.push_back(std::move(map));
  }
  JsonObject json;
  json.add_raw("model", model.str())
      .add("m", static_cast<long long>(c.m))
      .add("prefix", c.prefix)
      .add("lora_rank", static_cast<long long>(c.lora_rank))
      .add("lora", c.lora)
      .add("lora_break_even_m", c.lora_break_even_m)
      .add("ntk_attention", ntk);
  return json.str();
}

std::string metrics_json(const Comparison& c, InputSource source, const std::string& provenance) {
  JsonObject json;
  json.add("inputs", source == InputSource::generated ? "generated workload" : "arrays (--inputs)");
  for (const ParamSpec& s : parameter_specs()) {
    if (!parameter_applies(s.key, c.params, source)) continue;
    const std::string text = s.get(c.params);
    switch (s.type) {
      case ParamType::integer:
      case ParamType::real:
        json.add_raw(std::string(s.key), text);
        break;
      case ParamType::flag:
        json.add(std::string(s.key), text == "true");
        break;
      case ParamType::choice:
        json.add(std::string(s.key), text);
        break;
    }
  }
  for (const MetricField& f : metric_fields(c)) json.add(f.name, f.value);
  json.add_raw("timing_runs", JsonObject()
                                  .add("exact", static_cast<long long>(c.exact_runs))
                                  .add("compress", static_cast<long long>(c.compress_runs))
                                  .add("approx", static_cast<long long>(c.approx_runs))
                                  .str());
  json.add_raw("parameter_counts",
               parameter_counts_json(head_parameter_counts(c.params, counted_feature_maps(c.params.feature))));
  json.add("status", to_string(c.status));
  json.add("diagnosis", diagnosis(c));
  json.add("bad_rows", static_cast<long long>(c.approx.bad_rows));
  json.add("ill_conditioned_rows", static_cast<long long>(c.approx.ill_conditioned_rows));
  json.add("degenerate", !c.degeneracy.empty());
  json.add("degeneracy", c.degeneracy);
  json.add("model_note",
           "NTK-Attention as in arXiv 2406.14036 Algorithm 2 with closed-form Z and k; "
           "the Taylor bound and the m -> infinity limit are this program's derivations; "
           "docs/method.md says what could not be checked against the paper");
  json.add_raw("provenance", provenance);
  return json.str();
}

bool is_npz(const std::filesystem::path& path) { return path.extension() == ".npz"; }

std::string write_comparison(const Comparison& c, InputSource source, const std::string& provenance,
                             const std::filesystem::path& out) {
  std::string names;
  if (is_npz(out)) {
    NpzWriter npz;
    for_each_array(c, [&](const char* name, const Eigen::Ref<const Eigen::MatrixXd>& a, bool one_dimensional) {
      if (one_dimensional)
        npz.add_vector(name, a.col(0));
      else
        npz.add(name, a);
      names += std::string(name) + " ";
    });
    npz.add_file("metrics.json", metrics_json(c, source, provenance));
    npz.write(out);
    return names + "metrics.json";
  }
  std::filesystem::create_directories(out);
  for_each_array(c, [&](const char* name, const Eigen::Ref<const Eigen::MatrixXd>& a, bool one_dimensional) {
    if (one_dimensional)
      write_npy_vector(out / (std::string(name) + ".npy"), a.col(0));
    else
      write_npy(out / (std::string(name) + ".npy"), a);
    names += std::string(name) + ".npy ";
  });
  write_text_atomic(out / "metrics.json", metrics_json(c, source, provenance));
  return names + "metrics.json";
}

std::vector<std::string> sweep_header() {
  std::vector<std::string> h{"point", "points", "sweep"};
  for (const ParamSpec& s : parameter_specs()) h.emplace_back(s.key);
  for (const MetricField& f : metric_fields(Comparison{})) h.push_back(f.name);
  h.emplace_back("status");
  return h;
}

std::vector<std::string> sweep_row(long long index, long long total, const std::string& fingerprint,
                                   const Comparison& c) {
  std::vector<std::string> r{std::to_string(index), std::to_string(total), fingerprint};
  for (const ParamSpec& s : parameter_specs()) r.push_back(s.get(c.params));
  for (const MetricField& f : metric_fields(c)) r.push_back(format_number(f.value));
  r.emplace_back(to_string(c.status));
  return r;
}

}  // namespace ntk::core
