#include "app/cli_args.h"
#include "app/progress_printer.h"
#include "app/sweep_plan.h"
#include "core/io/text_formats.h"
#include "tests/app/cli_test_util.h"

#include <chrono>
#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ntk::test {
namespace {

namespace fs = std::filesystem;

TEST(SweepPlan, AxisForms) {
  EXPECT_EQ(app::parse_axis("m=16..128:log").values, (std::vector<std::string>{"16", "32", "64", "128"}));
  EXPECT_EQ(app::parse_axis("degree=1..3").values, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(app::parse_axis("scale=0.5..2:4").values, (std::vector<std::string>{"0.5", "1", "1.5", "2"}));
  EXPECT_EQ(app::parse_axis("feature=taylor,elu").values, (std::vector<std::string>{"taylor", "elu"}));
  EXPECT_THROW(app::parse_axis("m"), app::UsageError);
  EXPECT_THROW(app::parse_axis("bogus=1,2"), app::UsageError);
  EXPECT_THROW(app::parse_axis("m=10..1"), app::UsageError);
  EXPECT_THROW(app::parse_axis("scale=0.5..2"), app::UsageError);
  EXPECT_THROW(app::parse_axis("L=0..4"), app::UsageError);
  EXPECT_THROW(app::parse_axis("feature=taylor,relu"), app::UsageError);
  EXPECT_THROW(app::parse_shard("0/2"), app::UsageError);
  EXPECT_THROW(app::parse_shard("3/2"), app::UsageError);
  EXPECT_EQ(app::parse_shard("2/3"), (std::pair<long long, long long>{2, 3}));
}

TEST(SweepPlan, FirstAxisIsOutermost) {
  const auto points = app::expand(core::default_parameters(),
                                  {app::parse_axis("m=16,32"), app::parse_axis("degree=1..3")});
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[1].params.workload.m, 16);
  EXPECT_EQ(points[1].params.feature.degree, 2);
  EXPECT_EQ(points[3].params.workload.m, 32);
  EXPECT_EQ(points[3].params.feature.degree, 1);
}

// Drops the timing columns, the only ones two runs may disagree on.
core::CsvTable without_timings(core::CsvTable t) {
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i < t.header.size(); ++i)
    if (t.header[i].find("_seconds") == std::string::npos) keep.push_back(i);
  core::CsvTable out;
  for (std::size_t i : keep) out.header.push_back(t.header[i]);
  for (const auto& r : t.rows) {
    out.rows.emplace_back();
    for (std::size_t i : keep) out.rows.back().push_back(r[i]);
  }
  return out;
}

class Sweep : public CliTest {};

TEST_F(Sweep, ShardsMergeIntoWhatOneRunWrites) {
  const std::vector<std::string> grid{"sweep", "--vary", "m=16..256:log", "--vary", "feature=taylor,elu",
                                      "--L", "8", "--d", "4"};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = grid;
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun r = cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
  };
  run({"--out", path("all.csv")});
  run({"--shard", "1/3", "--out", path("s1.csv")});
  run({"--shard", "2/3", "--out", path("s2.csv")});
  run({"--shard", "3/3", "--out", path("s3.csv")});
  const core::CsvTable all = core::read_csv(path("all.csv"));
  EXPECT_EQ(all.rows.size(), 10u);
  for (const char* column : {"point", "m", "feature", "max_abs_error", "rel_fro_error", "mse", "exact_seconds"})
    EXPECT_NE(std::find(all.header.begin(), all.header.end(), column), all.header.end()) << column;

  const CliRun incomplete = cli({"merge", path("s1.csv"), path("s3.csv"), "--out", path("bad.csv")});
  EXPECT_EQ(incomplete.code, 2);
  EXPECT_NE(incomplete.err.find("hold 7 of the sweep's 10 points"), std::string::npos) << incomplete.err;
  EXPECT_FALSE(fs::exists(path("bad.csv")));
  EXPECT_EQ(cli({"merge", path("s1.csv"), path("s1.csv"), "--out", path("bad.csv")}).code, 2);

  const CliRun merged = cli({"merge", path("s3.csv"), path("s1.csv"), path("s2.csv"), "--out", path("merged.csv")});
  ASSERT_EQ(merged.code, 0) << merged.err;
  const core::CsvTable m = without_timings(core::read_csv(path("merged.csv")));
  const core::CsvTable a = without_timings(all);
  EXPECT_EQ(m.header, a.header);
  EXPECT_EQ(m.rows, a.rows);
}

TEST_F(Sweep, AnInterruptBeforeTheFirstPointLeavesAHeaderOnlyCsv) {
  app::interrupted = true;
  const CliRun r = cli({"sweep", "--vary", "m=16,32", "--out", path("x.csv")});
  app::interrupted = false;
  EXPECT_EQ(r.code, 130);
  const core::CsvTable t = core::read_csv(path("x.csv"));
  EXPECT_EQ(t.header.front(), "point");
  EXPECT_TRUE(t.rows.empty());
}

// The real program, interrupted with SIGINT once it has written its first row.
TEST_F(Sweep, SigintLeavesAValidCsvOfTheFinishedRows) {
  const std::string csv = path("live.csv");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const char* argv[] = {NTK_EXPLORER_PATH, "sweep", "--vary", "m=1024..1073741824:log", "--L", "4",
                          "--d", "4", "--out", csv.c_str(), nullptr};
    std::freopen("/dev/null", "w", stderr);
    execv(NTK_EXPLORER_PATH, const_cast<char* const*>(argv));
    _exit(127);
  }
  // Wait (at most a minute) until the header and one row are on disk.
  for (int i = 0; i < 600; ++i) {
    std::ifstream in(csv);
    const auto lines = std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
    if (lines >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const core::CsvTable t = core::read_csv(csv);  // throws on a half-written row
  EXPECT_GE(t.rows.size(), 1u);
  EXPECT_LT(t.rows.size(), 21u);
}

}  // namespace
}  // namespace ntk::test
