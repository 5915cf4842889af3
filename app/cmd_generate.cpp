// ntk-explorer generate: writes a seeded workload as .npy files in the reference layout.

#include "app/commands.h"
#include "app/progress_printer.h"
#include "core/io/npy.h"
#include "core/workload/workload.h"

#include <filesystem>

namespace ntk::app {
namespace {

namespace fs = std::filesystem;
using core::WorkloadSpec;

// Checked on the nearest folder that exists, before anything is created.
void require_space(fs::path dir, double bytes) {
  dir = fs::absolute(dir);
  while (!fs::exists(dir) && dir.has_parent_path() && dir != dir.parent_path()) dir = dir.parent_path();
  const fs::space_info space = fs::space(dir);
  if (double(space.available) < bytes * 1.05)
    throw UsageError("the workload needs " + std::to_string(std::int64_t(bytes / 1e6)) + " MB on disk but " +
                     dir.string() + " has " + std::to_string(std::int64_t(double(space.available) / 1e6)) +
                     " MB free; lower --m or choose another --out");
}

// Streams rows [0, m) of the prefix into KP.npy and VP.npy (and P.npy in projection mode);
// false, with no file left, when interrupted (the writers remove their temporary files).
bool write_prefix(const WorkloadSpec& spec, const core::InputPart& in, const fs::path& dir) {
  const core::GeneratedPrefix prefix(spec, in);
  core::NpyWriter kp(dir / "KP.npy", spec.m, spec.d), vp(dir / "VP.npy", spec.m, core::value_width(spec));
  std::optional<core::NpyWriter> p;
  if (spec.mode == core::WorkloadMode::projection) p.emplace(dir / "P.npy", spec.m, spec.d);
  core::PrefixScratch scratch;
  constexpr Eigen::Index rows = 65536;
  for (Eigen::Index begin = 0; begin < spec.m; begin += rows) {
    if (interrupted.load()) return false;
    const Eigen::Index count = std::min(rows, spec.m - begin);
    const core::PrefixRows blk = prefix.block(begin, count, scratch);
    kp.append_rows(blk.KP);
    vp.append_rows(blk.VP);
    if (p) p->append_rows(scratch.P);
  }
  kp.finish();
  vp.finish();
  if (p) p->finish();
  return true;
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  core::Parameters params = core::default_parameters();
  apply_parameter_options(args, params);
  const WorkloadSpec& spec = params.workload;
  core::validate(spec);
  const auto dir = args.value("out");
  if (!dir) throw UsageError("--out DIR is required (the folder for the .npy files)");
  const int prefix_files = spec.mode == core::WorkloadMode::projection ? 3 : 2;
  const double widths = double(spec.d) * (prefix_files - 1) + double(core::value_width(spec));
  require_space(*dir, 8.0 * (double(spec.m) * widths + 5.0 * double(spec.L) * double(spec.d + spec.dv)));
  fs::create_directories(*dir);

  const core::InputPart in = core::generate_inputs(spec);
  const fs::path d = *dir;
  // The prefix first: an interrupt during it (the long part) leaves no file of this workload.
  if (!write_prefix(spec, in, d)) {
    err << "interrupted; nothing written\n";
    return exit_interrupted;
  }
  core::write_npy(d / "Q.npy", in.Q);
  core::write_npy(d / "K.npy", in.K);
  core::write_npy(d / "V.npy", in.V);
  if (spec.mode == core::WorkloadMode::projection) {
    core::write_npy(d / "X.npy", in.X);
    core::write_npy(d / "WQ.npy", in.WQ);
    core::write_npy(d / "WK.npy", in.WK);
    core::write_npy(d / "WV.npy", in.WV);
  }
  out << "wrote " << (spec.mode == core::WorkloadMode::projection ? "Q K V KP VP X P WQ WK WV" : "Q K V KP VP")
      << " (.npy, float64) to " << d.string() << '\n';
  return exit_ok;
}

}  // namespace

Command generate_command() {
  std::vector<OptionSpec> options;
  for (const OptionSpec& o : parameter_options())  // the workload's: what arrays would fix, and the seed
    if (core::set_by_inputs(o.name) || o.name == "seed") options.push_back(o);
  options.push_back({"out", true, false, "folder to write the .npy files into (created if needed)"});
  return {"generate", "Write a seeded workload (Q, K, V, K_P, V_P; projection mode also X, P, W) as .npy",
          "generate [--mode direct|projection] [--L N] [--d N] [--m N] [--queries N] [--dv N] [--scale B] "
          "[--dist gaussian|uniform] [--match S] [--seed S] --out DIR",
          options, run};
}

}  // namespace ntk::app
