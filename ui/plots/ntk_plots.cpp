#include "ui/plots/ntk_plots.h"

#include "ui/plots/plot_helpers.h"

#include <algorithm>
#include <cmath>

namespace ntk::ui {
namespace {

using Steps = std::vector<core::TrainStep>;

template <typename Field>
std::vector<double> column(const Steps& steps, Field field) {
  std::vector<double> out;
  for (const core::TrainStep& s : steps) out.push_back(field(s));
  return out;
}

std::vector<double> values(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

// A horizontal reference line at y across [x0, x1].
void addLevel(QCustomPlot* plot, QCPAxisRect* rect, double x0, double x1, double y, const QString& name) {
  addCurve(plot, rect, name, QPen(Qt::black, 1, Qt::DashLine), QCPScatterStyle::ssNone, {x0, x1}, {y, y});
}

// Least-squares slope of ln(loss) against compute: loss ~ exp(-rate C).
double exponentialRate(const Steps& steps) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const core::TrainStep& s : steps)
    if (s.loss > 0 && std::isfinite(s.loss)) {
      const double y = std::log(s.loss);
      n += 1, sx += s.compute, sy += y, sxx += s.compute * s.compute, sxy += s.compute * y;
    }
  const double denominator = n * sxx - sx * sx;
  return n >= 3 && denominator > 0 ? -(n * sxy - sx * sy) / denominator : NAN;
}

QString line(const QStringList& fields) { return fields.join(',') + "\n"; }

}  // namespace

NtkPlot::NtkPlot(QWidget* parent) : QCustomPlot(parent) {
  m_spectrum = addPanel(this, 0, 0, tr("Spectra of H* and H(W)/m"), tr("eigenvalue rank (largest first)"),
                        tr("eigenvalue"), false, true, Qt::AlignBottom | Qt::AlignLeft);
  m_lambda = addPanel(this, 0, 1, tr("λₘᵢₙ against the width m"), tr("width m (prefix length)"), tr("λₘᵢₙ"), true, true,
                      Qt::AlignBottom | Qt::AlignRight);
  m_distance = addPanel(this, 0, 2, tr("Distance of H(W)/m to H*"), tr("width m (prefix length)"),
                        tr("‖H(W)/m − H*‖ / ‖H*‖ (Frobenius)"), true, true);
}

void NtkPlot::setResult(NtkResultPtr result) {
  m_result = std::move(result);
  clearPlot(this);
  if (m_result) {
    const core::NtkView& v = m_result->view;
    const auto descending = [](const Eigen::VectorXd& e) {
      std::vector<double> out = values(e);
      std::reverse(out.begin(), out.end());
      return out;
    };
    std::vector<double> ranks;
    for (Eigen::Index i = 0; i < v.limit_spectrum.eigenvalues.size(); ++i) ranks.push_back(double(i));
    addCurve(this, m_spectrum,
             tr("H* (λₘᵢₙ %1, condition %2)")
                 .arg(v.limit_spectrum.lambda_min, 0, 'g', 3)
                 .arg(v.limit_spectrum.condition, 0, 'g', 3),
             QPen(palette::blue, 2), QCPScatterStyle::ssNone, ranks, descending(v.limit_spectrum.eigenvalues));
    if (v.empirical_spectrum.complete)
      addCurve(this, m_spectrum,
               tr("H(W)/m at m = %1 (λₘᵢₙ %2)").arg(v.spec.m).arg(v.empirical_spectrum.lambda_min, 0, 'g', 3),
               QPen(palette::vermillion, 1), QCPScatterStyle::ssDisc, ranks,
               descending(v.empirical_spectrum.eigenvalues))
          ->setLineStyle(QCPGraph::lsNone);
    QString note = tr("The stylized form (method.md §8). Effective rank: H* %1, H(W)/m %2. "
                      "H* = I_d ⊗ K: its eigenvalues come d-fold.")
                       .arg(v.limit_spectrum.effective_rank, 0, 'f', 1)
                       .arg(v.empirical_spectrum.effective_rank, 0, 'f', 1);
    for (const core::Spectrum* s : {&v.limit_spectrum, &v.empirical_spectrum})
      if (s->status != core::Status::ok)
        note += tr(" %1: the eigensolver failed (%2), eigenvalues not shown.")
                    .arg(s == &v.limit_spectrum ? "H*" : "H(W)/m", core::to_string(s->status));
    addNote(m_spectrum, note);
    std::vector<double> m, lambda, distance;
    for (const core::NtkWidthPoint& p : m_result->widths) {
      m.push_back(double(p.m));
      lambda.push_back(p.lambda_min);
      distance.push_back(p.distance);
    }
    addCurve(this, m_lambda, tr("λₘᵢₙ(H(W)/m)"), QPen(palette::vermillion, 2), QCPScatterStyle::ssDisc, m, lambda);
    if (!m.empty()) addLevel(this, m_lambda, m.front(), m.back(), v.limit_spectrum.lambda_min, tr("λₘᵢₙ(H*)"));
    addCurve(this, m_distance, tr("measured"), QPen(palette::blue, 2), QCPScatterStyle::ssDisc, m, distance);
    addInverseSqrtGuide(this, m_distance, m, distance);
    addPowerFit(this, m_distance, m, distance, tr("distance"), "m");
    if (!m_result->complete()) addNote(m_distance, tr("computing…"));
  }
  for (QCPAxisRect* rect : {m_spectrum, m_lambda, m_distance}) fitRange(rect);
  replotWhenShown(this);
}

