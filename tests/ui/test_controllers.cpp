// The window's compute controllers on their own (issue 11): cancel() drops the running result,
// a burst of requests starts at most two computations, and nothing computed for an older
// request ever reaches the window, whether a result, a snapshot, a training state or a failure.

#include "ui/compute/compute_controller.h"
#include "ui/compute/job_runner.h"
#include "ui/compute/ntk_controller.h"

#include <atomic>

#include <QSignalSpy>
#include <QtTest>

using ntk::ui::ComparisonPtr;
using ntk::ui::ComputeController;
using ntk::ui::JobRunner;
using ntk::ui::NtkController;
using ntk::ui::NtkResultPtr;
using ntk::ui::TrainingPtr;

namespace {

ntk::core::Parameters comparison(Eigen::Index m) {
  ntk::core::Parameters p = ntk::core::default_parameters();
  p.workload.m = m;
  return p;
}

ntk::core::Parameters ntkSetting(Eigen::Index n, Eigen::Index m) {
  ntk::core::Parameters p = ntk::core::default_parameters();
  p.ntk.model.n = n;
  p.ntk.model.m = m;
  p.ntk.steps = 50;
  return p;
}

}  // namespace

class ControllerTest : public QObject {
  Q_OBJECT

 private slots:
  // The one runner's generations: replace() cancels the running job, queue() lets it finish but
  // makes it no longer current, supersede() only that, and cancel() drops the waiting job too.
  void theRunnerTagsEveryJobWithItsGeneration() {
    JobRunner runner(1);
    std::atomic<int> state{0};  // 1: first job running; 2: it saw itself superseded; 3: it ended
    std::atomic<bool> firstAliveAtEnd{true};
    const quint64 first = runner.replace([&](const JobRunner::Ticket& t) {
      state = 1;
      while (t.current()) QThread::msleep(1);
      state = 2;
      while (t.alive() && state != 4) QThread::msleep(1);
      firstAliveAtEnd = t.alive();
      state = 3;
    });
    QTRY_COMPARE_WITH_TIMEOUT(state.load(), 1, 5000);
    QVERIFY(runner.current(first));
    runner.supersede();
    QTRY_COMPARE_WITH_TIMEOUT(state.load(), 2, 5000);
    QVERIFY(runner.alive(first) && !runner.current(first));
    std::atomic<int> secondRan{0};
    const quint64 second = runner.queue([&](const JobRunner::Ticket& t) { secondRan = t.current() ? 1 : 2; });
    QVERIFY(second > first && runner.alive(first) && runner.waiting());
    state = 4;  // the first job ends by itself: a queued job does not cancel it
    QTRY_COMPARE_WITH_TIMEOUT(secondRan.load(), 1, 5000);
    QVERIFY(firstAliveAtEnd.load());
    // replace() cancels a running job; cancel() drops a waiting one.
    std::atomic<bool> third{false}, fourth{false};
    const quint64 running = runner.replace([&](const JobRunner::Ticket& t) {
      third = true;
      while (t.alive()) QThread::msleep(1);
    });
    QTRY_VERIFY_WITH_TIMEOUT(third.load(), 5000);
    runner.queue([&](const JobRunner::Ticket&) { fourth = true; });
    runner.cancel();
    QVERIFY(!runner.alive(running) && !runner.waiting());
    QTest::qWait(100);
    QVERIFY(!fourth.load());
  }

  // A runner with a hold (the NTK view's, held while a comparison runs) waits in alive() while
  // held, goes on when released, and still stops at once when cancelled.
  void aHeldRunnerWaitsUntilReleased() {
    const auto gate = std::make_shared<ntk::ui::HoldGate>();
    auto held = std::make_optional<ntk::ui::HoldGate::Hold>(*gate);
    JobRunner runner(1, gate);
    std::atomic<int> passed{0};
    runner.replace([&](const JobRunner::Ticket& t) { passed = t.alive() ? 1 : 2; });
    QTest::qWait(150);
    QCOMPARE(passed.load(), 0);
    held.reset();
    QTRY_COMPARE_WITH_TIMEOUT(passed.load(), 1, 5000);
    held.emplace(*gate);
    passed = 0;
    runner.replace([&](const JobRunner::Ticket& t) { passed = t.alive() ? 1 : 2; });
    QTest::qWait(50);
    QCOMPARE(passed.load(), 0);
    runner.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(passed.load(), 2, 5000);
  }

