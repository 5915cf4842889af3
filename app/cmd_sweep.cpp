// ntk-explorer sweep: one CSV row per parameter point, written as each point finishes, so an
// interrupt leaves a valid CSV of the finished rows. --shard computes one deterministic slice.

#include "app/commands.h"
#include "app/progress_printer.h"
#include "app/result_files.h"
#include "app/sweep_plan.h"
#include "core/io/text_formats.h"

#include <fstream>

namespace ntk::app {
namespace {

std::vector<std::string> header(const core::Comparison& any) {
  std::vector<std::string> h{"point", "points"};
  for (const core::ParamSpec& s : core::parameter_specs()) h.emplace_back(s.key);
  for (const MetricField& f : metric_fields(any)) h.push_back(f.name);
  h.emplace_back("status");
  return h;
}

std::vector<std::string> row(const SweepPoint& p, long long total, const core::Comparison& c) {
  std::vector<std::string> r{std::to_string(p.index), std::to_string(total)};
  for (const core::ParamSpec& s : core::parameter_specs()) r.push_back(s.get(p.params));
  for (const MetricField& f : metric_fields(c)) r.push_back(core::format_number(f.value));
  r.emplace_back(core::to_string(c.status));
  return r;
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  apply_thread_option(args);
  core::Parameters base = core::default_parameters();
  apply_parameter_options(args, base);
  const auto path = args.value("out");
  if (!path) throw UsageError("--out FILE.csv is required");
  std::vector<SweepAxis> axes;
  for (const std::string& v : args.values("vary")) axes.push_back(parse_axis(v));
  if (axes.empty()) throw UsageError("give at least one --vary KEY=VALUES, e.g. --vary m=16..65536:log");
  const std::vector<SweepPoint> points = expand(base, axes);
  const auto [shard, shards] = parse_shard(args.value("shard").value_or("1/1"));
  const auto total = static_cast<long long>(points.size());

  std::ofstream csv(*path, std::ios::trunc);
  if (!csv) throw UsageError("cannot write " + *path);
  csv << core::csv_line(header(core::Comparison{}));
  csv.flush();
  install_interrupt_handler();
  const core::ComparisonOptions options{stderr_progress(err, "point"), memory_budget_bytes(args)};
  long long done = 0, failures = 0;
  for (const SweepPoint& p : points) {
    if (p.index % shards != shard - 1) continue;
    if (interrupted.load()) break;
    err << "point " << p.index + 1 << " of " << total << '\n';
    const core::Comparison c = core::compare_methods(p.params, options);
    if (c.status == core::Status::cancelled) break;
    failures += c.status != core::Status::ok;
    csv << core::csv_line(row(p, total, c));
    csv.flush();
    ++done;
  }
  const long long expected = (total - shard + shards) / shards;
  if (done < expected) {
    err << "interrupted: " << *path << " holds the " << done << " finished rows of " << expected << '\n';
    return exit_interrupted;
  }
  out << "wrote " << done << " rows to " << *path << (shards > 1 ? " (shard " + std::to_string(shard) + "/" + std::to_string(shards) + ")" : "") << '\n';
  if (failures > 0) err << failures << " points had a numerical failure (see the status column)\n";
  return exit_ok;
}

}  // namespace

Command sweep_command() {
  std::vector<OptionSpec> options = parameter_options();
  options.push_back({"vary", true, true,
                     "KEY=a..b:log | KEY=a..b | KEY=a..b:N | KEY=v1,v2,... (repeat for a grid; first is outermost)"});
  options.push_back({"out", true, false, "the CSV file to write"});
  options.push_back({"shard", true, false, "K/N: compute only points with index % N == K - 1"});
  for (const OptionSpec& o : resource_options()) options.push_back(o);
  return {"sweep", "Compare the two methods over a grid of parameters, one CSV row per point",
          "sweep --vary KEY=VALUES [--vary ...] [parameter options] [--shard K/N] --out FILE.csv",
          options, run};
}

}  // namespace ntk::app
