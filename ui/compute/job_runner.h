#pragma once
// The window's one way of running work off the GUI thread (the comparisons and their scaling
// series, the NTK series, training): a worker thread that runs one job at a time, latest request
// wins, every job tagged with its generation. A job polls its Ticket; what it posts back to the
// GUI thread is shown only if its generation is still alive (or current) when it arrives.

#include "ui/compute/hold_gate.h"

#include <QtGlobal>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace ntk::ui {

class JobRunner {
 public:
  /// A running job's generation and the questions it asks of it (from any thread).
  struct Ticket {
    const JobRunner* runner = nullptr;
    quint64 generation = 0;
    /// Still wanted. While the runner's hold gate is closed, it first waits: a lower-priority
    /// runner pauses there while a higher-priority one works.
    bool alive() const { return runner->proceed(generation); }
    bool current() const { return runner->current(generation); }
  };
  /// A job polls its ticket and returns soon after alive() turns false.
  using Job = std::function<void(const Ticket&)>;

  /// `threads`: the OpenMP threads the worker's jobs use (0: all but one, left to the GUI).
  /// `hold`, when given: Ticket::alive() waits while that gate is closed (and the job is wanted).
  explicit JobRunner(int threads, std::shared_ptr<HoldGate> hold = {});
  ~JobRunner();  ///< cancels the running job and joins the worker
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  /// Cancels the running job and runs `job` next; returns its generation.
  quint64 replace(Job job);
  /// Lets the running job finish (only its current() turns false) and runs `job` after it,
  /// replacing any job still waiting; returns its generation.
  quint64 queue(Job job);
  /// A newer job is on its way: the running job's current() turns false, alive() does not.
  void supersede();
  /// Drops the waiting job and cancels the running one.
  void cancel();

  /// Not cancelled: no replace() or cancel() since `generation` was handed out.
  bool alive(quint64 generation) const { return generation >= m_alive_from.load(); }
  /// Nothing newer was submitted or announced since `generation`.
  bool current(quint64 generation) const { return generation == m_latest.load(); }
  /// A job waits to run.
  bool waiting();

 private:
  quint64 submit(Job job, bool cancel_running);
  bool proceed(quint64 generation) const;
  void loop(int threads);

  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::optional<std::pair<quint64, Job>> m_pending;  // guarded by m_mutex
  bool m_stop = false;                               // guarded by m_mutex
  std::atomic<quint64> m_latest{0};                  ///< the newest generation handed out or announced
  std::atomic<quint64> m_alive_from{0};              ///< generations below it are cancelled
  const std::shared_ptr<HoldGate> m_hold;
  std::thread m_worker;
};

}  // namespace ntk::ui
