// ntk-explorer sweep: one CSV row per parameter point, written as each point finishes, so an
// interrupt leaves a valid CSV of the finished rows. --shard computes one deterministic slice;
// --resume computes only the points the CSV lacks. Every row carries the sweep's fingerprint,
// and FILE.csv.provenance.json says how the file was made.

#include "app/commands.h"
#include "app/progress_printer.h"
#include "core/io/result_files.h"
#include "core/io/text_formats.h"
#include "core/sweep/sweep_run.h"
#include "core/util/parallel.h"

#include <cstdio>
#include <fstream>

namespace ntk::app {
namespace {

namespace fs = std::filesystem;

// The rows of an earlier run of the same sweep and shard at `path` (none when it does not exist).
std::map<long long, std::vector<std::string>> finished_rows(const fs::path& path, const std::vector<std::string>& head,
                                                            const std::string& fingerprint, long long shard,
                                                            long long shards, std::ostream& err) {
  if (!fs::exists(path)) return {};
  core::SweepCsv done = core::read_sweep_csv(path);
  if (done.header != head)
    throw UsageError(path.string() + " has other columns than this sweep writes; it cannot be resumed");
  if (!done.rows.empty() && done.fingerprint != fingerprint)
    throw UsageError(path.string() + " belongs to another sweep (fingerprint " + done.fingerprint + ", this one " +
                     fingerprint + "): other options, another grid or another version");
  for (const auto& [index, row] : done.rows)
    if (index % shards != shard - 1)
      throw UsageError(path.string() + " holds point " + std::to_string(index) +
                       ", which belongs to another shard than " + std::to_string(shard) + "/" + std::to_string(shards));
  if (done.dropped_cut_row) err << "resume: dropped the last row of " << path.string() << ", cut mid-row\n";
  return std::move(done.rows);
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  apply_thread_option(args);
  core::Parameters base = core::default_parameters();
  apply_parameter_options(args, base);
  const auto path = args.value("out");
  if (!path) throw UsageError("--out FILE.csv is required");
  std::vector<core::SweepAxis> axes;
  for (const std::string& v : args.values("vary")) axes.push_back(core::parse_axis(v));
  if (axes.empty()) throw UsageError("give at least one --vary KEY=VALUES, e.g. --vary m=16..65536:log2");
  const std::vector<core::SweepPoint> points = core::expand(base, axes);
  const auto [shard, shards] = core::parse_shard(args.value("shard").value_or("1/1"));
  const double budget = memory_budget_bytes(args);
  const auto total = static_cast<long long>(points.size());
  const std::string fingerprint = core::sweep_fingerprint(base, axes);
  const std::vector<std::string> head = core::sweep_header();
  err << "sweep " << fingerprint << ", " << total << " points:\n" << core::describe_grid(axes);
  // Every point of this shard against the memory budget before any work or any file, and the
  // work the shard will do, so a grid that cannot end in reasonable time is refused at once.
  const double gflop = core::check_sweep_budget(points, shard, shards, budget);
  char work[96];
  std::snprintf(work, sizeof work, "this shard: about %.3g GFLOP of arithmetic", gflop);
  err << work << " (a few seconds per 100 GFLOP on one core)\n";
  core::check_work_budget(gflop, work_budget_gflop(args), shards > 1 ? "this shard" : "this sweep");

  std::map<long long, std::vector<std::string>> done;
  if (args.has("resume")) done = finished_rows(*path, head, fingerprint, shard, shards, err);
  std::string kept = core::csv_line(head);
  for (const auto& [index, r] : done) kept += core::csv_line(r);
  core::write_text_atomic(*path, kept);
  core::write_text_atomic(*path + ".provenance.json",
                          core::JsonObject()
                              .add("sweep", fingerprint)
                              .add("points", static_cast<long long>(total))
                              .add("shard", std::to_string(shard) + "/" + std::to_string(shards))
                              .add("grid", core::describe_grid(axes))
                              .add_raw("provenance", run_provenance(args))
                              .str());
  std::ofstream csv(*path, std::ios::app);
  if (!csv) throw UsageError("cannot append to " + *path);

  core::SweepRunOptions run{shard, shards, {}, {stderr_progress(err, "point"), budget}, {}, {}};
  for (const auto& row : done) run.done.insert(row.first);
  run.starting = [&](const core::SweepPoint& p) {
    if (interrupted.load()) return false;
    err << "point " << p.index + 1 << " of " << total << '\n';
    return true;
  };
  run.finished = [&](const core::SweepPoint&, const std::vector<std::string>& row) {
    csv << core::csv_line(row);
    csv.flush();
    if (!csv)
      throw std::runtime_error(core::write_error(*path).what() +
                               std::string("; its finished rows are kept (--resume)"));
  };
  const core::SweepRunReport report = core::run_sweep(points, fingerprint, run);
  const long long have = static_cast<long long>(done.size()) + report.computed, expected = report.expected,
                  computed = report.computed, failures = report.failures;
  if (have < expected) {
    err << "interrupted: " << *path << " holds " << have << " of the " << expected
        << " rows; rerun the same line with --resume to finish\n";
    return exit_interrupted;
  }
  out << "wrote " << computed << " rows to " << *path
      << (have > computed ? " (" + std::to_string(have - computed) + " were there already)" : "")
      << (shards > 1 ? " (shard " + std::to_string(shard) + "/" + std::to_string(shards) + ")" : "") << '\n';
  if (failures > 0) err << failures << " points had a numerical failure (see the status column)\n";
  return exit_ok;
}

}  // namespace

Command sweep_command() {
  std::vector<OptionSpec> options = parameter_options();
  options.push_back({"vary", true, true,
                     "KEY=a..b | KEY=a..b:N | KEY=a..b:log2 | KEY=a..b:log:N | KEY=v1,v2,... (ranges include both "
                     "ends; repeat for a grid, the first outermost)"});
  options.push_back({"out", true, false, "the CSV file to write (and FILE.csv.provenance.json beside it)"});
  options.push_back({"shard", true, false, "K/N: compute only points with index % N == K - 1"});
  options.push_back({"resume", false, false, "keep the rows FILE.csv has of this same sweep; compute only the rest"});
  for (const OptionSpec& o : resource_options()) options.push_back(o);
  options.push_back(work_budget_option());
  return {"sweep", "Compare the two methods over a grid of parameters, one CSV row per point",
          "sweep --vary KEY=VALUES [--vary ...] [parameter options] [--shard K/N] [--resume] --out FILE.csv", options,
          run};
}

}  // namespace ntk::app
