#include "app/cli.h"

#include "app/commands.h"
#include "app/gui.h"
#include "app/progress_printer.h"

#include <exception>

namespace ntk::app {
namespace {

constexpr const char* program = "ntk-explorer";

std::vector<Command> commands(std::span<const Command> extra) {
  std::vector<Command> all = {generate_command(), compare_command(), heads_command(), sweep_command(),
                              merge_command(),    ntk_command(),     train_command(), bench_command()};
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

// The synopsis in lines of at most about `width` columns, broken before a top-level "[", the
// lines after the first indented by `indent`.
std::string wrap_synopsis(const std::string& synopsis, std::size_t indent, std::size_t width) {
  std::string out, line;
  int depth = 0;
  for (std::size_t i = 0; i < synopsis.size(); ++i) {
    const char c = synopsis[i];
    if (c == '[' && depth++ == 0 && !line.empty() && line.size() + synopsis.find(']', i) - i > width) {
      out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n" + std::string(indent, ' ');
      line.clear();
    }
    if (c == ']') --depth;
    line += c;
  }
  return out + line;
}

void print_overview(std::ostream& out, std::span<const Command> extra) {
  const std::string window = "Usage: " + std::string(program) + ' ' + wrap_synopsis(window_synopsis, 20, 60);
  const std::string headless = "       " + std::string(program) + " COMMAND [options]";
  const std::size_t last_line = window.size() - window.rfind('\n') - 1;  // the labels line up after it
  out << "NTK-Attention Explorer " << NTK_VERSION
      << ": exact prefix attention against NTK-Attention\n"
         "(arXiv 2406.14036, \"Towards Infinite-Long Prefix in Transformer\").\n\n"
      << window << "   the window\n"
      << headless << std::string(last_line + 3 - headless.size(), ' ') << "headless\n\nCommands:\n";
  for (const Command& c : commands(extra))
    out << "  " << c.name << std::string(10 - c.name.size(), ' ') << c.summary << '\n';
  out << "\nRun '" << program
      << " COMMAND --help' for a command's options.\n"
         "Exit codes: 0 success, 2 bad usage or input, 3 numerical failure, 130 interrupted.\n\n"
         "Exact attention is the paper's Algorithm 1 and NTK-Attention its Algorithm 2. Parts of\n"
         "the paper could not be checked: the Taylor error bound printed here and the\n"
         "infinite-prefix limit are this program's own derivations, ELU+1 follows the\n"
         "authors' public code, and the NTK view (ntk, train --target prefix) uses the\n"
         "standard stylized form of the network, not necessarily the paper's exact one.\n"
         "docs/method.md says what is reconstructed and why.\n";
}

void print_command_help(const Command& c, std::ostream& out) {
  out << "Usage: " << program << ' ' << c.usage << "\n\n" << c.summary << "\n\n";
  print_options(out, c.options, c.table);
}

// Text for roff: backslashes and hyphens escaped, no line starting with a control character.
std::string roff(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  return out.empty() || (out[0] != '.' && out[0] != '\'') ? out : "\\&" + out;
}

// The man page, from the same command and parameter tables as --help.
void print_man_page(std::ostream& out, std::span<const Command> extra) {
  out << ".TH NTK-EXPLORER 1 \"\" \"ntk-explorer " << NTK_VERSION << "\" \"User Commands\"\n"
      << ".SH NAME\nntk\\-explorer \\- exact prefix attention against NTK\\-Attention, live and headless\n"
      << ".SH SYNOPSIS\n.B ntk\\-explorer\n"
      << roff(window_synopsis) << "\n.br\n.B ntk\\-explorer\n.I COMMAND\n[options]\n"
      << ".SH DESCRIPTION\n"
      << roff(
             "NTK-Attention Explorer makes arXiv 2406.14036 (\"Towards Infinite-Long Prefix in Transformer\") "
             "something to see and measure: exact prefix attention (the paper's Algorithm 1) against "
             "NTK-Attention (Algorithm 2), which folds a prefix of m tokens into Z (r x d) and k (r) through a "
             "feature map phi. Without a command it opens the window; with one it computes headless.")
      << "\n.PP\n"
      << roff(
             "Parts of the paper could not be checked: the Taylor error bound and the infinite-prefix limit are "
             "this program's own derivations, ELU+1 follows the authors' public code, and the NTK view uses the "
             "standard stylized form of the network. /usr/share/doc/ntk-explorer/method.md (docs/method.md "
             "in the source) says what is reconstructed and why.")
      << "\n.SH COMMANDS\n";
  const core::Parameters defaults = core::default_parameters();
  for (const Command& c : commands(extra)) {
    out << ".SS " << roff(c.name) << "\n" << roff(c.summary) << ".\n.PP\n.B ntk\\-explorer\n" << roff(c.usage) << "\n";
    for (const OptionSpec& o : c.options) {
      out << ".TP\n.B \\-\\-" << roff(o.name) << (o.takes_value ? " \\fIVALUE\\fR" : "") << "\n" << roff(o.help);
      for (const core::ParamSpec& s : c.table)
        if (s.key == o.name) out << roff("; " + core::range_text(s) + ", default " + s.get(defaults));
      out << "\n";
    }
  }
  out << ".SH EXIT STATUS\n0 success, 2 bad usage or input (the message says what to do), 3 numerical failure, "
         "130 interrupted (nothing half-written is left).\n"
      << ".SH ENVIRONMENT\n.TP\n.B QT_QPA_PLATFORM=offscreen\n"
      << roff("draws the window without a display (with --screenshot).") << "\n"
      << ".SH SEE ALSO\n"
      << roff(
             "The Python module ntk_explorer (python3 -c 'import ntk_explorer; help(ntk_explorer)'), which "
             "computes the same from NumPy arrays.")
      << "\n";
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            std::span<const Command> extra) {
  if (args.empty()) {
    print_overview(err, extra);
    return exit_usage;
  }
  const std::string& name = args.front();
  if (name == "--help" || name == "-h" || name == "help") {
    if (args.size() > 1)
      for (const Command& c : commands(extra))
        if (c.name == args[1]) return print_command_help(c, out), exit_ok;
    print_overview(out, extra);
    return exit_ok;
  }
  if (name == "--man") {
    print_man_page(out, extra);
    return exit_ok;
  }
  if (name == "--version") {
    out << program << ' ' << NTK_VERSION << '\n';
    return exit_ok;
  }
  for (const Command& c : commands(extra)) {
    if (c.name != name) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const std::string& t : rest)
      if (t == "--help" || t == "-h") return print_command_help(c, out), exit_ok;
    try {
      const Args parsed(rest, c.options, c.name);
      if (!c.takes_files && !parsed.positional().empty())
        throw UsageError("unexpected argument '" + parsed.positional().front() + "' (options start with --)");
      const int code = c.run(parsed, out, err);
      if (code != exit_interrupted && interrupted.load()) {
        err << program << ' ' << c.name << ": interrupted after its last step; what it printed is complete\n";
        return exit_interrupted;
      }
      return code;
    } catch (const std::invalid_argument& e) {  // UsageError and bad input from the core
      err << program << ' ' << c.name << ": error: " << e.what() << "\nRun '" << program << ' ' << c.name
          << " --help' for the options.\n";
      return exit_usage;
    } catch (const std::exception& e) {
      err << program << ' ' << c.name << ": error: " << e.what() << '\n';
      return exit_usage;
    }
  }
  err << program << ": unknown command '" << name << "'\n\n";
  print_overview(err, extra);
  return exit_usage;
}

}  // namespace ntk::app
