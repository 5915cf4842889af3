#include "tests/ui/parts.h"
#include "ui/status/status_text.h"

#include <QtTest>
#include <cmath>

using namespace ntk;

namespace {

core::Comparison comparison() {
  core::Comparison c;
  c.params = core::default_parameters();
  c.status = core::Status::ok;
  c.r = 7;
  c.errors.max_abs = 1.25e-3;
  c.errors.rel_fro = 4.5e-4;
  c.errors.mse = 2e-8;
  c.exact.prefix_mass = (Eigen::VectorXd(2) << 0.25, 0.75).finished();
  c.exact.T = Eigen::MatrixXd::Zero(2, 2);
  c.approx.T = Eigen::MatrixXd::Zero(2, 2);
  c.threads = 2;
  c.exact_seconds = 0.0015;
  c.approx_seconds = 2.5e-5;
  return c;
}

core::ScalingPoint at(Eigen::Index m, std::optional<double> distance) {
  core::ScalingPoint p;
  p.m = m;
  p.limit_distance = distance;
  return p;
}

}  // namespace

class StatusTextTest : public QObject {
  Q_OBJECT

 private slots:
  void comparisonStatusQuotesTheResult() {
    const QString text = ui::comparisonStatus(comparison(), nullptr);
    for (const char* part :
         {"r = 7", "max-abs error 1.25e-03", "relative Frobenius 4.50e-04", "MSE 2.00e-08", "prefix share 0.500",
          "float64", "exact 1.50 ms, NTK-Attention 25.0 us (one run, 2 threads)"})
      QVERIFY2(text.contains(part), qPrintable(text + "  lacks  " + part));
    QVERIFY(!text.contains("float32 - float64"));
  }

  // The gap is quoted only against a result of the other precision with the same parameters.
  void thePrecisionGapNeedsTheSameParameters() {
    core::Comparison single = comparison();
    single.params.precision = core::Precision::float32;
    single.exact.T(0, 1) = 1e-6;
    single.approx.T(1, 0) = -3e-5;
    const core::Comparison doubled = comparison();
    const QString text = ui::comparisonStatus(single, &doubled);
    QVERIFY2(text.contains("float32 (float32 - float64: max-abs 1.0e-06 exact, 3.0e-05 NTK-Attention)"),
             qPrintable(text));
    core::Comparison other_m = doubled;
    other_m.params.workload.m += 1;
    QVERIFY(!ui::comparisonStatus(single, &other_m).contains("float32 - float64"));
  }

  void aFailureSaysWhyAndADegeneracyWarns() {
    core::Comparison c = comparison();
    c.status = core::Status::not_finite;
    c.degeneracy = "every key is the same";
    const QString text = ui::comparisonStatus(c, nullptr);
    QVERIFY2(text.startsWith("NTK-Attention failed: "), qPrintable(text));
    QVERIFY2(text.endsWith("\nWarning: every key is the same."), qPrintable(text));
  }

  // The fitted slope is the one of the points with a distance, and only with three or more.
  void theLimitStatusFitsTheSeriesOfItsM() {
    core::Comparison shown = comparison();
    shown.limit_distance = 0.0123;
    ui::ScalingSeries series;
    series.params = shown.params;
    for (const Eigen::Index m : {16, 64, 256}) series.by_length.push_back(at(m, 0.8 / std::sqrt(double(m))));
    series.by_length.push_back(at(1024, std::nullopt));
    const QString text = ui::limitStatus(shown, &series);
    QVERIFY2(text.contains("limit: 1.23e-02 (max-abs, m = " + QString::number(shown.params.workload.m) + ")"),
             qPrintable(text));
    QVERIFY2(text.contains("distance ∝ m⁻⁰·⁵⁰ over 3 lengths"), qPrintable(text));
    series.by_length.pop_back();
    series.by_length.pop_back();
    QVERIFY(!ui::limitStatus(shown, &series).contains("fitted"));
    series.params.workload.m += 1;  // a series of another m says nothing here
    QVERIFY(!ui::limitStatus(shown, &series).contains("fitted"));
  }

  void theTrainingStatusQuotesTheContraction() {
    QVERIFY(ui::trainingStatus(nullptr).contains("press Play"));
    ui::TrainingState state;
    core::TrainStep first, last;
    first.loss = 1.0;
    last.step = 2;
    last.loss = 0.25;
    last.weight_movement = 0.5;
    last.predicted_loss_finite = 0.0625;
    state.curve.steps = {first, last};
    QString text = ui::trainingStatus(&state);
    QVERIFY2(text.contains("step 2:   loss 2.500e-01 (from 1.000e+00)   largest weight movement 5.00e-01"),
             qPrintable(text));
    // (0.25 / 1)^(1/4) and the prediction's (0.0625)^(1/4).
    QVERIFY2(text.contains("per step so far 0.70711 (the NTK predicts 0.50000 at this m)"), qPrintable(text));
    state.curve.steps.back().predicted_loss_finite = NAN;
    text = ui::trainingStatus(&state);
    QVERIFY2(text.contains("none: η m λ ≥ 1"), qPrintable(text));
  }
};

int runStatusTextTests(int argc, char** argv) {
  StatusTextTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_status_text.moc"
