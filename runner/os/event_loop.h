// EventLoop is taskr's one event loop: child process I/O, timers and signals
// all complete on the thread that calls Run(). It wraps an Asio io_context so
// that Asio's headers stay inside runner/os/*.cc.
//
//   EventLoop loop;
//   TimerId t = loop.After(std::chrono::seconds(1), [] { ... });
//   loop.Run();
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>

namespace taskr {

namespace internal {
struct LoopImpl;
}

/// TimerId names a pending timer; 0 is never a valid id.
using TimerId = uint64_t;

/// EventLoop runs callbacks for I/O, timers and signals on one thread.
class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Run processes events until no work is left or Stop is called.
  void Run();
  /// Stop makes Run return as soon as the current callback ends.
  void Stop();
  /// Post queues `fn` to run on the loop's thread; safe to call from any thread.
  void Post(std::function<void()> fn);
  /// After runs `fn` once after `delay` unless CancelTimer is called first.
  TimerId After(std::chrono::milliseconds delay, std::function<void()> fn);
  /// CancelTimer drops a pending timer; unknown or fired ids are ignored.
  void CancelTimer(TimerId id);
  /// OnSignals calls `fn(signal)` on the loop each time one of `signals` arrives.
  void OnSignals(std::initializer_list<int> signals, std::function<void(int)> fn);
  /// StopSignals stops listening for signals so Run can end.
  void StopSignals();

  /// impl is for runner/os only.
  internal::LoopImpl& impl() { return *impl_; }

 private:
  std::unique_ptr<internal::LoopImpl> impl_;
};

}  // namespace taskr
