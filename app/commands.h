#pragma once
// One function per subcommand; each parses its own options and returns an exit code.

#include "app/cli_args.h"

#include <ostream>
#include <string>
#include <vector>

namespace ntk::core {
struct PrefixLayers;
}

namespace ntk::app {

/// The prefix of `heads` and `train --activations`: exactly one of --checkpoint DIR (a PEFT
/// prefix-tuning folder) and --cache FILE.safetensors, opened (UsageError otherwise).
core::PrefixLayers prefix_option(const Args& args);

struct Command {
  std::string name;
  std::string summary;
  std::string usage;  ///< the synopsis line after the program name
  std::vector<OptionSpec> options;
  int (*run)(const Args& args, std::ostream& out, std::ostream& err);
  std::span<const core::ParamSpec> table = core::parameter_specs();  ///< defaults shown in --help
  bool takes_files = false;  ///< positional arguments (merge's shard files); else refused
};

Command generate_command();
Command compare_command();
Command sweep_command();
Command merge_command();
Command bench_command();
Command ntk_command();
Command train_command();
Command heads_command();

}  // namespace ntk::app
