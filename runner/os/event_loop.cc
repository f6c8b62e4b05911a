#include "runner/os/event_loop.h"

#include <boost/asio/post.hpp>

#include "runner/os/loop_impl.h"

namespace taskr {

EventLoop::EventLoop() : impl_(std::make_unique<internal::LoopImpl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::Run() { impl_->io.run(); }
void EventLoop::Stop() { impl_->io.stop(); }
void EventLoop::Post(std::function<void()> fn) { boost::asio::post(impl_->io, std::move(fn)); }

TimerId EventLoop::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  TimerId id = impl_->next_timer++;
  auto timer = std::make_unique<boost::asio::steady_timer>(impl_->io, delay);
  timer->async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) {
    // A timer cancelled after it expired still completes without an error code.
    if (ec || impl_->timers.erase(id) == 0) return;
    fn();
  });
  impl_->timers.emplace(id, std::move(timer));
  return id;
}

void EventLoop::CancelTimer(TimerId id) { impl_->timers.erase(id); }

namespace {
void WaitForSignal(boost::asio::signal_set& set, const std::function<void(int)>& fn) {
  set.async_wait([&set, fn](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    fn(signal);
    WaitForSignal(set, fn);
  });
}
}  // namespace

void EventLoop::OnSignals(std::initializer_list<int> signals, std::function<void(int)> fn) {
  impl_->signals = std::make_unique<boost::asio::signal_set>(impl_->io);
  for (int s : signals) impl_->signals->add(s);
  WaitForSignal(*impl_->signals, std::move(fn));
}

void EventLoop::StopSignals() {
  if (impl_->signals) impl_->signals->cancel();
}

}  // namespace taskr
