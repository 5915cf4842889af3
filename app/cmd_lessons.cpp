#include "app/cmd_lessons.h"

#include "core/io/result_files.h"
#include "core/io/text_formats.h"
#include "core/ntk/gradient_descent.h"
#include "core/ntk/ntk_view.h"
#include "core/pipeline/comparison.h"
#include "core/pipeline/scaling.h"
#include "ui/lessons/lessons.h"
#include "ui/lessons/tiny_model.h"
#include "ui/session/session_file.h"

#include <QFile>
#include <QJsonArray>
#include <cmath>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

namespace ntk::app {
namespace {

// Half a unit in the last digit the quote shows: "0.0089" allows 5e-5, "2.4e-5" 5e-7, "7%" 0.5.
double quote_tolerance(const std::string& quote) {
  const auto e = quote.find_first_of("eE");
  const std::string mantissa = quote.substr(0, std::min(e, quote.find('%')));
  const int exponent = e == std::string::npos ? 0 : std::stoi(quote.substr(e + 1));
  const auto dot = mantissa.find('.');
  const int decimals = dot == std::string::npos ? 0 : int(mantissa.size() - dot - 1);
  return 0.5 * std::pow(10.0, exponent - decimals) * (1 + 1e-9);
}

// " on layer L head H of the built-in tiny model", or nothing.
std::string head_text(const std::optional<ui::LessonHead>& head) {
  return head ? " on layer " + std::to_string(head->layer) + " head " + std::to_string(head->head) +
                    " of the built-in tiny model"
              : "";
}

// Computes the quantities a card quotes; comparisons and training runs are cached per parameter
// set, since several quotes of one card read the same one.
class Quantities {
 public:
  /// `head`: the comparison is of that head of the built-in tiny model (compare.* only).
  double value(const std::string& quantity, const core::Parameters& p, const std::optional<ui::LessonHead>& head) {
    const auto dot = quantity.find('.');
    const std::string kind = quantity.substr(0, dot), name = dot == std::string::npos ? "" : quantity.substr(dot + 1);
    if (kind == "compare") return compare_field(name, p, head);
    if (kind == "counts") return counts_field(name, p, head);
    if (kind == "ntk") return ntk_field(name, p);
    if (kind == "train") return train_field(name, p);
    throw UsageError("unknown quantity '" + quantity + "' (compare.*, counts.*, ntk.* or train.*)");
  }

 private:
  // A metrics.json field; NAME_percent is 100 times field NAME; output_max_abs is the largest
  // |entry| of exact attention's output.
  double compare_field(const std::string& name, const core::Parameters& p, const std::optional<ui::LessonHead>& head) {
    const std::string key = core::command_line(p) + head_text(head);
    auto it = m_comparisons.find(key);
    if (it == m_comparisons.end() && head) {
      const core::HeadInputs h = ui::tinyModelHead(head->layer, head->head);
      it = m_comparisons.emplace(key, core::compare_methods(h.Q, h.K, h.V, *h.prefix, h.parameters(p), {})).first;
    }
    if (it == m_comparisons.end()) it = m_comparisons.emplace(key, core::compare_methods(p, {})).first;
    if (name == "output_max_abs") return it->second.exact.T.cwiseAbs().maxCoeff();
    const std::string percent = "_percent";
    const bool scaled = name.size() > percent.size() && name.ends_with(percent);
    const std::string field = scaled ? name.substr(0, name.size() - percent.size()) : name;
    for (const core::MetricField& f : core::metric_fields(it->second))
      if (f.name == field) return scaled ? 100 * f.value : f.value;
    throw UsageError("unknown comparison quantity '" + name +
                     "' (a metrics.json field, FIELD_percent or output_max_abs)");
  }

  // What one head trains under prefix tuning and NTK-Attention with the card's map (the Cost
  // tab's parameter panel, core::head_parameter_counts).
  double counts_field(const std::string& name, const core::Parameters& p, const std::optional<ui::LessonHead>& head) {
    const core::Parameters sized = head ? ui::tinyModelHead(head->layer, head->head).parameters(p) : p;
    const core::ParameterCounts c = core::head_parameter_counts(sized, {sized.feature});
    if (name == "prefix") return c.prefix;
    if (name == "ntk") return c.ntk.front().parameters;
    if (name == "break_even_m") return c.ntk.front().break_even_m;
    throw UsageError("unknown count '" + name + "' (prefix, ntk or break_even_m)");
  }

  double ntk_field(const std::string& name, const core::Parameters& p) {
    const core::NtkSpec& s = p.ntk.model;
    if (name == "distance") return core::ntk_width_point(s, s.m).distance;
    if (name == "lambda_min_limit") return core::ntk_view(s).limit_spectrum.lambda_min;
    if (name == "lambda_min_empirical") return core::ntk_view(s).empirical_spectrum.lambda_min;
    if (name == "lambda_max_limit") return core::ntk_view(s).limit_spectrum.lambda_max;
    if (name == "lambda_max_empirical") return core::ntk_view(s).empirical_spectrum.lambda_max;
    if (name == "distance_slope") {  // the fit the NTK tab draws over its widths
      std::vector<double> m, distance;
      for (const Eigen::Index w : core::ntk_widths(s)) {
        m.push_back(double(w));
        distance.push_back(core::ntk_width_point(s, w).distance);
      }
      const auto fit = core::fit_log_log(m, distance);
      return fit ? fit->slope : NAN;
    }
    throw UsageError("unknown NTK quantity '" + name + "'");
  }

