#include "ui/compute/job_runner.h"

#include "core/util/parallel.h"

#include <algorithm>

namespace ntk::ui {

JobRunner::JobRunner(int threads, std::shared_ptr<HoldGate> hold)
    : m_hold(std::move(hold)), m_worker([this, threads] { loop(threads); }) {}

JobRunner::~JobRunner() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  cancel();
  m_wake.notify_all();
  m_worker.join();
}

quint64 JobRunner::submit(Job job, bool cancel_running) {
  quint64 generation = 0;
  {
    std::lock_guard lock(m_mutex);
    generation = ++m_latest;
    if (cancel_running) m_alive_from = generation;
    m_pending.emplace(generation, std::move(job));
  }
  m_wake.notify_all();
  if (cancel_running && m_hold) m_hold->wake();
  return generation;
}

quint64 JobRunner::replace(Job job) { return submit(std::move(job), true); }

quint64 JobRunner::queue(Job job) { return submit(std::move(job), false); }

void JobRunner::supersede() { ++m_latest; }

bool JobRunner::proceed(quint64 generation) const {
  if (m_hold) m_hold->wait([this, generation] { return alive(generation); });
  return alive(generation);
}

void JobRunner::cancel() {
  {
    std::lock_guard lock(m_mutex);
    m_pending.reset();
    m_alive_from = ++m_latest;
  }
  if (m_hold) m_hold->wake();
}

bool JobRunner::waiting() {
  std::lock_guard lock(m_mutex);
  return m_pending.has_value();
}

void JobRunner::loop(int threads) {
  // Leave a core to the GUI thread: an OpenMP team that waits for a member descheduled by a
  // repaint turns a millisecond into a scheduler time slice.
  core::set_thread_count(threads > 0 ? threads : std::max(1, core::thread_count() - 1));
  for (;;) {
    std::pair<quint64, Job> job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stop || m_pending.has_value(); });
      if (m_stop) return;
      job = std::move(*m_pending);
      m_pending.reset();
    }
    if (alive(job.first)) job.second(Ticket{this, job.first});
  }
}

}  // namespace ntk::ui
