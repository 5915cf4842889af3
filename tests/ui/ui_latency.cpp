// The window's responsiveness, measured (a benchmark, not a pass/fail test): how long the GUI
// thread is ever blocked while results arrive, and how long from a slider change to its plot.
// Runs offscreen: QT_QPA_PLATFORM=offscreen ui_latency [--m M]

#include "core/util/memory.h"
#include "ui/main_window.h"
#include "ui/panels/parameter_panel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(q * double(v.size())))];
}

// Records the gaps between ticks of a 1 ms timer on the GUI thread: a gap is a block.
class StallMonitor {
 public:
  StallMonitor() {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    QObject::connect(&m_timer, &QTimer::timeout, [this] {
      const double now = double(m_clock.nsecsElapsed()) / 1e6;
      m_gaps.push_back(now - m_last);
      m_last = now;
    });
  }
  void start() {
    m_gaps.clear();
    m_clock.start();
    m_last = 0;
    m_timer.start();
  }
  std::vector<double> stop() {
    m_timer.stop();
    return m_gaps;
  }

 private:
  QTimer m_timer;
  QElapsedTimer m_clock;
  double m_last = 0;
  std::vector<double> m_gaps;
};

// Runs the event loop, as the program's does, until `done` or for `ms`. (QTest::qWait and
// qWaitFor sleep 10 ms between passes over the events, which would count as latency and as a
// blocked GUI thread.) Returns done().
template <typename Predicate>
bool runEvents(int ms, Predicate done) {
  if (done()) return true;
  QEventLoop loop;
  QElapsedTimer clock;
  QTimer poll;
  poll.setTimerType(Qt::PreciseTimer);
  QObject::connect(&poll, &QTimer::timeout, [&] {
    if (done() || clock.elapsed() >= ms) loop.quit();
  });
  clock.start();
  poll.start(1);
  loop.exec();
  return done();
}

// Runs `then` once the plots a result changed are drawn: a result queues its replots, and a call
// queued after them runs after them.
template <typename Then>
void whenDrawn(Then then) {
  QMetaObject::invokeMethod(qApp, then, Qt::QueuedConnection);
}

void pause(int ms) {
  runEvents(ms, [] { return false; });
}

template <typename Predicate>
void waitFor(Predicate done, const char* what) {
  if (runEvents(120000, done)) return;
  std::fprintf(stderr, "ui_latency: timed out waiting for %s\n", what);
  std::exit(1);
}

void report(const char* what, const std::vector<double>& latencies, const std::vector<double>& gaps) {
  std::printf("%-34s plots %3zu  latency p50 %7.1f ms  p95 %7.1f ms   GUI blocked: max %5.1f ms, p99 %4.1f ms\n", what,
              latencies.size(), percentile(latencies, 0.5), percentile(latencies, 0.95),
              gaps.empty() ? NAN : *std::max_element(gaps.begin(), gaps.end()), percentile(gaps, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  ntk::core::keep_freed_memory();  // as the program does
  QApplication app(argc, argv);
  QStandardPaths::setTestModeEnabled(true);
  long m = 4096;
  for (int i = 1; i + 1 < argc; ++i)
    if (QString(argv[i]) == "--m") m = std::atol(argv[i + 1]);
  ntk::ui::MainWindow w;
  w.resize(1500, 850);
  w.show();
  ntk::core::Parameters p = ntk::core::default_parameters();
  p.workload.m = m;
  w.parameterPanel()->setParameters(p);
  w.computeNow();
  waitFor([&] { return w.shownSeries() && w.shownSeries()->complete(); }, "the first result");
  std::printf("workload: L=%ld d=%ld m=%ld (default otherwise), window 1500 x 850, offscreen\n", long(p.workload.L),
              long(p.workload.d), m);

  QElapsedTimer clock;
  clock.start();
  const auto now = [&clock] { return double(clock.nsecsElapsed()) / 1e6; };
  std::map<std::uint64_t, double> asked;  // seed -> when it was set
  std::vector<double> latencies;
  QObject::connect(&w, &ntk::ui::MainWindow::resultShown, [&] {
    const auto it = asked.find(w.shownResult()->params.workload.seed);
    if (it != asked.end()) whenDrawn([&, from = it->second] { latencies.push_back(now() - from); });
  });
  StallMonitor stalls;

  // 1. One change at a time (a click on the seed's arrow), each waited for.
  auto* seed = qobject_cast<QAbstractSpinBox*>(w.parameterPanel()->control("seed"));
  stalls.start();
  for (int i = 0; i < 40; ++i) {
    const double asked_at = now();
    seed->stepUp();
    const std::uint64_t value = w.parameterPanel()->parameters().workload.seed;
    asked[value] = asked_at;
    waitFor([&] { return w.shownResult()->params.workload.seed == value; }, "a seed's result");
    pause(50);  // the scaling series of each runs meanwhile, as for a user
  }
  report("single changes (seed +1)", latencies, stalls.stop());

  // 2. A drag of the m slider across six octaves, one step (1/8 octave) every 16 ms (a 60 Hz
  // mouse), then the release. Every m is set once, so each plot's latency is well defined.
  latencies.clear();
  asked.clear();
  auto* slider = w.parameterPanel()->findChild<QSlider*>("m_slider");
  std::map<long, double> moved;  // m -> when the slider first set it
  QObject::disconnect(&w, &ntk::ui::MainWindow::resultShown, nullptr, nullptr);
  QObject::connect(&w, &ntk::ui::MainWindow::resultShown, [&] {
    const auto it = moved.find(long(w.shownResult()->params.workload.m));
    if (it != moved.end()) whenDrawn([&, from = it->second] { latencies.push_back(now() - from); });
  });
  stalls.start();
  slider->setSliderDown(true);
  const int eighth = slider->singleStep();  // an eighth of an octave (the arrow keys' step)
  const int from = slider->value() - 24 * eighth;
  for (int step = 1; step <= 48; ++step) {
    slider->setValue(from + step * eighth);
    moved.emplace(long(w.parameterPanel()->parameters().workload.m), now());
    pause(16);
  }
  const long last = long(w.parameterPanel()->parameters().workload.m);
  moved[last] = now();
  slider->setSliderDown(false);
  waitFor([&] { return long(w.shownResult()->params.workload.m) == last; }, "the release's result");
  pause(200);
  report("slider drag (48 moves, 16 ms apart)", latencies, stalls.stop());
  return 0;
}
