#include "runner/exec/concurrency_groups.h"

#include <fmt/core.h>

#include <cctype>

#include "runner/exec/contexts.h"
#include "runner/os/queue_lock.h"

namespace taskr {
namespace {

constexpr auto kLockPollInterval = std::chrono::milliseconds(50);

// GroupKey: group names compare case-insensitively, as on GitHub.
std::string GroupKey(std::string_view group) {
  std::string key(group);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

std::string GroupLockName(std::string_view group) {
  std::string key = GroupKey(group);
  std::string readable;
  uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : key) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (readable.size() < 64) readable += plain ? c : '_';
  }
  return fmt::format("{}-{:08x}.queue", readable, hash);
}

ConcurrencyGroups::ConcurrencyGroups(EventLoop& loop, std::filesystem::path lock_dir,
                                     const Contexts& contexts, Handlers handlers)
    : loop_(loop),
      lock_dir_(std::move(lock_dir)),
      contexts_(contexts),
      handlers_(std::move(handlers)) {}

ConcurrencyGroups::~ConcurrencyGroups() = default;

void ConcurrencyGroups::Join(NodeId id, std::string group) {
  Group& g = groups_[GroupKey(group)];
  members_[id].group = std::move(group);
  if (g.held) {
    g.waiters.push_back(id);
    return;
  }
  g.held = true;
  Acquire(id, /*announced=*/false);
}

// Acquire waits for our turn in the group's queue file, which other taskr
// processes share.
void ConcurrencyGroups::Acquire(NodeId id, bool announced) {
  Member& m = members_[id];
  if (!m.queue) {
    std::error_code ec;
    std::filesystem::create_directories(lock_dir_, ec);
    // Named after the masked group name: a secret never lands in a file name.
    auto joined = QueueLock::Join((lock_dir_ / GroupLockName(contexts_.Mask(m.group))).string());
    if (!joined.ok()) {
      std::string error =
          fmt::format("concurrency group '{}': {}", m.group, joined.status().message());
      Leave(id);
      return handlers_.failed(id, std::move(error));
    }
    m.queue = std::move(*joined);
  }
  Result<bool> ours = m.queue->TryAcquire();
  if (!ours.ok()) {
    std::string error = fmt::format("concurrency group '{}': {}", m.group, ours.status().message());
    Leave(id);
    return handlers_.failed(id, std::move(error));
  }
  if (*ours) return handlers_.granted(id);
  if (!announced) handlers_.blocked(id, m.group);
  m.poll_timer = loop_.After(kLockPollInterval, [this, id] {
    members_[id].poll_timer = 0;
    Acquire(id, true);
  });
}

void ConcurrencyGroups::Leave(NodeId id) {
  auto member = members_.find(id);
  if (member == members_.end()) return;
  std::string key = GroupKey(member->second.group);
  members_.erase(member);  // leaves the cross-process queue
  Group& g = groups_[key];
  if (g.waiters.empty()) {
    g.held = false;
    return;
  }
  NodeId next = g.waiters.front();
  g.waiters.pop_front();
  loop_.Post([this, next] {
    if (cancelled_) {
      // Hand the group on first, so every later waiter is cancelled in turn.
      Leave(next);
      handlers_.cancelled(next);
      return;
    }
    Acquire(next, false);
  });
}

bool ConcurrencyGroups::StopPolling(NodeId id) {
  auto member = members_.find(id);
  if (member == members_.end() || member->second.poll_timer == 0) return false;
  loop_.CancelTimer(member->second.poll_timer);
  member->second.poll_timer = 0;
  return true;
}

}  // namespace taskr
