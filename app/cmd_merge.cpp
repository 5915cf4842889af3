// ntk-explorer merge: joins the CSV files of a sharded sweep into what one run writes.

#include "app/commands.h"
#include "core/io/text_formats.h"

#include <map>

namespace ntk::app {
namespace {

int run(const Args& args, std::ostream& out, std::ostream&) {
  const auto path = args.value("out");
  if (!path) throw UsageError("--out FILE.csv is required");
  if (args.positional().empty()) throw UsageError("give the shard CSV files to merge");
  std::vector<std::string> header;
  std::map<long long, std::vector<std::string>> rows;
  long long total = -1;
  for (const std::string& file : args.positional()) {
    core::CsvTable t = core::read_csv(file);
    if (t.header.size() < 2 || t.header[0] != "point" || t.header[1] != "points")
      throw UsageError(file + " is not a sweep CSV (its first columns must be point,points)");
    if (header.empty()) header = t.header;
    if (t.header != header) throw UsageError(file + " has other columns than " + args.positional().front());
    for (auto& r : t.rows) {
      long long index = 0, points = 0;
      try {
        index = std::stoll(r[0]);
        points = std::stoll(r[1]);
      } catch (const std::exception&) {
        throw UsageError(file + ": a row has a point index that is not a number");
      }
      if (total >= 0 && points != total)
        throw UsageError(file + " belongs to a sweep of " + std::to_string(points) +
                         " points, the others to " + std::to_string(total));
      total = points;
      if (!rows.emplace(index, std::move(r)).second)
        throw UsageError("point " + std::to_string(index) + " appears twice (the same shard given twice?)");
    }
  }
  if (total < 0) total = 0;
  if (static_cast<long long>(rows.size()) != total)
    throw UsageError("the shards hold " + std::to_string(rows.size()) + " of the sweep's " +
                     std::to_string(total) + " points; rerun the missing or interrupted shards");
  std::string text = core::csv_line(header);
  for (const auto& [index, r] : rows) text += core::csv_line(r);
  core::write_text_atomic(*path, text);
  out << "merged " << rows.size() << " rows into " << *path << '\n';
  return exit_ok;
}

}  // namespace

Command merge_command() {
  return {"merge", "Join the CSV files of a sharded sweep into exactly what one run writes",
          "merge SHARD.csv [SHARD.csv ...] --out FILE.csv",
          {{"out", true, false, "the merged CSV file"}},
          run};
}

}  // namespace ntk::app
