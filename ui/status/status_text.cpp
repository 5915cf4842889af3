#include "ui/status/status_text.h"

#include "core/io/text_formats.h"
#include "core/pipeline/scaling.h"
#include "ui/plots/plot_helpers.h"

#include <QObject>
#include <cmath>
#include <vector>

namespace ntk::ui {
namespace {

// How long the result took. A cached comparison (the window's) ran exact attention's prefix part,
// the compression and the maps' prefix parts as one pass over the rows it lacked: its time is not
// either method's cost (the Cost tab's times are, measured without the cache).
QString timingText(const core::Comparison& c) {
  const QString threads = c.threads == 1 ? QObject::tr("1 thread") : QObject::tr("%1 threads").arg(c.threads);
  const QString ntk = QString::fromStdString(core::format_duration(c.approx_seconds));
  if (!c.pass)
    return QObject::tr("exact %1, NTK-Attention %2 (one run, %3)")
        .arg(QString::fromStdString(core::format_duration(c.exact_seconds)), ntk, threads);
  const core::PassReport& p = *c.pass;
  return QObject::tr("prefix pass %1 over %2 new rows (%3 reused, cache %4 MB), NTK-Attention %5 (%6)")
      .arg(QString::fromStdString(core::format_duration(p.seconds)))
      .arg(p.rows_read)
      .arg(p.reused_rows)
      .arg(double(p.cache_bytes) / 1e6, 0, 'f', 1)
      .arg(ntk, threads);
}

// The precision, and the distance to the other precision's result when the window holds one of
// the same parameters (the user switched precision): a float32 result's gap to float64.
QString precisionText(const core::Comparison& c, const core::Comparison* other) {
  QString text = QString::fromUtf8(core::to_string(c.params.precision).data());
  if (!other || other->status != core::Status::ok) return text;
  core::Parameters same = other->params;
  same.precision = c.params.precision;
  same.ntk = c.params.ntk;  // the NTK view's settings do not shape a comparison
  if (!(same == c.params)) return text;
  return text + QObject::tr(" (float32 - float64: max-abs %1 exact, %2 NTK-Attention)")
                    .arg((c.exact.T - other->exact.T).cwiseAbs().maxCoeff(), 0, 'e', 1)
                    .arg((c.approx.T - other->approx.T).cwiseAbs().maxCoeff(), 0, 'e', 1);
}

}  // namespace

QString comparisonStatus(const core::Comparison& c, const core::Comparison* other) {
  QString text =
      c.status == core::Status::ok
          ? QObject::tr("r = %1   max-abs error %2   relative Frobenius %3   MSE %4   prefix share %5   %6   %7")
                .arg(c.r)
                .arg(c.errors.max_abs, 0, 'e', 2)
                .arg(c.errors.rel_fro, 0, 'e', 2)
                .arg(c.errors.mse, 0, 'e', 2)
                .arg(c.exact.prefix_mass.mean(), 0, 'f', 3)
                .arg(precisionText(c, other), timingText(c))
          : QObject::tr("NTK-Attention failed: %1.").arg(QString::fromStdString(core::diagnosis(c)));
  if (!c.degeneracy.empty()) text += "\n" + QObject::tr("Warning: %1.").arg(QString::fromStdString(c.degeneracy));
  return text;
}

QString limitStatus(const core::Comparison& shown, const ScalingSeries* series) {
  QString text = QObject::tr("distance of exact attention to its m → ∞ limit: %1 (max-abs, m = %2)")
                     .arg(shown.limit_distance.value_or(NAN), 0, 'e', 2)
                     .arg(shown.params.workload.m);
  if (!series || series->params.workload.m != shown.params.workload.m) return text;
  std::vector<double> m, distance;
  for (const core::ScalingPoint& p : series->by_length)
    if (p.limit_distance) {
      m.push_back(double(p.m));
      distance.push_back(*p.limit_distance);
    }
  if (const auto fit = core::fit_log_log(m, distance); fit && fit->points >= 3)
    text += QObject::tr("   fitted: distance ∝ m%1 over %2 lengths (1/√m would be m%3)")
                .arg(superscript(QString::number(fit->slope, 'f', 2)))
                .arg(fit->points)
                .arg(superscript("-0.5"));
  return text;
}

QString ntkStatus(const core::NtkView& v) {
  return QObject::tr(
             "m = %1:   λₘᵢₙ(H(W)/m) %2   λₘᵢₙ(H*) %3   condition of H* %4   ‖H(W)/m − H*‖ / ‖H*‖ (Frobenius) %5")
      .arg(v.spec.m)
      .arg(v.empirical_spectrum.lambda_min, 0, 'e', 3)
      .arg(v.limit_spectrum.lambda_min, 0, 'e', 3)
      .arg(v.limit_spectrum.condition, 0, 'g', 4)
      .arg(v.distance, 0, 'e', 2);
}

QString trainingStatus(const TrainingState* state) {
  if (!state || state->curve.steps.empty()) return QObject::tr("Training: press Play (F6) or Step (F7).");
  const core::TrainStep& t = state->curve.steps.back();
  const core::TrainStep& first = state->curve.steps.front();
  QString text = QObject::tr("step %1:   loss %2 (from %3)   largest weight movement %4")
                     .arg(t.step)
                     .arg(t.loss, 0, 'e', 3)
                     .arg(first.loss, 0, 'e', 3)
                     .arg(t.weight_movement, 0, 'e', 2);
  if (t.step > 0 && t.loss > 0 && first.loss > 0)
    text += QObject::tr("   mean contraction per step so far %1 (the NTK predicts %2 at this m)")
                .arg(std::pow(t.loss / first.loss, 0.5 / t.step), 0, 'f', 5)
                .arg(std::isfinite(t.predicted_loss_finite) && t.predicted_loss_finite > 0
                         ? QString::number(std::pow(t.predicted_loss_finite / first.loss, 0.5 / t.step), 'f', 5)
                         : QObject::tr("none: η m λ ≥ 1"));
  return text;
}

}  // namespace ntk::ui