QString NtkPlot::csv() const {
  QString out = line({"series", "x", "y"});
  if (!m_result) return out;
  const core::NtkView& v = m_result->view;
  const auto spectrum = [&](const QString& name, const Eigen::VectorXd& e) {
    for (Eigen::Index i = 0; i < e.size(); ++i)
      out += line({name, QString::number(i), QString::number(e(e.size() - 1 - i), 'g', 17)});
  };
  spectrum("limit_eigenvalue", v.limit_spectrum.eigenvalues);
  spectrum("empirical_eigenvalue", v.empirical_spectrum.eigenvalues);
  for (const core::NtkWidthPoint& p : m_result->widths) {
    out += line({"lambda_min", QString::number(p.m), QString::number(p.lambda_min, 'g', 17)});
    out += line({"distance", QString::number(p.m), QString::number(p.distance, 'g', 17)});
  }
  return out;
}

TrainingPlot::TrainingPlot(QWidget* parent) : QCustomPlot(parent) {
  m_loss = addPanel(this, 0, 0, tr("Loss during gradient descent"), tr("step t"), tr("loss"), false, true,
                    Qt::AlignVCenter | Qt::AlignRight);
  m_lambda = addPanel(this, 0, 1, tr("λₘᵢₙ during training"), tr("step t"), tr("λₘᵢₙ(H(W(t))/m)"), false, false,
                      Qt::AlignVCenter | Qt::AlignRight);
  m_movement = addPanel(this, 1, 0, tr("Weight movement"), tr("step t"), tr("maxᵣ |wᵣ(t) − wᵣ(0)|"), false, false,
                        Qt::AlignBottom | Qt::AlignRight);
  m_compute = addPanel(this, 1, 1, tr("Loss against compute"), tr("compute C = N D T (N = m d, D = n)"), tr("loss"),
                       true, true);
}

void TrainingPlot::setState(TrainingPtr state) {
  m_state = std::move(state);
  redraw();
}

void TrainingPlot::setLaw(NtkResultPtr result) {
  m_law = std::move(result);
  redraw();
}

