// RemoteStore speaks the HTTP cache protocol of bazel-remote and of an nginx
// WebDAV location: GET/HEAD/PUT on <base>/ac/<key> (action results) and
// <base>/cas/<sha256> (content). Calls are blocking; the scheduler makes them
// from its cache I/O threads, never from the event loop.
//
//   auto remote = RemoteStore::Create({.url = "http://127.0.0.1:8080/cache"});
//   Result<std::optional<std::string>> blob = (*remote)->Get(RemoteStore::kCas, digest);
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runner/base/status.h"

namespace taskr {

/// RemoteOptions configure a remote cache.
struct RemoteOptions {
  std::string url{};       // http://host[:port][/prefix]; https:// too
  std::string token{};     // sent as "Authorization: Bearer <token>" when not empty
  bool read_only = false;  // Put refuses without a request
  std::chrono::milliseconds timeout{10000};  // per request: connect + send + receive
};

/// RemoteStore is one remote cache endpoint. Safe to use from several threads.
class RemoteStore {
 public:
  static constexpr std::string_view kAc = "ac";
  static constexpr std::string_view kCas = "cas";

  /// Create checks the URL; it does not connect.
  static Result<std::unique_ptr<RemoteStore>> Create(RemoteOptions options);
  virtual ~RemoteStore() = default;

  /// Get returns the body of <base>/<kind>/<key>, nullopt on 404; any other
  /// status, a refused connection or a time-out is an error saying which.
  virtual Result<std::optional<std::string>> Get(std::string_view kind, std::string_view key) = 0;
  /// Head tells whether <base>/<kind>/<key> exists.
  virtual Result<bool> Head(std::string_view kind, std::string_view key) = 0;
  /// Put stores `body` at <base>/<kind>/<key> (2xx expected).
  virtual Status Put(std::string_view kind, std::string_view key, std::string_view body) = 0;
  /// url is the base URL, for messages.
  virtual const std::string& url() const = 0;
};

}  // namespace taskr
