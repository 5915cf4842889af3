// ntk-explorer compare: exact prefix attention against NTK-Attention on one workload.

#include "app/commands.h"
#include "app/progress_printer.h"
#include "core/io/npy.h"
#include "core/io/npz.h"
#include "core/io/result_files.h"
#include "core/io/text_formats.h"
#include "core/pipeline/comparison.h"

#include <cstdio>
#include <filesystem>
#include <map>

namespace ntk::app {
namespace {

namespace fs = std::filesystem;

struct ArrayInputs {
  Eigen::MatrixXd Q, K, V, KP, VP;
};

constexpr const char* input_keys[] = {"Q", "K", "V", "KP", "VP"};

void take_matrix(core::NpyArray& a, const fs::path& name, Eigen::MatrixXd& target) {
  if (a.shape.size() != 2) throw UsageError(name.string() + " must be a 2-D array (rows are tokens)");
  core::check_finite(a, name);
  target = std::move(a.data);
}

// The five arrays from a folder of .npy files or from one .npz archive.
ArrayInputs read_inputs(const fs::path& source, double budget) {
  ArrayInputs in;
  Eigen::MatrixXd* targets[] = {&in.Q, &in.K, &in.V, &in.KP, &in.VP};
  if (core::is_npz(source)) {
    std::map<std::string, core::NpyArray> arrays = core::read_npz(source, budget);
    for (int i = 0; i < 5; ++i) {
      const auto found = arrays.find(input_keys[i]);
      if (found == arrays.end())
        throw UsageError(source.string() + " has no array " + input_keys[i] +
                         "; --inputs FILE.npz needs Q, K, V, KP and VP (np.savez(FILE, Q=Q, K=K, V=V, KP=KP, VP=VP))");
      take_matrix(found->second, source.string() + "[" + input_keys[i] + "]", *targets[i]);
    }
  } else {
    if (!fs::is_directory(source))
      throw UsageError("--inputs " + source.string() + " is neither a folder nor an .npz file");
    double left = budget;  // the five arrays together, not each on its own, must fit the budget
    for (int i = 0; i < 5; ++i) {
      const fs::path path = source / (std::string(input_keys[i]) + ".npy");
      if (!fs::exists(path))
        throw UsageError(path.string() + " is missing; --inputs needs Q.npy K.npy V.npy KP.npy VP.npy");
      if (left <= 0)
        throw UsageError("the arrays before " + path.string() +
                         " already fill the memory budget; raise --memory-budget");
      core::NpyArray a = core::read_npy(path, left);
      left -= sizeof(double) * double(a.data.size());
      take_matrix(a, path, *targets[i]);
    }
  }
  if (in.KP.rows() != in.VP.rows())
    throw UsageError("KP has " + std::to_string(in.KP.rows()) + " rows but VP has " + std::to_string(in.VP.rows()) +
                     "; they must match (one key and one value per prefix token)");
  return in;
}

std::string method_label(const core::Comparison& c) {
  const core::FeatureMapSpec& f = c.params.feature;
  std::string label = std::string("NTK-Attention ") + core::to_string(f.kind);
  if (f.kind == core::FeatureKind::taylor) label += " g=" + std::to_string(f.degree);
  if (c.params.rank > 0) label += " s=" + std::to_string(c.params.rank);
  return label;
}

void print_table(const core::Comparison& c, std::ostream& out) {
  const core::Parameters& p = c.params;
  char line[256];
  out << "workload: L=" << p.workload.L << " d=" << p.workload.d << " m=" << p.workload.m;
  if (p.workload.queries > 0) out << " n=" << p.workload.queries;
  if (p.workload.dv > 0) out << " d_v=" << p.workload.dv;
  out << (p.causal ? " causal" : "") << ", " << core::to_string(p.precision) << '\n';
  std::snprintf(line, sizeof line, "%-30s %8s %11s %11s %11s %10s\n", "method", "r", "max_abs", "rel_fro", "mse",
                "time");
  out << line;
  std::snprintf(line, sizeof line, "%-30s %8s %11s %11s %11s %10s\n", "exact prefix attention", "-", "-", "-", "-",
                core::format_duration(c.exact_seconds).c_str());
  out << line;
  std::snprintf(line, sizeof line, "%-30s %8lld %11.3e %11.3e %11.3e %10s\n", method_label(c).c_str(),
                static_cast<long long>(c.r), c.errors.max_abs, c.errors.rel_fro, c.errors.mse,
                core::format_duration(c.approx_seconds).c_str());
  out << line;
  out << "compressing the prefix into Z and k took " << core::format_duration(c.compress_seconds)
      << " (once per prefix)\n";
  out << "times: wall clock on " << c.threads << (c.threads == 1 ? " thread" : " threads") << ", the median of "
      << c.exact_runs << " (exact), " << c.compress_runs << " (compression) and " << c.approx_runs
      << " (NTK-Attention) runs; steps under " << core::format_duration(core::timing_budget_seconds)
      << " are repeated up to " << core::max_timing_runs << " times\n";
  std::snprintf(line, sizeof line, "prefix share of attention (mean over queries): %.4f\n", c.exact.prefix_mass.mean());
  out << line;
  if (c.bound) {
    if (c.bound->applies)
      std::snprintf(line, sizeof line, "Taylor bound: |t| <= %.3g, kernel error <= %.3g, output error <= %.3g\n",
                    c.bound->beta, c.bound->kernel_rel, c.bound->output);
    else
      std::snprintf(line, sizeof line,
                    "Taylor bound: |t| <= %.3g gives a kernel error bound >= 1: the bound does "
                    "not apply at this entry scale\n",
                    c.bound->beta);
    out << line;
  }
  if (c.limit_distance) {
    std::snprintf(line, sizeof line, "max-abs distance of exact attention to its m -> infinity limit: %.3e\n",
                  *c.limit_distance);
    out << line;
  }
  if (c.float64_gap) {
    std::snprintf(line, sizeof line,
                  "float32 against the same comparison in float64: max-abs difference %.3e (exact), %.3e "
                  "(NTK-Attention)\n",
                  c.float64_gap->exact_max_abs, c.float64_gap->ntk_max_abs);
    out << line;
  }
  std::snprintf(line, sizeof line, "parameters: prefix m d = %.0f, NTK-Attention r d_v + r = %.0f\n",
                c.cost.exact.parameters, c.cost.ntk.parameters);
  out << line;
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  apply_thread_option(args);
  const double budget = memory_budget_bytes(args);
  core::Parameters params = core::default_parameters();
  apply_parameter_options(args, params);
  if (const auto omega = args.value("omega")) {
    if (params.feature.kind != core::FeatureKind::favor)
      throw UsageError("--omega gives FAVOR+ directions; use it with --feature favor");
    core::NpyArray a = core::read_npy(*omega, budget);
    if (a.shape.size() != 2) throw UsageError(*omega + " must be a 2-D array (r x d)");
    core::check_finite(a, *omega);
    core::set_given_omega(params.feature, std::move(a.data), *omega);
  }
  std::vector<fs::path> files;
  if (const auto omega = args.value("omega")) files.emplace_back(*omega);
  core::ComparisonOptions options{stderr_progress(err, "comparing"), budget};
  options.float64_gap = true;  // float32 only: its distance to float64 is part of the result
  core::Comparison c;
  const auto dir = args.value("inputs");
  if (dir) {
    for (const std::string& key : given_parameter_options(args))
      if (core::set_by_inputs(key))
        throw UsageError("--" + key + " describes a generated workload; it cannot be combined with --inputs");
    const ArrayInputs in = read_inputs(*dir, budget);
    if (core::is_npz(*dir))
      files.emplace_back(*dir);
    else
      for (const char* key : input_keys) files.push_back(fs::path(*dir) / (std::string(key) + ".npy"));
    core::describe_inputs(params, in.Q.rows(), in.K.rows(), in.Q.cols(), in.V.cols(), in.KP.rows());
    const core::MatrixPrefix prefix(in.KP, in.VP);
    c = core::compare_methods(in.Q, in.K, in.V, prefix, params, options);
  } else {
    core::check_memory_budget(core::comparison_sizes(params), budget);  // the clearer refusal first
    core::check_work_budget(core::comparison_gflop(params), work_budget_gflop(args), "this comparison");
    c = core::compare_methods(params, options);
  }
  if (c.status == core::Status::cancelled) {
    err << "\ninterrupted; nothing written\n";
    return exit_interrupted;
  }
  const core::InputSource source = dir ? core::InputSource::arrays : core::InputSource::generated;
  const std::string provenance = run_provenance(args, files);
  // With --json, stdout holds the JSON alone (what --out would write as metrics.json).
  std::ostream& report = args.has("json") ? err : out;
  if (args.has("json"))
    out << core::metrics_json(c, source, provenance) << '\n';
  else
    print_table(c, out);
  if (const auto out_path = args.value("out"))
    report << "wrote " << core::write_comparison(c, source, provenance, *out_path) << " to " << *out_path << '\n';
  if (!c.degeneracy.empty()) err << "warning: " << c.degeneracy << '\n';
  if (c.status != core::Status::ok) {
    err << "numerical failure: " << core::diagnosis(c) << '\n';
    return exit_numerical;
  }
  return exit_ok;
}

}  // namespace

Command compare_command() {
  std::vector<OptionSpec> options = parameter_options();
  options.push_back({"inputs", true, false,
                     "folder with Q.npy K.npy V.npy KP.npy VP.npy, or FILE.npz with arrays Q K V KP VP "
                     "(float64/float32, C or Fortran order; Q n x d, K L x d, V L x d_v, KP m x d, VP m x d_v), "
                     "instead of a generated workload"});
  options.push_back({"omega", true, false, "FAVOR+ directions as an r x d .npy file"});
  options.push_back({"out", true, false,
                     "folder for exact.npy approx.npy Z.npy k.npy row_error.npy prefix_mass.npy metrics.json, "
                     "or FILE.npz holding them all"});
  options.push_back(
      {"json", false, false, "print metrics.json (metrics and provenance) to stdout instead of the table"});
  for (const OptionSpec& o : resource_options()) options.push_back(o);
  options.push_back(work_budget_option());
  return {"compare", "Compare exact prefix attention with NTK-Attention and print the error table",
          "compare [--inputs DIR|FILE.npz | workload options] [--feature taylor|elu|favor] [--degree G] "
          "[--features R] [--omega FILE.npy] [--orthogonal] [--rank S] [--causal] [--precision float32] "
          "[--out DIR|FILE.npz] [--json]",
          options, run};
}

}  // namespace ntk::app
