// ntk-explorer merge: joins the CSV files of a sharded sweep into what one run writes.

#include "app/commands.h"
#include "core/io/text_formats.h"
#include "core/sweep/sweep_plan.h"

namespace ntk::app {
namespace {

int run(const Args& args, std::ostream& out, std::ostream&) {
  const auto path = args.value("out");
  if (!path) throw UsageError("--out FILE.csv is required");
  if (args.positional().empty()) throw UsageError("give the shard CSV files to merge");
  core::SweepCsv all;
  const std::string& first = args.positional().front();
  for (const std::string& file : args.positional()) {
    core::SweepCsv shard = core::read_sweep_csv(file);
    if (all.header.empty()) all.header = shard.header;
    if (shard.header != all.header) throw UsageError(file + " has other columns than " + first);
    if (shard.rows.empty()) continue;
    if (!all.fingerprint.empty() && shard.fingerprint != all.fingerprint)
      throw UsageError(file + " belongs to another sweep than " + first + " (fingerprint " + shard.fingerprint +
                       " against " + all.fingerprint + "): other fixed options, another grid or another version");
    if (all.points >= 0 && shard.points != all.points)
      throw UsageError(file + " belongs to a sweep of " + std::to_string(shard.points) + " points, the others to " +
                       std::to_string(all.points));
    all.fingerprint = shard.fingerprint;
    all.points = shard.points;
    for (auto& [index, r] : shard.rows)
      if (!all.rows.emplace(index, std::move(r)).second)
        throw UsageError("point " + std::to_string(index) + " appears twice (the same shard given twice?)");
  }
  if (all.rows.empty()) throw UsageError("the files hold no rows: nothing to merge");
  if (static_cast<long long>(all.rows.size()) != all.points)
    throw UsageError("the shards hold " + std::to_string(all.rows.size()) + " of the sweep's " +
                     std::to_string(all.points) + " points; finish the missing or interrupted shards with --resume");
  std::string text = core::csv_line(all.header);
  for (const auto& [index, r] : all.rows) text += core::csv_line(r);
  core::write_text_atomic(*path, text);
  out << "merged " << all.rows.size() << " rows of sweep " << all.fingerprint << " into " << *path << '\n';
  return exit_ok;
}

}  // namespace

Command merge_command() {
  return {"merge",
          "Join the CSV files of a sharded sweep into exactly what one run writes",
          "merge SHARD.csv [SHARD.csv ...] --out FILE.csv",
          {{"out", true, false, "the merged CSV file"}},
          run,
          core::parameter_specs(),
          true};
}

}  // namespace ntk::app
