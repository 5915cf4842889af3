#include "app/cli_args.h"
#include "app/progress_printer.h"
#include "core/io/text_formats.h"
#include "tests/app/cli_test_util.h"

#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

namespace ntk::test {
namespace {

namespace fs = std::filesystem;

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
  const std::vector<std::string> grid{"sweep", "--vary", "m=16..256:log2", "--vary", "feature=taylor,elu", "--L", "8",
                                      "--d",   "4"};
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

// Regression (issue 10, item 6): merge joined shards of different sweeps; it only counted points.
TEST_F(Sweep, MergeRefusesShardsOfAnotherSweep) {
  const std::vector<std::string> grid{"sweep", "--vary", "m=16,32", "--vary", "degree=1..3",
                                      "--L",   "4",      "--d",     "2",      "--shard"};
  const auto shard = [&](const std::string& k, const std::string& file, std::vector<std::string> extra,
                         const std::string& degrees = "degree=1..3") {
    std::vector<std::string> args = grid;
    args.push_back(k);
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--out", path(file)});
    args[4] = degrees;
    ASSERT_EQ(cli(args).code, 0);
  };
  shard("1/2", "a1.csv", {});
  shard("2/2", "a2.csv", {});
  shard("2/2", "scale.csv", {"--scale", "0.6"});
  shard("2/2", "other_grid.csv", {}, "degree=2..4");
  for (const char* other : {"scale.csv", "other_grid.csv"}) {
    const CliRun r = cli({"merge", path("a1.csv"), path(other), "--out", path("m.csv")});
    EXPECT_EQ(r.code, 2) << other;
    EXPECT_NE(r.err.find("belongs to another sweep"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("m.csv")));
  }
  const CliRun elu = cli({"sweep", "--vary", "m=16,32", "--vary", "L=4..6", "--feature", "elu", "--d", "2", "--shard",
                          "2/2", "--out", path("elu.csv")});
  ASSERT_EQ(elu.code, 0) << elu.err;
  EXPECT_EQ(cli({"merge", path("a1.csv"), path("elu.csv"), "--out", path("m.csv")}).code, 2);
  EXPECT_EQ(cli({"merge", path("a1.csv"), path("a2.csv"), "--out", path("m.csv")}).code, 0);
  EXPECT_TRUE(fs::exists(path("a1.csv.provenance.json")));
}

// Item 6: a job stopped by its time limit is finished by rerunning the same line with --resume,
// which computes only the points the CSV lacks (a row cut mid-field is dropped and redone).
TEST_F(Sweep, ResumeComputesOnlyTheMissingPoints) {
  const std::vector<std::string> line{"sweep", "--vary", "m=16..256:log2", "--L",        "4",
                                      "--d",   "2",      "--out",          path("r.csv")};
  ASSERT_EQ(cli(line).code, 0);
  const core::CsvTable full = core::read_csv(path("r.csv"));
  ASSERT_EQ(full.rows.size(), 5u);
  {  // what a killed job leaves: two rows and half of a third
    std::ofstream cut(path("r.csv"), std::ios::trunc);
    cut << core::csv_line(full.header) << core::csv_line(full.rows[0]) << core::csv_line(full.rows[1])
        << core::csv_line(full.rows[2]).substr(0, 20);
  }
  std::vector<std::string> resume = line;
  resume.push_back("--resume");
  const CliRun r = cli(resume);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 3 rows"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 were there already"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("cut mid-row"), std::string::npos) << r.err;
  EXPECT_EQ(without_timings(core::read_csv(path("r.csv"))).rows, without_timings(full).rows);
  EXPECT_EQ(core::read_csv(path("r.csv")).rows[0], full.rows[0]);  // kept, not recomputed
  // Another sweep's CSV is not resumed into.
  std::vector<std::string> other = resume;
  other.insert(other.end(), {"--scale", "0.6"});
  const CliRun refused = cli(other);
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("belongs to another sweep"), std::string::npos) << refused.err;
  EXPECT_EQ(core::read_csv(path("r.csv")).rows.size(), 5u);
  // Nor another shard's.
  std::vector<std::string> shard = resume;
  shard.insert(shard.end(), {"--shard", "2/2"});
  const CliRun wrong_shard = cli(shard);
  EXPECT_EQ(wrong_shard.code, 2);
  EXPECT_NE(wrong_shard.err.find("belongs to another shard"), std::string::npos) << wrong_shard.err;
}

// Regressions from issue 11: a point past the memory budget was found only when reached (after
// the CSV was truncated and earlier points computed); a device as --out was written through.
TEST_F(Sweep, ImpossibleGridsAndSpecialFilesAreRefusedBeforeAnyWork) {
  { std::ofstream(path("keep.csv")) << "precious\n"; }
  const CliRun r = cli({"sweep", "--vary", "d=16..512:log2", "--degree", "4", "--out", path("keep.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("sweep point 2: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("memory budget"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("point 1 of"), std::string::npos) << r.err;  // nothing computed
  std::ifstream kept(path("keep.csv"));
  std::string line;
  std::getline(kept, line);
  EXPECT_EQ(line, "precious");
  const CliRun device = cli({"sweep", "--vary", "m=16,32", "--out", "/dev/full"});
  EXPECT_EQ(device.code, 2);
  EXPECT_NE(device.err.find("not a regular file"), std::string::npos) << device.err;
  EXPECT_EQ(cli({"sweep", "--vary", "m=16,32", "--out", m_dir.string()}).code, 2);
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

// From issue 11: generate had no interrupt handling and left KP.npy.partial and VP.npy.partial.
TEST_F(Sweep, AnInterruptedGenerateLeavesNoFile) {
  app::interrupted = true;
  const CliRun r = cli({"generate", "--m", "100000", "--out", path("w")});
  app::interrupted = false;
  EXPECT_EQ(r.code, 130);
  EXPECT_TRUE(fs::is_empty(path("w"))) << "files left behind";
}

// The real program, interrupted with SIGINT once it has written its first row.
TEST_F(Sweep, SigintLeavesAValidCsvOfTheFinishedRows) {
  const std::string csv = path("live.csv");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const char* argv[] = {NTK_EXPLORER_PATH, "sweep",     "--vary", "m=1024..1073741824:log2", "--L", "4", "--d", "4",
                          "--out",           csv.c_str(), nullptr};
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