  double train_field(const std::string& name, const core::Parameters& p) {
    const core::NtkSpec& s = p.ntk.model;
    std::string key;
    for (const core::ParamSpec& spec : core::ntk_parameter_specs()) key += spec.get(p) + " ";
    auto it = m_runs.find(key);
    if (it == m_runs.end()) {
      core::GradientDescentOptions options;
      options.eta = p.ntk.eta;
      options.steps = p.ntk.steps;
      it = m_runs.emplace(key, core::train_prefix_keys(core::make_problem(s), s.sigma, options)).first;
    }
    const core::GradientDescentRun& run = it->second;
    const core::TrainStep &first = run.steps.front(), &last = run.steps.back();
    if (name == "lambda_min_start") return first.lambda_min;
    if (name == "lambda_min_limit") return run.lambda_star;
    if (name == "lambda_min_change_percent") return 100 * std::abs(last.lambda_min / first.lambda_min - 1);
    if (name == "weight_movement") return last.weight_movement;
    if (name == "final_loss") return last.loss;
    throw UsageError("unknown training quantity '" + name + "'");
  }

  std::map<std::string, core::Comparison> m_comparisons;
  std::map<std::string, core::GradientDescentRun> m_runs;  ///< by the NTK settings
};

// The settings a quantity depends on, as command-line options (and the head it compares).
std::string settings(const std::string& quantity, const core::Parameters& p,
                     const std::optional<ui::LessonHead>& head) {
  if (quantity.rfind("compare.", 0) == 0 || quantity.rfind("counts.", 0) == 0)
    return core::command_line(p).substr(std::string("ntk-explorer compare").size()) + head_text(head);
  std::string out;
  for (const core::ParamSpec& s : core::ntk_parameter_specs()) out += " --" + std::string(s.key) + " " + s.get(p);
  return out;
}

int run(const Args& args, std::ostream& out, std::ostream& err) {
  if (!args.has("check")) throw UsageError("say what to do: lessons --check");
  QByteArray json = ui::builtinLessonsJson();
  const std::string file = args.value("file").value_or("");
  if (!file.empty()) {
    core::check_input_file(file);  // a FIFO blocked here, /dev/zero was read until memory ran out
    QFile f(QString::fromStdString(file));
    if (!f.open(QIODevice::ReadOnly)) throw UsageError("cannot read " + file);
    json = f.readAll();
  }
  QString error;
  const std::optional<std::vector<ui::Lesson>> lessons = ui::lessonsFromJson(json, &error);
  if (!lessons) throw UsageError((file.empty() ? "the built-in lessons: " : file + ": ") + error.toStdString());
  Quantities quantities;
  int checked = 0, wrong = 0;
  for (const ui::Lesson& lesson : *lessons) {
    for (int c = 0; c < int(lesson.cards.size()); ++c) {
      const ui::LessonCard& card = lesson.cards[std::size_t(c)];
      const std::string where = "card " + std::to_string(lesson.number) + "." + std::to_string(c + 1);
      const std::string words = (card.text + "\n" + card.question + "\n" + card.answer).toStdString();
      for (const QJsonValue q : card.quotes) {
        const std::string quote = q["value"].toString().toStdString(),
                          quantity = q["quantity"].toString().toStdString();
        core::Parameters p = ui::cardParameters(lesson, c);
        if (const QString bad = ui::setParameters(q["set"].toObject(), p); !bad.isEmpty())
          throw UsageError(where + ": " + bad.toStdString());
        std::optional<ui::LessonHead> head = ui::lessonHead(q.toObject());
        if (!head) head = card.head;
        const double computed = quantities.value(quantity, p, head);
        std::ostringstream line;
        line << where << ": " << quantity << " at" << settings(quantity, p, head) << ": the card says " << quote
             << ", computed " << std::setprecision(4) << computed;
        ++checked;
        if (quote.empty() || words.find(quote) == std::string::npos) {
          err << line.str() << "; but the card's text, question and answer no longer quote " << quote << '\n';
          ++wrong;
        } else if (!(std::abs(computed - std::stod(quote)) <= quote_tolerance(quote))) {
          err << line.str() << ": they disagree\n";
          ++wrong;
        } else if (args.has("verbose")) {
          out << line.str() << '\n';
        }
      }
    }
  }
  out << checked << " quoted numbers checked, " << wrong << " disagree\n";
  return wrong == 0 ? exit_ok : 1;
}

}  // namespace

Command lessons_command() {
  return {"lessons",
          "Recompute every number the lesson cards quote; exit 1 on any disagreement",
          "lessons --check [--file LESSONS.json] [--verbose]",
          {{"check", false, false, "recompute and compare every quoted number"},
           {"file", true, false, "a lessons file instead of the built-in one"},
           {"verbose", false, false, "print every check, not only the disagreements"}},
          run};
}

}  // namespace ntk::app
