// ntk-explorer train: gradient descent on the stylized model's prefix keys (--target prefix,
// method.md section 8), or training NTK-Attention's Z and k against exact prefix attention
// (--target ntk-attention, method.md section 7a), optionally for every m of a list.

#include "app/commands.h"
#include "app/progress_printer.h"
#include "core/io/npy.h"
#include "core/io/text_formats.h"
#include "core/ntk/gradient_descent.h"
#include "core/ntk/ntk_view.h"
#include "core/ntk/train_attention.h"
#include "core/pipeline/heads.h"
#include "core/sweep/sweep_plan.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>

namespace ntk::app {
namespace {

namespace fs = std::filesystem;
using core::format_number;

// Options that only one target reads; giving them to the other is a mistake worth naming. The
// comparison's parameters the NTK model lacks come from the tables, so none is missed.
const std::vector<std::string> prefix_only = {"n", "sigma", "eta"};

std::vector<std::string> attention_only() {
  std::vector<std::string> keys = {"optimizer", "lr", "eval", "sweep-m", "activations", "checkpoint", "cache"};
  for (const core::ParamSpec& s : core::parameter_specs()) {
    const auto ntk = core::ntk_parameter_specs();
    if (std::none_of(ntk.begin(), ntk.end(), [&](const core::ParamSpec& t) { return t.key == s.key; }))
      keys.emplace_back(s.key);
  }
  return keys;
}

void refuse(const Args& args, const std::vector<std::string>& keys, const std::string& target) {
  for (const std::string& k : keys)
    if (args.has(k)) throw UsageError("--" + k + " does not apply to --target " + target);
}

int train_prefix(const Args& args, const fs::path& dir, std::ostream& out, std::ostream& err) {
  refuse(args, attention_only(), "prefix");
  core::Parameters params = core::default_parameters();
  apply_parameter_options(args, params, core::ntk_parameter_specs());
  core::check_ntk_memory(params.ntk.model, memory_budget_bytes(args), core::NtkWork::training);
  core::GradientDescentOptions options;
  options.eta = params.ntk.eta;
  options.steps = params.ntk.steps;
  options.progress = stderr_progress(err, "training");
  const core::NtkProblem problem = core::make_problem(params.ntk.model);
  const core::GradientDescentRun run = core::train_prefix_keys(problem, params.ntk.model.sigma, options);
  if (run.status == core::Status::cancelled) {
    err << "\ninterrupted after " << run.steps.back().step << " of " << options.steps << " steps; nothing written\n";
    return exit_interrupted;
  }
  std::string csv = core::csv_line({"step", "loss", "lambda_min", "weight_movement", "compute",
                                    "predicted_loss_infinite_width", "predicted_loss_finite_width"});
  for (const core::TrainStep& s : run.steps)
    csv += core::csv_line({std::to_string(s.step), format_number(s.loss), format_number(s.lambda_min),
                           format_number(s.weight_movement), format_number(s.compute),
                           format_number(s.predicted_loss_infinite), format_number(s.predicted_loss_finite)});
  fs::create_directories(dir);
  core::write_text_atomic(dir / "loss.csv", csv);
  core::write_npy(dir / "X.npy", problem.X);
  core::write_npy(dir / "Y.npy", problem.Y);
  core::write_npy(dir / "W0.npy", problem.W0);
  core::write_npy(dir / "a.npy", problem.a);
  core::write_npy(dir / "W.npy", run.W);
  core::write_text_atomic(dir / "provenance.json", run_provenance(args));
  const core::TrainStep& last = run.steps.back();
  out << "model: the standard stylized form (method.md section 8; the paper's exact network could not be checked)\n"
      << std::setprecision(4) << "eta " << run.eta << ", lambda_min(H*) " << run.lambda_star
      << ", lambda_min(H(W(0))/m) " << run.lambda_initial << ", eta m lambda_min(H*) "
      << run.eta * double(params.ntk.model.m) * run.lambda_star << "\n"
      << "loss " << run.steps.front().loss << " -> " << last.loss << " after " << last.step << " steps\n"
      << "NTK predictions (not bounds): infinite-width (H*) " << last.predicted_loss_infinite
      << ", finite-width (H(W(0))/m) " << last.predicted_loss_finite
      << "; late in training a finite network follows the finite-width rate\n"
      << "max weight movement " << last.weight_movement << "\n"
      << "wrote loss.csv X.npy Y.npy W0.npy a.npy W.npy (the model, before and after) provenance.json to "
      << dir.string() << '\n';
  return run.status == core::Status::ok ? exit_ok : exit_numerical;
}

core::AttentionTrainOptions attention_options(const Args& args) {
  core::AttentionTrainOptions options;
  const std::string optimizer = args.value("optimizer").value_or("adam");
  if (optimizer != "adam" && optimizer != "gd")
    throw UsageError("--optimizer must be adam or gd (got '" + optimizer + "')");
  options.optimizer = optimizer == "adam" ? core::Optimizer::adam : core::Optimizer::gradient_descent;
  options.learning_rate = args.real("lr", options.learning_rate, 0, 100);
  options.steps = int(args.integer("steps", options.steps, 0, 10000000));
  options.eval_inputs = int(args.integer("eval", options.eval_inputs, 1, 100000));
  options.memory_budget_bytes = memory_budget_bytes(args);
  return options;
}

// Every key/value head of a real model: Z and k trained on its query heads' captured queries and
// measured on the held-out ones (core::train_heads).
int train_real_heads(const Args& args, const core::Parameters& params, const fs::path& dir, std::ostream& out,
                     std::ostream& err) {
  for (const std::string& key : given_parameter_options(args))
    if (core::set_by_inputs(key)) throw UsageError("--" + key + " is set by the captured arrays; drop it");
  for (const char* key : {"sweep-m", "eval"})
    if (args.has(key))
      throw UsageError(std::string("--") + key +
                       " does not apply to a capture: its last quarter of queries is held out");
  const core::PrefixLayers prefix = prefix_option(args);
  const core::CapturedAttention inputs(*args.value("activations"));
  core::AttentionTrainOptions options = attention_options(args);
  options.progress = stderr_progress(err, "training every key/value head");
  const core::HeadsTraining report = core::train_heads(prefix, inputs, params, options);
  if (report.status == core::Status::cancelled) {
    err << "\ninterrupted; nothing written\n";
    return exit_interrupted;
  }
  out << std::setprecision(4);
  bool ok = true;
  for (const core::HeadTraining& h : report.heads) {
    const core::AttentionTrainRun& run = h.run;
    out << "layer " << h.layer << " kv head " << h.kv_head << " (" << h.query_heads << " query heads, "
        << h.train_queries << " training and " << h.held_out_queries << " held-out queries each): held-out max-abs "
        << "error trained " << run.trained_error << ", closed form " << run.closed_error << "; |Z - Z_closed| / "
        << "|Z_closed| " << run.z_distance << " (" << core::to_string(run.status) << ")\n";
    ok = ok && run.status == core::Status::ok;
  }
  fs::create_directories(dir);
  core::write_text_atomic(dir / "heads.csv", core::heads_training_csv(report));
  core::write_text_atomic(dir / "provenance.json", run_provenance(args));
  out << "wrote heads.csv provenance.json to " << dir.string() << '\n';
  return ok ? exit_ok : exit_numerical;
}

int train_attention(const Args& args, const fs::path& dir, std::ostream& out, std::ostream& err) {
  refuse(args, prefix_only, "ntk-attention");
  if (args.has("precision"))  // training runs in float64 (core/ntk/train_attention.h)
    throw UsageError("--precision does not apply to train: training runs in float64");
  core::Parameters params = core::default_parameters();
  apply_parameter_options(args, params);
  if (args.has("activations")) return train_real_heads(args, params, dir, out, err);
  if (args.has("checkpoint") || args.has("cache"))
    throw UsageError("--checkpoint and --cache give the prefix of --activations FILE.safetensors|.npz (the capture)");
  core::AttentionTrainOptions options = attention_options(args);
  std::vector<Eigen::Index> lengths = {params.workload.m};
  if (const auto sweep = args.value("sweep-m")) {
    lengths.clear();
    for (const std::string& v : core::parse_axis("m=" + *sweep).values) lengths.push_back(std::stoll(v));
  }
  fs::create_directories(dir);
  std::string table = core::csv_line({"m", "final_loss", "trained_error", "closed_error", "closed_error_full_rank",
                                      "z_distance", "backtracks", "status"});
  out << std::setprecision(4);
  for (const Eigen::Index m : lengths) {
    params.workload.m = m;
    options.progress = stderr_progress(err, "training at m = " + std::to_string(m));
    const core::AttentionTrainRun run = core::train_ntk_attention(params, options);
    if (run.status == core::Status::cancelled) {
      err << "\ninterrupted at m = " << m << "; nothing written\n";
      return exit_interrupted;
    }
    const double final_loss = run.steps.empty() ? NAN : run.steps.back().loss;
    table +=
        core::csv_line({std::to_string(m), format_number(final_loss), format_number(run.trained_error),
                        format_number(run.closed_error), format_number(run.closed_error_full_rank),
                        format_number(run.z_distance), std::to_string(run.backtracks), core::to_string(run.status)});
    out << "m " << m << ": loss " << (run.steps.empty() ? NAN : run.steps.front().loss) << " -> " << final_loss
        << "; held-out max-abs error trained " << run.trained_error << ", closed form "
        << (params.rank > 0 ? "at rank " + std::to_string(params.rank) + " " : "") << run.closed_error;
    if (params.rank > 0) out << " (full rank " << run.closed_error_full_rank << ")";
    out << "; |Z - Z_closed| / |Z_closed| " << run.z_distance << "; " << run.backtracks << " steps taken back ("
        << core::to_string(run.status) << ")\n";
    if (lengths.size() > 1) continue;
    std::string csv = core::csv_line({"step", "loss"});
    for (const core::AttentionTrainStep& s : run.steps)
      csv += core::csv_line({std::to_string(s.step), format_number(s.loss)});
    core::write_text_atomic(dir / "loss.csv", csv);
    core::write_npy(dir / "Z.npy", run.Z);
    if (params.rank > 0) {
      core::write_npy(dir / "Z_A.npy", run.Z_A);
      core::write_npy(dir / "Z_B.npy", run.Z_B);
    }
    core::write_npy_vector(dir / "k.npy", run.k);  // (r,), as compare writes it
    core::write_text_atomic(dir / "result.json", core::JsonObject()
                                                     .add("m", static_cast<long long>(m))
                                                     .add("rank", static_cast<long long>(params.rank))
                                                     .add("final_loss", final_loss)
                                                     .add("trained_error", run.trained_error)
                                                     .add("closed_error", run.closed_error)
                                                     .add("closed_error_full_rank", run.closed_error_full_rank)
                                                     .add("z_distance", run.z_distance)
                                                     .add("backtracks", static_cast<long long>(run.backtracks))
                                                     .add("status", core::to_string(run.status))
                                                     .add_raw("provenance", run_provenance(args))
                                                     .str());
    if (run.status != core::Status::ok) return exit_numerical;
  }
  if (lengths.size() > 1) {
    core::write_text_atomic(dir / "error_vs_m.csv", table);
    core::write_text_atomic(dir / "provenance.json", run_provenance(args));
  }
  out << "wrote "
      << (lengths.size() > 1 ? "error_vs_m.csv provenance.json"
          : params.rank > 0  ? "loss.csv Z.npy Z_A.npy Z_B.npy k.npy result.json"
                             : "loss.csv Z.npy k.npy result.json")
      << " to " << dir.string() << '\n';
  return exit_ok;
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  apply_thread_option(args);
  const auto dir = args.value("out");
  if (!dir) throw UsageError("--out DIR is required (the folder for loss.csv)");
  const std::string target = args.value("target").value_or("");
  if (target == "prefix") return train_prefix(args, *dir, out, err);
  if (target == "ntk-attention") return train_attention(args, *dir, out, err);
  throw UsageError("--target must be prefix (the NTK view's model) or ntk-attention (Z and k against exact attention)");
}

}  // namespace

Command train_command() {
  const core::AttentionTrainOptions trained;
  const core::NtkSettings stylized;
  std::vector<OptionSpec> options = {
      {"target", true, false, "prefix: gradient descent on the stylized model's keys; ntk-attention: train Z, k"}};
  for (const OptionSpec& o : parameter_options()) options.push_back(o);
  for (const OptionSpec& o : parameter_options(core::ntk_parameter_specs()))
    if (o.name == "n" || o.name == "sigma" || o.name == "eta" || o.name == "steps") options.push_back(o);
  options.push_back({"optimizer", true, false, "ntk-attention: adam or gd [default adam]"});
  options.push_back(
      {"lr", true, false, "ntk-attention: learning rate [default " + core::format_number(trained.learning_rate) + "]"});
  options.push_back(
      {"eval", true, false,
       "ntk-attention: held-out inputs for the final errors [default " + std::to_string(trained.eval_inputs) + "]"});
  options.push_back({"sweep-m", true, false,
                     "ntk-attention: train for every m of a list, e.g. 2..262144:log2 (writes error_vs_m.csv)"});
  options.push_back({"activations", true, false,
                     "ntk-attention on a real model: its captured queries, keys and values (as heads takes them)"});
  options.push_back({"checkpoint", true, false, "with --activations: the prefix, a PEFT prefix-tuning folder"});
  options.push_back({"cache", true, false, "with --activations: the prefix, a KV cache .safetensors or .npz"});
  options.push_back({"out", true, false,
                     "folder for loss.csv (and Z.npy k.npy result.json, or error_vs_m.csv; heads.csv with "
                     "--activations)"});
  for (const OptionSpec& o : resource_options()) options.push_back(o);
  return {"train", "Train the prefix keys (NTK view) or NTK-Attention's Z and k; write the loss curve",
          "train --target prefix [--n N --d D --m M --sigma S --seed SEED --eta E --steps T] --out DIR\n"
          "       ntk-explorer train --target ntk-attention [workload and feature options] [--optimizer adam|gd] "
          "[--lr LR] [--steps T] [--sweep-m LIST] --out DIR\n"
          "       ntk-explorer train --target ntk-attention --activations FILE.safetensors|.npz (--checkpoint DIR | "
          "--cache "
          "FILE.safetensors|.npz) [feature options] [--steps T] [--lr LR] --out DIR\n\n"
          "With --target prefix, --d --m --seed --steps are the stylized model's (defaults d " +
              std::to_string(stylized.model.d) + ", m " + std::to_string(stylized.model.m) + ", seed " +
              std::to_string(stylized.model.seed) + ", " + std::to_string(stylized.steps) +
              " steps);\nwith --target ntk-attention they are the workload's (defaults below, " +
              std::to_string(trained.steps) + " steps).",
          options, run};
}

}  // namespace ntk::app
