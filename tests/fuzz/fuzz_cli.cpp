// libFuzzer: the command-line parser. The input is a command line, one token per line; it is
// parsed against every subcommand's options and its parameter options are applied, as the
// subcommands do before any work. Everything is accepted or refused with std::invalid_argument
// (UsageError).

#include "app/commands.h"
#include "core/sweep/sweep_plan.h"
#include "tests/fuzz/fuzz_util.h"

#include <sstream>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> tokens;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(in, line) && tokens.size() < 64;) tokens.push_back(line);
  static const ntk::app::Command commands[] = {
      ntk::app::generate_command(), ntk::app::compare_command(), ntk::app::sweep_command(), ntk::app::merge_command(),
      ntk::app::ntk_command(),      ntk::app::train_command(),   ntk::app::bench_command()};
  for (const ntk::app::Command& c : commands) {
    try {
      const ntk::app::Args args(tokens, c.options, c.name);
      ntk::core::Parameters p = ntk::core::default_parameters();
      ntk::app::apply_parameter_options(args, p, c.table);
      ntk::app::memory_budget_bytes(args);
      for (const std::string& v : args.values("vary")) ntk::core::parse_axis(v);
      if (const auto shard = args.value("shard")) ntk::core::parse_shard(*shard);
      ntk::core::validate(p);  // the combination, as the commands check it before any work
    } catch (const std::invalid_argument&) {}
  }
  return 0;
}
