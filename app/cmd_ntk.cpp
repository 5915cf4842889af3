// ntk-explorer ntk: the stylized model's empirical NTK at initialisation and its limit H*, with
// both spectra (method.md section 8).

#include "app/commands.h"
#include "app/progress_printer.h"
#include "core/io/npy.h"
#include "core/io/text_formats.h"
#include "core/ntk/ntk_view.h"

#include <filesystem>
#include <iomanip>

namespace ntk::app {
namespace {

namespace fs = std::filesystem;

int run(const Args& args, std::ostream& out, std::ostream& err) {
  core::Parameters params = core::default_parameters();
  apply_parameter_options(args, params, core::ntk_parameter_specs());
  apply_thread_option(args);
  const auto dir = args.value("out");
  if (!dir)
    throw UsageError("--out DIR is required (the folder for X.npy, H_empirical.npy, H_limit.npy, eigenvalues.csv)");
  const core::NtkSpec& spec = params.ntk.model;
  core::check_ntk_memory(spec, memory_budget_bytes(args), core::NtkWork::kernels);
  const core::NtkView view = core::ntk_view(spec, stderr_progress(err, "kernel"));
  if (view.status == core::Status::cancelled) {
    err << "\ninterrupted; nothing written\n";
    return exit_interrupted;
  }
  fs::create_directories(*dir);
  const fs::path d = *dir;
  core::write_npy(d / "X.npy", view.problem.X);
  core::write_npy(d / "Y.npy", view.problem.Y);
  core::write_npy(d / "W0.npy", view.problem.W0);
  core::write_npy(d / "a.npy", view.problem.a);
  core::write_text_atomic(d / "provenance.json", run_provenance(args));
  core::write_npy(d / "H_empirical.npy", view.empirical);
  core::write_npy(d / "H_limit.npy", view.limit);
  const bool solved =
      view.limit_spectrum.status == core::Status::ok && view.empirical_spectrum.status == core::Status::ok;
  if (solved) core::write_text_atomic(d / "eigenvalues.csv", core::eigenvalue_csv(view));
  out << "model: the standard stylized form (method.md section 8; the paper's exact network could not be checked)\n"
      << "n=" << spec.n << " d=" << spec.d << " m=" << spec.m << " sigma=" << spec.sigma << " seed=" << spec.seed
      << "\n"
      << std::setprecision(4);
  const auto print = [&](const char* name, const core::Spectrum& s) {
    out << name << "trace " << s.trace << "  |.|_F " << s.frobenius << "  effective rank " << s.effective_rank;
    if (s.status == core::Status::ok)
      out << "  lambda_min " << s.lambda_min << "  lambda_max " << s.lambda_max << "  condition " << s.condition
          << (s.complete ? "" : "  (extreme eigenvalues only, Lanczos)");
    else
      out << "  eigenvalues: " << core::to_string(s.status);
    out << '\n';
  };
  print("H*:      ", view.limit_spectrum);
  print("H(W)/m:  ", view.empirical_spectrum);
  out << "|H(W)/m - H*|_F / |H*|_F = " << view.distance << "\n"
      << "wrote X.npy Y.npy W0.npy a.npy (the model) H_empirical.npy H_limit.npy (index l n + i)"
      << (solved ? " eigenvalues.csv" : "") << " provenance.json to " << d.string() << '\n';
  if (!solved) {
    err << "numerical failure: the eigensolver did not converge on the " << view.limit.rows() << " x "
        << view.limit.rows() << " kernels (the smallest eigenvalues cluster); eigenvalues.csv not written. "
        << "The trace, norm and effective rank above need no eigensolver and are right; lower n or d for the "
           "whole spectrum\n";
    return exit_numerical;
  }
  return exit_ok;
}

}  // namespace

Command ntk_command() {
  std::vector<OptionSpec> options;
  for (const OptionSpec& o : parameter_options(core::ntk_parameter_specs()))
    if (o.name != "eta" && o.name != "steps") options.push_back(o);
  options.push_back(
      {"out", true, false, "folder for X.npy, H_empirical.npy (H(W)/m), H_limit.npy (H*), eigenvalues.csv"});
  for (const OptionSpec& o : resource_options()) options.push_back(o);
  return {"ntk",
          "The stylized model's empirical NTK H(W)/m and its limit H*, with spectra",
          "ntk [--n N] [--d D] [--m M] [--sigma S] [--seed SEED] --out DIR",
          options,
          run,
          core::ntk_parameter_specs()};
}

}  // namespace ntk::app
