// ConcurrencyGroups lets one task of a `concurrency` group run at a time:
// first come, first served among this process's tasks, and across taskr
// processes through one queue file per group in the lock folder
// (.taskr/locks). The cross-process lock is polled, so the loop never blocks.
//
//   ConcurrencyGroups groups(loop, lock_dir, contexts, handlers);
//   groups.Join(id, "deploy-production");  // handlers.granted(id) when its turn comes
//   ...
//   groups.Leave(id);                      // the next waiter's turn
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runner/graph/graph.h"
#include "runner/os/event_loop.h"

namespace taskr {

class Contexts;
class QueueLock;

/// ConcurrencyGroups holds the groups of one run and their waiters.
class ConcurrencyGroups {
 public:
  /// Handlers are called on the loop's thread.
  struct Handlers {
    /// granted: the task holds its group and may run now.
    std::function<void(NodeId)> granted;
    /// failed: the group's queue file could not be used; the task has left the group.
    std::function<void(NodeId, std::string)> failed;
    /// cancelled: its turn came after Cancel(); the task has left the group.
    std::function<void(NodeId)> cancelled;
    /// blocked: the task waits for another taskr process (said once per wait).
    std::function<void(NodeId, const std::string& group)> blocked;
  };

  ConcurrencyGroups(EventLoop& loop, std::filesystem::path lock_dir, const Contexts& contexts,
                    Handlers handlers);
  ~ConcurrencyGroups();

  /// Join queues `id` in `group` (names compare case-insensitively, as on GitHub).
  void Join(NodeId id, std::string group);
  /// Leave gives up the task's place, held or waiting, and hands the group on.
  /// A task that is in no group is ignored.
  void Leave(NodeId id);
  /// StopPolling ends the wait of a task that polls another process's lock;
  /// false when it was not polling. The task is still in its group: Leave it.
  bool StopPolling(NodeId id);
  /// Cancel makes every later turn a cancellation instead of a grant.
  void Cancel() { cancelled_ = true; }

 private:
  struct Group {
    bool held = false;  // by a task of this process
    std::deque<NodeId> waiters;
  };
  struct Member {
    std::string group;                 // as rendered, for messages
    std::unique_ptr<QueueLock> queue;  // its place in the cross-process queue
    TimerId poll_timer = 0;
  };

  void Acquire(NodeId id, bool announced);

  EventLoop& loop_;
  std::filesystem::path lock_dir_;
  const Contexts& contexts_;
  Handlers handlers_;
  std::map<std::string, Group> groups_;  // by GroupKey
  std::map<NodeId, Member> members_;
  bool cancelled_ = false;
};

/// GroupLockName makes a lock file name for a group: readable, and unique
/// through a hash of the whole case-folded name.
std::string GroupLockName(std::string_view group);

}  // namespace taskr
