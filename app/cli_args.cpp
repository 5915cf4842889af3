#include "app/cli_args.h"

#include "core/io/provenance.h"
#include "core/io/text_formats.h"
#include "core/util/parallel.h"

#include <charconv>
#include <iomanip>

namespace ntk::app {

Args::Args(const std::vector<std::string>& tokens, const std::vector<OptionSpec>& accepted,
           const std::string& command) {
  m_command_line = {"ntk-explorer"};
  if (!command.empty()) m_command_line.push_back(command);
  m_command_line.insert(m_command_line.end(), tokens.begin(), tokens.end());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (t.rfind("--", 0) != 0 || t.size() == 2) {
      m_positional.push_back(t);
      continue;
    }
    std::string name = t.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& o : accepted)
      if (o.name == name) spec = &o;
    if (!spec) throw UsageError("unknown option --" + name);
    if (m_values.count(name) && !spec->repeatable) throw UsageError("--" + name + " is given more than once");
    std::string v;
    if (inline_value) {
      v = *inline_value;
    } else if (spec->takes_value) {
      if (i + 1 >= tokens.size() || tokens[i + 1].rfind("--", 0) == 0) throw UsageError("--" + name + " needs a value");
      v = tokens[++i];
    } else if (i + 1 < tokens.size() && (tokens[i + 1] == "true" || tokens[i + 1] == "false")) {
      v = tokens[++i];  // `--causal false` means false, not a flag followed by a stray word
    } else {
      v = "true";
    }
    // `--out ''` wrote FILE.partial as ".partial" in the current folder; `--open ""` was ignored.
    if (spec->takes_value && v.empty()) throw UsageError("--" + name + " needs a value, not an empty one");
    if (!spec->takes_value && v != "true" && v != "false" && v != "1" && v != "0" && v != "on" && v != "off")
      throw UsageError("--" + name + " takes true, false or no value (got '" + v + "')");
    m_values[name].push_back(v);
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  const auto it = m_values.find(name);
  if (it == m_values.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::values(const std::string& name) const {
  const auto it = m_values.find(name);
  return it == m_values.end() ? std::vector<std::string>{} : it->second;
}

long long Args::integer(const std::string& name, long long fallback, long long lo, long long hi) const {
  const auto v = value(name);
  if (!v) return fallback;
  long long out = 0;
  const auto [end, err] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (err != std::errc() || end != v->data() + v->size() || out < lo || out > hi)
    throw UsageError("--" + name + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     " (got '" + *v + "')");
  return out;
}

double Args::real(const std::string& name, double fallback, double lo, double hi) const {
  const auto v = value(name);
  if (!v) return fallback;
  double out = 0;
  const auto [end, err] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (err != std::errc() || end != v->data() + v->size() || !(out > lo) || out > hi)
    throw UsageError("--" + name + " must be " + (lo == 0 ? "positive" : "above " + core::format_number(lo)) +
                     " and at most " + core::format_number(hi) + ", a plain number (got '" + *v + "')");
  return out;
}

std::string run_provenance(const Args& args, const std::vector<std::filesystem::path>& inputs) {
  return core::provenance_json(
      {args.command_line(), inputs, core::thread_count(), args.value("precision").value_or("float64")});
}

std::vector<OptionSpec> parameter_options(std::span<const core::ParamSpec> table) {
  std::vector<OptionSpec> out;
  for (const core::ParamSpec& s : table)
    out.push_back({std::string(s.key), s.type != core::ParamType::flag, false, std::string(s.help)});
  return out;
}

void apply_parameter_options(const Args& args, core::Parameters& p, std::span<const core::ParamSpec> table) {
  for (const core::ParamSpec& s : table) {
    const auto v = args.value(std::string(s.key));
    if (!v) continue;
    try {
      s.set(p, *v);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
}

std::vector<std::string> given_parameter_options(const Args& args) {
  std::vector<std::string> out;
  for (const core::ParamSpec& s : core::parameter_specs())
    if (args.has(std::string(s.key))) out.emplace_back(s.key);
  return out;
}

std::vector<OptionSpec> resource_options() {
  return {
      {"threads", true, false, "OpenMP threads (default: all cores; at most 4 per core); results do not depend on it"},
      {"memory-budget", true, false, "refuse work needing more memory than this many MB (default 4000)"}};
}

void apply_thread_option(const Args& args) {
  if (args.has("threads")) core::set_thread_count(int(args.integer("threads", 1, 1, core::most_threads())));
}

double memory_budget_bytes(const Args& args) {
  const auto fallback = static_cast<long long>(core::default_memory_budget_bytes / 1e6);
  return double(args.integer("memory-budget", fallback, 1, 1LL << 40)) * 1e6;
}

OptionSpec work_budget_option() {
  return {"work-budget", true, false,
          "refuse work estimated at more than this many GFLOP (default " +
              std::to_string(core::default_work_budget_gflop) + ": ten minutes or more on one core)"};
}

double work_budget_gflop(const Args& args) {
  return double(args.integer("work-budget", core::default_work_budget_gflop, 1, 1LL << 50));
}

void print_options(std::ostream& out, const std::vector<OptionSpec>& options, std::span<const core::ParamSpec> table) {
  const core::Parameters defaults = core::default_parameters();
  out << "Options:\n";
  for (const OptionSpec& o : options) {
    std::string head = "  --" + o.name + (o.takes_value ? " VALUE" : "");
    out << std::left << std::setw(24) << head << ' ' << o.help;
    for (const core::ParamSpec& s : table)
      if (s.key == o.name) out << " [" << core::range_text(s) << "; default " << s.get(defaults) << "]";
    out << '\n';
  }
  out << std::left << std::setw(24) << "  --help"
      << " this text\n";
}

}  // namespace ntk::app
