#pragma once
// The temporary files a writer has open (the "NAME.partial" beside each output), kept where an
// async-signal-safe function can reach them: a process that must end at once on a signal removes
// them, so no partial output outlives it.

#include <filesystem>

namespace ntk::core {

/// Registers `path` for as long as it lives. Not copyable; at most 64 are tracked at once
/// (more are still written, only not removed on a forced exit).
class TrackedTemporary {
 public:
  explicit TrackedTemporary(const std::filesystem::path& path);
  ~TrackedTemporary();
  TrackedTemporary(const TrackedTemporary&) = delete;
  TrackedTemporary& operator=(const TrackedTemporary&) = delete;

 private:
  int m_slot = -1;
};

/// Unlinks every registered temporary file. Async-signal-safe: only atomics and unlink().
void remove_tracked_temporaries() noexcept;

}  // namespace ntk::core
