#include "app/result_files.h"

#include "core/io/npy.h"
#include "core/io/text_formats.h"

#include <limits>

namespace ntk::app {

std::vector<MetricField> metric_fields(const core::Comparison& c) {
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
  };
}

void write_comparison(const core::Comparison& c, core::InputSource source, const std::string& provenance,
                      const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  core::write_npy(dir / "exact.npy", c.exact.T);
  core::write_npy(dir / "approx.npy", c.approx.T);
  core::write_npy(dir / "Z.npy", c.compressed.Z);
  core::write_npy_vector(dir / "k.npy", c.compressed.k);
  if (c.low_rank) {
    core::write_npy(dir / "Z_A.npy", c.low_rank->A);
    core::write_npy(dir / "Z_B.npy", c.low_rank->B);
  }
  if (c.omega.size() > 0) core::write_npy(dir / "omega.npy", c.omega);
  core::write_npy_vector(dir / "row_error.npy", c.errors.row_max_abs);
  core::write_npy_vector(dir / "prefix_mass.npy", c.exact.prefix_mass);

  core::JsonObject json;
  json.add("inputs", source == core::InputSource::generated ? "generated workload" : "arrays (--inputs)");
  for (const core::ParamSpec& s : core::parameter_specs()) {
    if (!core::parameter_applies(s.key, c.params, source)) continue;
    const std::string text = s.get(c.params);
    switch (s.type) {
      case core::ParamType::integer:
      case core::ParamType::real: json.add_raw(std::string(s.key), text); break;
      case core::ParamType::flag: json.add(std::string(s.key), text == "true"); break;
      case core::ParamType::choice: json.add(std::string(s.key), text); break;
    }
  }
  for (const MetricField& f : metric_fields(c)) json.add(f.name, f.value);
  json.add_raw("timing_runs", core::JsonObject()
                              .add("exact", static_cast<long long>(c.exact_runs))
                              .add("compress", static_cast<long long>(c.compress_runs))
                              .add("approx", static_cast<long long>(c.approx_runs))
                              .str());
  json.add("status", core::to_string(c.status));
  json.add("diagnosis", core::diagnosis(c));
  json.add("bad_rows", static_cast<long long>(c.approx.bad_rows));
  json.add("ill_conditioned_rows", static_cast<long long>(c.approx.ill_conditioned_rows));
  json.add("degenerate", !c.degeneracy.empty());
  json.add("degeneracy", c.degeneracy);
  json.add("model_note",
           "NTK-Attention as in arXiv 2406.14036 Algorithm 2 with closed-form Z and k; "
           "the Taylor bound and the m -> infinity limit are this program's derivations; "
           "docs/method.md says what could not be checked against the paper");
  json.add_raw("provenance", provenance);
  core::write_text_atomic(dir / "metrics.json", json.str());
}

}  // namespace ntk::app
