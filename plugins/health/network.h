// One network attempt of a health probe: an HTTP(S) request, or a TCP
// connection, bounded by a time limit and stopped early when the task is
// cancelled. network.cc is the plugin's only file with Asio, Beast and
// OpenSSL in it; this header keeps them out of the others.
//
//   HttpRequest request;
//   request.url = *ParseUrl("https://api.example.com/healthz", &error);
//   Exchange e = FetchHttp(request, std::chrono::seconds(5), [&] { return ctx.Cancelled(); });
//   if (e.end == Exchange::End::kDone) use(e.status, e.reason);
//   else if (e.end == Exchange::End::kFailed) log(e.error);  // "connection refused by …"
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "endpoint.h"

namespace taskr::health {

/// CancelCheck tells whether the task is being cancelled; a probe asks it
/// every few milliseconds while it waits for the network.
using CancelCheck = std::function<bool()>;

/// kMaxBody is how many bytes of a response body are read for body checks;
/// a longer body fails the attempt.
inline constexpr size_t kMaxBody = 1 << 20;

/// HttpRequest is one request of health.http.
struct HttpRequest {
  Url url;
  std::string method = "GET";
  /// headers are sent as given, replacing the defaults of the same name
  /// (Host, User-Agent, Accept, Connection: close).
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  /// insecure skips TLS certificate and host name verification.
  bool insecure = false;
  /// read_body reads the body (at most kMaxBody bytes); false stops after
  /// the status line and headers.
  bool read_body = false;
};

/// Exchange is how one attempt ended and what it saw.
struct Exchange {
  enum class End {
    kDone,       // a response came (HTTP), or the connection was made (TCP)
    kFailed,     // `error` says why: refused, unresolvable, timed out, TLS, …
    kCancelled,  // the task was cancelled while it ran
  };
  End end = End::kFailed;
  /// error, for kFailed, is one phrase: "connection refused by 127.0.0.1:8080",
  /// "cannot resolve host 'api.internal': Name or service not known",
  /// "timed out after 5s while connecting".
  std::string error;
  /// peer is the address it connected to ("127.0.0.1:8080"); empty before that.
  std::string peer;
  int status = 0;        // the HTTP status code; 0 without a response
  std::string reason;    // the status line's reason phrase: "Service Unavailable"
  std::string location;  // the Location header, which a redirect names
  std::string body;      // with read_body
  std::chrono::milliseconds took{0};
};

/// FetchHttp sends `request` on a new connection and reads the response,
/// giving up after `limit`; it follows no redirect.
Exchange FetchHttp(const HttpRequest& request, std::chrono::milliseconds limit,
                   const CancelCheck& cancelled);

/// ConnectTcp opens a TCP connection to `address` and closes it again,
/// giving up after `limit`.
Exchange ConnectTcp(const HostPort& address, std::chrono::milliseconds limit,
                    const CancelCheck& cancelled);

}  // namespace taskr::health
