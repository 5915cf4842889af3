#pragma once
// One worker thread that runs one job at a time, "latest wins": replace() cancels the running
// job (its `alive` callable starts returning false) and makes the new one the next to run.

#include <QObject>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace ntk::ui {

class JobRunner {
 public:
  /// A job polls `alive` and returns soon after it turns false.
  using Job = std::function<void(const std::function<bool()>& alive)>;

  JobRunner();
  ~JobRunner();  ///< cancels the running job and joins the worker
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  void replace(Job job);
  void cancel();

 private:
  void loop();

  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::optional<std::pair<quint64, Job>> m_pending;  // guarded by m_mutex
  bool m_stop = false;                               // guarded by m_mutex
  std::atomic<quint64> m_generation{0};
  std::thread m_worker;
};

}  // namespace ntk::ui
