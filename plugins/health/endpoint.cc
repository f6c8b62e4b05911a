#include "endpoint.h"

#include <arpa/inet.h>

#include <cctype>

namespace taskr::health {

namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::optional<uint16_t> ParsePort(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  uint32_t port = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

// SplitHostPort splits "host[:port]" or "[v6][:port]"; `port` is empty when
// none is written. False when the brackets are unbalanced.
bool SplitHostPort(std::string_view authority, std::string* host, std::string_view* port,
                   bool* has_port) {
  *has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    *host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (rest.empty()) return true;
    if (rest[0] != ':') return false;
    *has_port = true;
    *port = rest.substr(1);
    return true;
  }
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    *host = std::string(authority);
    return true;
  }
  if (authority.substr(0, colon).find(':') != std::string_view::npos) return false;  // bare IPv6
  *host = std::string(authority.substr(0, colon));
  *has_port = true;
  *port = authority.substr(colon + 1);
  return true;
}

}  // namespace

std::string HostPort::Text() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::HostHeader() const {
  bool v6 = server.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + server.host + "]" : server.host;
  bool default_port = server.port == (https ? 443 : 80);
  return default_port ? host : host + ":" + std::to_string(server.port);
}

std::optional<Url> ParseUrl(std::string_view text, std::string* error) {
  Url url;
  size_t after_scheme = 0;
  if (StartsWithNoCase(text, "https://")) {
    url.https = true;
    after_scheme = 8;
  } else if (StartsWithNoCase(text, "http://")) {
    after_scheme = 7;
  } else {
    *error = "must start with http:// or https://";
    return std::nullopt;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      *error = "must not contain spaces or control characters; percent-encode them (%20)";
      return std::nullopt;
    }
  }
  std::string_view rest = text.substr(after_scheme);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    *error =
        "must not hold a user name or password; send them in an Authorization header "
        "(`headers`)";
    return std::nullopt;
  }
  std::string_view port;
  bool has_port = false;
  if (!SplitHostPort(authority, &url.server.host, &port, &has_port) || url.server.host.empty()) {
    *error = "has no host name";
    return std::nullopt;
  }
  url.server.port = url.https ? 443 : 80;
  if (has_port) {
    std::optional<uint16_t> p = ParsePort(port);
    if (!p) {
      *error = "has a bad port '" + std::string(port) + "': it must be 1 to 65535";
      return std::nullopt;
    }
    url.server.port = *p;
  }
  tail = tail.substr(0, tail.find('#'));
  url.target = tail.empty() || tail[0] != '/' ? "/" + std::string(tail) : std::string(tail);
  return url;
}

std::optional<HostPort> ParseAddress(std::string_view text, std::string* error) {
  HostPort address;
  std::string_view port;
  bool has_port = false;
  if (text.find_first_of(" \t/") != std::string_view::npos ||
      !SplitHostPort(text, &address.host, &port, &has_port) || address.host.empty() || !has_port) {
    *error = "must be host:port, such as db.internal:5432, 10.0.0.7:80 or [::1]:8080";
    return std::nullopt;
  }
  std::optional<uint16_t> p = ParsePort(port);
  if (!p) {
    *error = "has a bad port '" + std::string(port) + "': it must be 1 to 65535";
    return std::nullopt;
  }
  address.port = *p;
  return address;
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace taskr::health