void TrainingPlot::redraw() {
  clearPlot(this);
  if (m_state && !m_state->curve.steps.empty()) {
    const Steps& steps = m_state->curve.steps;
    const std::vector<double> t = column(steps, [](const core::TrainStep& s) { return double(s.step); });
    addCurve(this, m_loss, tr("loss (m = %1, η = %2)").arg(m_state->curve.m).arg(m_state->eta, 0, 'g', 3),
             QPen(palette::vermillion, 2), QCPScatterStyle::ssNone, t,
             column(steps, [](const core::TrainStep& s) { return s.loss; }));
    // The predictions over the whole run, so that before Play the panel shows where the loss should go.
    std::vector<double> horizon, infinite, finite;
    const core::TrainStep& start = steps.front();
    const double eta_m = m_state->eta * double(m_state->curve.m);
    const int last = std::max(1, m_state->params.ntk.steps);
    for (int k = 0; k <= 2000; ++k) {
      const int step = int(std::lround(double(k) * last / 2000));
      if (!horizon.empty() && step == int(horizon.back())) continue;
      horizon.push_back(step);
      infinite.push_back(core::predicted_loss(start.loss, 1 - eta_m * m_state->lambda_star, step));
      finite.push_back(core::predicted_loss(start.loss, 1 - eta_m * start.lambda_min, step));
    }
    addCurve(this, m_loss, tr("infinite-width prediction, λₘᵢₙ(H*)"), QPen(Qt::black, 1, Qt::DashLine),
             QCPScatterStyle::ssNone, horizon, infinite);
    addCurve(this, m_loss, tr("finite-width prediction, λₘᵢₙ(H(W(0))/m)"), QPen(palette::blue, 1, Qt::DotLine),
             QCPScatterStyle::ssNone, horizon, finite);
    QString note =
        tr("Two predictions loss(0)·(1 − η m λ)²ᵗ, not bounds: late in training the loss follows the "
           "finite-width one.");
    if (m_state->status != core::Status::ok) note += tr(" Stopped: the loss overflowed (lower η).");
    addNote(m_loss, note);
    QCPGraph* lambda =
        addCurve(this, m_lambda, tr("λₘᵢₙ(H(W(t))/m)"), QPen(palette::vermillion, 2), QCPScatterStyle::ssDisc, t,
                 column(steps, [](const core::TrainStep& s) { return s.lambda_min; }));
    lambda->setLineStyle(QCPGraph::lsNone);
    lambda->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, palette::vermillion, 3));
    addLevel(this, m_lambda, 0, last, m_state->lambda_star, tr("λₘᵢₙ(H*)"));  // over the whole run, as the predictions
    addCurve(this, m_movement, tr("maxᵣ |wᵣ(t) − wᵣ(0)|"), QPen(palette::blue, 2), QCPScatterStyle::ssNone, t,
             column(steps, [](const core::TrainStep& s) { return s.weight_movement; }));
  }
  if (m_law) {
    const QColor colours[] = {palette::sky, palette::blue, palette::pink};
    int i = 0;
    if (!m_law->law.empty()) addNote(m_compute, tr("κ: the rate of the fit ln loss ≈ a − κ C over each run."));
    for (const TrainingCurve& run : m_law->law)
      addCurve(this, m_compute, tr("m = %1, κ = %2").arg(run.m).arg(exponentialRate(run.steps), 0, 'g', 3),
               QPen(colours[i++ % 3], 2), QCPScatterStyle::ssNone,
               column(run.steps, [](const core::TrainStep& s) { return s.compute; }),
               column(run.steps, [](const core::TrainStep& s) { return s.loss; }));
  }
  for (QCPAxisRect* rect : {m_loss, m_lambda, m_movement, m_compute}) fitRange(rect);
  if (m_state) {  // the whole run's horizon, so a playing curve grows across fixed axes (with a margin,
                  // so that step 0 is not cut in half by the frame)
    const double last = std::max(1, m_state->params.ntk.steps);
    for (QCPAxisRect* rect : {m_loss, m_lambda, m_movement})
      rect->axis(QCPAxis::atBottom)->setRange(-0.02 * last, 1.02 * last);
  }
  replotWhenShown(this);
}

QString TrainingPlot::csv() const {
  QString out = line({"series", "step", "loss", "lambda_min", "weight_movement", "compute",
                      "predicted_loss_infinite_width", "predicted_loss_finite_width"});
  const auto rows = [&](const QString& name, const Steps& steps) {
    for (const core::TrainStep& s : steps)
      out += line({name, QString::number(s.step), QString::number(s.loss, 'g', 17),
                   QString::number(s.lambda_min, 'g', 17), QString::number(s.weight_movement, 'g', 17),
                   QString::number(s.compute, 'g', 17), QString::number(s.predicted_loss_infinite, 'g', 17),
                   QString::number(s.predicted_loss_finite, 'g', 17)});
  };
  if (m_state) rows("run", m_state->curve.steps);
  if (m_law)
    for (const TrainingCurve& run : m_law->law) rows(QString("law_m=%1").arg(run.m), run.steps);
  return out;
}

}  // namespace ntk::ui
