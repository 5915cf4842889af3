#pragma once
// Command-line arguments of one subcommand: --key value, --key=value and bare flags, checked
// against what the subcommand accepts. Parameter options come from the shared parameter table.

#include "core/params/parameters.h"
#include "core/pipeline/budget.h"

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ntk::app {

/// Bad usage or bad input: exit code 2, with a message that says what to do.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Exit codes shared by every subcommand.
enum ExitCode { exit_ok = 0, exit_usage = 2, exit_numerical = 3, exit_interrupted = 130 };

struct OptionSpec {
  std::string name;  ///< without the leading dashes
  bool takes_value;  ///< false for a bare flag
  bool repeatable = false;
  std::string help;
};

class Args {
 public:
  /// Parses `tokens` (the arguments after the subcommand). Options not in `accepted` raise a
  /// UsageError; tokens that do not start with "--" are positional. `command` names the
  /// subcommand, for command_line().
  Args(const std::vector<std::string>& tokens, const std::vector<OptionSpec>& accepted,
       const std::string& command = "");

  /// The whole command line as typed: the program, the subcommand, every token.
  const std::vector<std::string>& command_line() const { return m_command_line; }

  bool has(const std::string& name) const { return m_values.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const;
  const std::vector<std::string>& positional() const { return m_positional; }
  /// The value parsed as an integer in [lo, hi]; throws UsageError.
  long long integer(const std::string& name, long long fallback, long long lo, long long hi) const;
  /// The value parsed as a plain number in (lo, hi]; throws UsageError.
  double real(const std::string& name, double fallback, double lo, double hi) const;

 private:
  std::map<std::string, std::vector<std::string>> m_values;
  std::vector<std::string> m_positional;
  std::vector<std::string> m_command_line;
};

/// The provenance (core/io/provenance.h) of this run's outputs: its command line, the input
/// files `inputs`, the thread count and the precision (--precision as given, else float64).
std::string run_provenance(const Args& args, const std::vector<std::filesystem::path>& inputs = {});

/// Options for every entry of a parameter table (by default the comparison's: --mode, --L, ...).
std::vector<OptionSpec> parameter_options(std::span<const core::ParamSpec> table = core::parameter_specs());
/// Applies the options of `table` present in `args` to `p`; throws UsageError.
void apply_parameter_options(const Args& args, core::Parameters& p,
                             std::span<const core::ParamSpec> table = core::parameter_specs());
/// The parameter options given on the command line (for checking conflicts).
std::vector<std::string> given_parameter_options(const Args& args);

/// --threads N (sets the OpenMP thread count) and --memory-budget MB.
std::vector<OptionSpec> resource_options();
void apply_thread_option(const Args& args);
double memory_budget_bytes(const Args& args);

/// --work-budget GFLOP, for the commands that estimate their arithmetic before starting.
OptionSpec work_budget_option();
/// --work-budget GFLOP as given, else core::default_work_budget_gflop.
double work_budget_gflop(const Args& args);

/// Writes "Options:" lines for `options`; those in `table` with their default.
void print_options(std::ostream& out, const std::vector<OptionSpec>& options,
                   std::span<const core::ParamSpec> table = core::parameter_specs());

}  // namespace ntk::app
