#include "ui/compute/job_runner.h"

#include "core/util/parallel.h"


namespace ntk::ui {

JobRunner::JobRunner() : m_worker([this] { loop(); }) {}

JobRunner::~JobRunner() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    m_pending.reset();
  }
  ++m_generation;
  m_wake.notify_all();
  m_worker.join();
}

void JobRunner::replace(Job job) {
  {
    std::lock_guard lock(m_mutex);
    m_pending.emplace(++m_generation, std::move(job));
  }
  m_wake.notify_all();
}

void JobRunner::cancel() {
  std::lock_guard lock(m_mutex);
  m_pending.reset();
  ++m_generation;
}

void JobRunner::loop() {
  core::set_thread_count(1);  // the comparison worker and the GUI thread share the other cores
  for (;;) {
    std::pair<quint64, Job> job;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stop || m_pending.has_value(); });
      if (m_stop) return;
      job = std::move(*m_pending);
      m_pending.reset();
    }
    const quint64 generation = job.first;
    if (generation == m_generation.load()) job.second([this, generation] { return generation == m_generation.load(); });
  }
}

}  // namespace ntk::ui