  // A cancelled comparison never shows. The first is minutes of arithmetic (m = 2^26), so it is
  // still running when cancelled; the second runs after it on the same worker, so once the
  // second's result is here the first has ended, and anything it posted would have come first.
  void cancelDropsTheRunningResult() {
    ComputeController c;
    QSignalSpy results(&c, &ComputeController::resultReady);
    c.request(comparison(Eigen::Index{1} << 26), true);
    QTRY_VERIFY_WITH_TIMEOUT(c.started() == 1, 10000);
    c.cancel();
    c.request(comparison(64), true);
    QTRY_COMPARE_WITH_TIMEOUT(results.count(), 1, 120000);
    QCOMPARE(results.at(0).at(1).value<ComparisonPtr>()->params.workload.m, 64);
    QCOMPARE(c.started(), 2);
  }

  void aBurstOfImmediateRequestsStartsAtMostTwo() {
    ComputeController c;
    QSignalSpy results(&c, &ComputeController::resultReady);
    for (int i = 1; i <= 50; ++i) c.request(comparison(1000 + i), true);
    QTRY_COMPARE_WITH_TIMEOUT(results.count(), 1, 20000);
    QTest::qWait(300);
    QCOMPARE(results.count(), 1);
    QCOMPARE(results.at(0).at(1).value<ComparisonPtr>()->params.workload.m, 1050);
    QVERIFY2(c.started() <= 2, qPrintable(QString("%1 computations started").arg(c.started())));
  }

  void aBurstOfDragRequestsStartsAtMostTwo() {
    ComputeController c;
    QSignalSpy results(&c, &ComputeController::resultReady);
    for (int i = 1; i <= 50; ++i) c.request(comparison(2000 + i), false);
    QTRY_VERIFY_WITH_TIMEOUT(
        !results.isEmpty() && results.last().at(1).value<ComparisonPtr>()->params.workload.m == 2050, 20000);
    QVERIFY2(c.started() <= 2, qPrintable(QString("%1 computations started").arg(c.started())));
  }

  void aStaleFailureIsNeverReported() {
    ComputeController c;
    QSignalSpy failures(&c, &ComputeController::failed);
    QSignalSpy results(&c, &ComputeController::resultReady);
    ntk::core::Parameters refused = comparison(64);
    refused.workload.d = 0;  // fails at once in the worker
    c.request(refused, true);
    c.request(comparison(64), true);
    QTRY_COMPARE_WITH_TIMEOUT(results.count(), 1, 20000);
    QTest::qWait(200);
    QCOMPARE(failures.count(), 0);
  }

  // The NTK controller posted snapshots of a replaced setting, and the window showed them.
  void ntkSnapshotsOfAReplacedSettingAreDropped() {
    NtkController c;
    QSignalSpy views(&c, &NtkController::viewProgress);
    QSignalSpy failures(&c, &NtkController::failed);
    // What is shown must be of the setting requested last when it is shown: the older one's
    // snapshots may show while it is current (during the waits), never after it was replaced.
    Eigen::Index current = 0;
    int stale = 0;
    connect(&c, &NtkController::viewProgress, this, [&](NtkResultPtr r) { stale += r->params.ntk.model.n != current; });
    connect(&c, &NtkController::trainingChanged, this,
            [&](TrainingPtr t) { stale += t->params.ntk.model.n != current; });
    const ntk::core::Parameters older = ntkSetting(64, 256), newer = ntkSetting(16, 64);
    for (int i = 0; i < 20; ++i) {
      current = 64;
      c.request(older);
      c.play();
      QTest::qWait(i);  // let some of the older work run and post
      current = 16;
      c.request(newer);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!views.isEmpty() && views.last().at(0).value<NtkResultPtr>()->params.ntk.model.n == 16 &&
                                 views.last().at(0).value<NtkResultPtr>()->complete(),
                             60000);
    QTest::qWait(300);
    QCOMPARE(stale, 0);
    QCOMPARE(failures.count(), 0);
  }

  void ntkFailureOfAReplacedSettingIsDropped() {
    NtkController c;
    QSignalSpy failures(&c, &NtkController::failed);
    QSignalSpy views(&c, &NtkController::viewProgress);
    c.request(ntkSetting(2000, 1 << 20));  // over the memory budget: fails at once
    c.request(ntkSetting(16, 64));
    QTRY_VERIFY_WITH_TIMEOUT(!views.isEmpty() && views.last().at(0).value<NtkResultPtr>()->complete(), 60000);
    QCOMPARE(failures.count(), 0);
    // Alone, the same setting is refused with its reason.
    c.request(ntkSetting(2000, 1 << 20));
    QTRY_COMPARE_WITH_TIMEOUT(failures.count(), 2, 10000);  // the view and the training run
    QVERIFY(failures.at(0).at(0).toString().contains("memory budget"));
  }
};

QTEST_MAIN(ControllerTest)
#include "test_controllers.moc"
