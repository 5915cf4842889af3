#include "core/io/temporary_files.h"

#include <unistd.h>
#include <array>
#include <atomic>
#include <cstring>

namespace ntk::core {
namespace {

enum SlotState : int { free_slot, filling, ready };

struct Slot {
  std::atomic<int> state{free_slot};
  char path[4096];
};

std::array<Slot, 64> slots;
static_assert(std::atomic<int>::is_always_lock_free, "signal handlers need lock-free atomics");

}  // namespace

TrackedTemporary::TrackedTemporary(const std::filesystem::path& path) {
  const std::string& name = path.native();
  if (name.size() >= sizeof slots[0].path) return;
  for (int i = 0; i < int(slots.size()); ++i) {
    int expected = free_slot;
    if (!slots[std::size_t(i)].state.compare_exchange_strong(expected, filling)) continue;
    std::memcpy(slots[std::size_t(i)].path, name.c_str(), name.size() + 1);
    slots[std::size_t(i)].state.store(ready);
    m_slot = i;
    return;
  }
}

TrackedTemporary::~TrackedTemporary() {
  if (m_slot >= 0) slots[std::size_t(m_slot)].state.store(free_slot);
}

void remove_tracked_temporaries() noexcept {
  for (Slot& slot : slots)
    if (slot.state.load() == ready) ::unlink(slot.path);
}

}  // namespace ntk::core
