// ntk-explorer ntk: the stylized model's empirical NTK at initialisation and its limit H*, with
// both spectra (method.md section 8).

#include "app/commands.h"
#include "core/io/npy.h"
#include "core/io/text_formats.h"
#include "core/ntk/ntk_view.h"

#include <filesystem>
#include <iomanip>

namespace ntk::app {
namespace {

namespace fs = std::filesystem;

int run(const Args& args, std::ostream& out, std::ostream&) {
  core::Parameters params = core::default_parameters();
  apply_parameter_options(args, params, core::ntk_parameter_specs());
  apply_thread_option(args);
  const auto dir = args.value("out");
  if (!dir) throw UsageError("--out DIR is required (the folder for X.npy, H_empirical.npy, H_limit.npy, eigenvalues.csv)");
  const core::NtkSpec& spec = params.ntk.model;
  core::check_ntk_memory(spec, memory_budget_bytes(args));
  const core::NtkView view = core::ntk_view(spec);
  fs::create_directories(*dir);
  const fs::path d = *dir;
  core::write_npy(d / "X.npy", view.problem.X);
  core::write_npy(d / "H_empirical.npy", view.empirical);
  core::write_npy(d / "H_limit.npy", view.limit);
  core::write_text_atomic(d / "eigenvalues.csv", core::eigenvalue_csv(view));
  out << "model: the standard stylized form (method.md section 8; the paper's exact network could not be checked)\n"
      << "n=" << spec.n << " d=" << spec.d << " m=" << spec.m << " sigma=" << spec.sigma << " seed=" << spec.seed << "\n"
      << std::setprecision(4)
      << "H*:      lambda_min " << view.limit_spectrum.lambda_min << "  lambda_max " << view.limit_spectrum.lambda_max
      << "  condition " << view.limit_spectrum.condition << "  effective rank " << view.limit_spectrum.effective_rank << "\n"
      << "H(W)/m:  lambda_min " << view.empirical_spectrum.lambda_min << "  lambda_max "
      << view.empirical_spectrum.lambda_max << "  condition " << view.empirical_spectrum.condition
      << "  effective rank " << view.empirical_spectrum.effective_rank
      << (view.empirical_spectrum.complete ? "" : "  (extreme eigenvalues only, Lanczos)") << "\n"
      << "|H(W)/m - H*|_F / |H*|_F = " << view.distance << "\n"
      << "wrote X.npy H_empirical.npy H_limit.npy (index l n + i) eigenvalues.csv to " << d.string() << '\n';
  return exit_ok;
}

}  // namespace

Command ntk_command() {
  std::vector<OptionSpec> options;
  for (const OptionSpec& o : parameter_options(core::ntk_parameter_specs()))
    if (o.name != "eta" && o.name != "steps") options.push_back(o);
  options.push_back({"out", true, false, "folder for X.npy, H_empirical.npy (H(W)/m), H_limit.npy (H*), eigenvalues.csv"});
  for (const OptionSpec& o : resource_options()) options.push_back(o);
  return {"ntk", "The stylized model's empirical NTK H(W)/m and its limit H*, with spectra",
          "ntk [--n N] [--d D] [--m M] [--sigma S] [--seed SEED] --out DIR", options, run,
          core::ntk_parameter_specs()};
}

}  // namespace ntk::app
