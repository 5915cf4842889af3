#pragma once
// A gate that one runner's jobs wait at while another's work has the cores (the NTK view's jobs
// while a comparison runs). Waiting is on a condition variable: no polling, no sleeps.

#include <condition_variable>
#include <functional>
#include <mutex>

namespace ntk::ui {

class HoldGate {
 public:
  /// Closes the gate for as long as the returned object lives (one holder at a time).
  class Hold {
   public:
    explicit Hold(HoldGate& gate) : m_gate(gate) { m_gate.set(true); }
    ~Hold() { m_gate.set(false); }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    HoldGate& m_gate;
  };

  /// Returns when the gate is open or `wanted()` turns false (checked again at every wake()).
  void wait(const std::function<bool()>& wanted) {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return !m_closed || !wanted(); });
  }

  /// Makes waiters check `wanted()` again (their job was cancelled).
  void wake() {
    { std::lock_guard lock(m_mutex); }  // a waiter between its check and its wait is woken too
    m_changed.notify_all();
  }

 private:
  void set(bool closed) {
    {
      std::lock_guard lock(m_mutex);
      m_closed = closed;
    }
    m_changed.notify_all();
  }

  std::mutex m_mutex;
  std::condition_variable m_changed;
  bool m_closed = false;
};

}  // namespace ntk::ui
