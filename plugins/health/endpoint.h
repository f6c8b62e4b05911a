// Where a health probe connects: the URL of health.http and the "host:port"
// address of health.tcp, checked before the first attempt.
//
//   std::string error;
//   std::optional<Url> url = ParseUrl("https://api.example.com/healthz", &error);
//   // url->https, url->server.host == "api.example.com", url->server.port == 443,
//   // url->target == "/healthz"
//   std::optional<HostPort> db = ParseAddress("[::1]:5432", &error);  // db->host == "::1"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace taskr::health {

/// HostPort is a host name or IP address (IPv6 without brackets) and a port.
struct HostPort {
  std::string host;
  uint16_t port = 0;

  /// Text is "host:port", with brackets around an IPv6 address: "[::1]:8080".
  std::string Text() const;
};

/// Url is an http:// or https:// URL, split for one request.
struct Url {
  bool https = false;
  HostPort server;
  std::string target;  // path and query, at least "/"; no fragment

  /// HostHeader is the Host header: the host, and the port unless it is the scheme's own.
  std::string HostHeader() const;
};

/// ParseUrl reads an http:// or https:// URL. On a problem (another scheme, no
/// host, a bad port, a user name in it, a space) it returns nullopt and says
/// why in `error`.
std::optional<Url> ParseUrl(std::string_view text, std::string* error);

/// ParseAddress reads "host:port" ("db.internal:5432", "10.0.0.7:80",
/// "[::1]:8080"); on a problem it returns nullopt and says why in `error`.
std::optional<HostPort> ParseAddress(std::string_view text, std::string* error);

/// IsIpAddress tells whether `host` is an IPv4 or IPv6 address rather than a name.
bool IsIpAddress(const std::string& host);

}  // namespace taskr::health
