// QueueLock is a first-come, first-served lock shared by processes through a
// file: each holder or waiter is one line ("pid nonce"), the first line holds
// the lock, and a process that died is dropped from the queue by the next one
// to look. Every change happens under a short flock of the file.
//
//   auto lock = QueueLock::Join(".taskr/locks/deploy.queue");
//   while (!*lock->TryAcquire()) wait a little;
//   ... critical work ...
//   lock->Leave();
#pragma once

#include <memory>
#include <string>

#include "runner/base/status.h"

namespace taskr {

/// QueueLock is one place in a file-backed FIFO queue.
class QueueLock {
 public:
  /// Join adds this process to the end of the queue in `path` (created if needed).
  static Result<std::unique_ptr<QueueLock>> Join(const std::string& path);
  ~QueueLock();
  QueueLock(const QueueLock&) = delete;
  QueueLock& operator=(const QueueLock&) = delete;

  /// TryAcquire tells whether this entry is first in the queue, dropping
  /// entries of processes that no longer exist.
  Result<bool> TryAcquire();
  /// Leave removes this entry, whether it held the lock or was waiting.
  void Leave();

 private:
  QueueLock(std::string path, std::string entry)
      : path_(std::move(path)), entry_(std::move(entry)) {}
  std::string path_;
  std::string entry_;  // "pid nonce"
  bool joined_ = true;
};

}  // namespace taskr
