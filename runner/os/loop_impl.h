// Internal to runner/os: the Asio objects behind EventLoop. Include only from
// runner/os/*.cc; it brings in Asio.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <unordered_map>

#include "runner/os/event_loop.h"

namespace taskr::internal {

struct LoopImpl {
  boost::asio::io_context io{1};
  std::unordered_map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers;
  TimerId next_timer = 1;
  std::unique_ptr<boost::asio::signal_set> signals;
};

}  // namespace taskr::internal
