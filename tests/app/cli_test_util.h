#pragma once
// Runs the command line in-process and keeps what it printed.

#include "app/cli.h"

#include <gtest/gtest.h>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace ntk::test {

struct CliRun {
  int code;
  std::string out, err;
};

inline CliRun cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = app::run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

/// A fresh folder per test, removed afterwards.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("ntk_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string path(const std::string& name) const { return (m_dir / name).string(); }

  std::filesystem::path m_dir;
};

}  // namespace ntk::test
