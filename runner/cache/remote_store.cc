#include "runner/cache/remote_store.h"

#include <fmt/core.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace taskr {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr uint64_t kMaxBody = uint64_t{1} << 30;  // 1 GiB
constexpr size_t kReadChunk = 64 * 1024;

using ResponseParser = http::response_parser<http::string_body>;

/// Endpoint is a parsed base URL.
struct Endpoint {
  bool tls = false;
  std::string host;       // without the brackets of an IPv6 literal
  std::string port;       // always set: 80 or 443 when the URL names none
  std::string prefix;     // "" or "/path", never ending in '/'
  std::string url;        // normalized: scheme://authority/prefix
  std::string authority;  // the Host header: host, plus ":port" when not the default
};

/// Reply is a finished HTTP exchange.
struct Reply {
  unsigned status = 0;
  std::string reason;
  std::string body;
};

Status BadUrl(std::string_view url) {
  return Status::Error(
      fmt::format("--remote-cache: expected http://host[:port]/path, got '{}'", url));
}

Result<Endpoint> ParseUrl(std::string_view url) {
  Endpoint ep;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    ep.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return BadUrl(url);
  }
  // Credentials belong in RemoteOptions::token; a query or fragment has no meaning here.
  if (rest.find_first_of("@?# \t\r\n") != std::string_view::npos) return BadUrl(url);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (path.ends_with('/')) path.remove_suffix(1);

  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url);
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return BadUrl(url);
    if (!after.empty()) port = after.substr(1);
    if (!after.empty() && port.empty()) return BadUrl(url);
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return BadUrl(url);
    }
  }
  if (host.empty()) return BadUrl(url);
  std::string_view default_port = ep.tls ? "443" : "80";
  if (!port.empty()) {
    unsigned number = 0;
    auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (err != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
      return BadUrl(url);
    }
  }

  ep.host = std::string(host);
  ep.port = std::string(port.empty() ? default_port : port);
  ep.prefix = std::string(path);
  std::string bracketed = authority.starts_with('[') ? fmt::format("[{}]", host) : ep.host;
  ep.authority = ep.port == default_port ? bracketed : fmt::format("{}:{}", bracketed, ep.port);
  ep.url = fmt::format("{}://{}{}", ep.tls ? "https" : "http", ep.authority, ep.prefix);
  return ep;
}

/// Outcome is how one asynchronous operation ended.
struct Outcome {
  beast::error_code ec;
  size_t bytes = 0;
};

/// Completion records an Outcome; one handler type for every operation keeps the
/// number of template instantiations, and so the compile time, down.
struct Completion {
  Outcome* out;
  void operator()(beast::error_code ec) const { out->ec = ec; }
  void operator()(beast::error_code ec, size_t bytes) const { *out = {ec, bytes}; }
  void operator()(beast::error_code ec, const tcp::endpoint&) const { out->ec = ec; }
};

/// Await starts one asynchronous operation and runs `ioc` until it completes.
/// Every operation on a beast::tcp_stream honors the stream's deadline, so this
/// is a blocking call with a time limit.
template <typename Initiate>
Outcome Await(asio::io_context& ioc, Initiate&& initiate) {
  Outcome out;
  initiate(Completion{&out});
  ioc.restart();
  ioc.run();
  return out;
}

/// Describe turns a failed exchange into words a user can act on.
std::string Describe(beast::error_code ec, std::chrono::milliseconds timeout, SSL* ssl) {
  if (ec == beast::error::timeout) return fmt::format("timed out after {} ms", timeout.count());
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
    return "cannot resolve the host name";
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset) {
    return "the server closed the connection before a complete response";
  }
  if (ec == http::error::body_limit) return "response body larger than 1 GiB";
  if (ssl != nullptr && SSL_get_verify_result(ssl) != X509_V_OK) {
    return fmt::format("TLS certificate rejected: {}",
                       X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
  }
  return ec.message();
}

/// Transact connects, sends `request` and parses the reply from `stream`, a
/// beast::tcp_stream or a TLS stream over one, all before `deadline`. Only the
/// byte transport depends on the stream type; the HTTP parser is shared.
template <typename Stream>
beast::error_code Transact(asio::io_context& ioc, Stream& stream,
                           const tcp::resolver::results_type& addresses,
                           std::chrono::steady_clock::time_point deadline,
                           const std::array<asio::const_buffer, 2>& request,
                           ResponseParser& parser) {
  constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  tcp.expires_at(deadline);
  Outcome step = Await(ioc, [&](Completion done) { tcp.async_connect(addresses, done); });
  if (step.ec) return step.ec;
  if constexpr (kTls) {
    step = Await(ioc,
                 [&](Completion done) { stream.async_handshake(ssl::stream_base::client, done); });
    if (step.ec) return step.ec;
  }
  step = Await(ioc, [&](Completion done) { asio::async_write(stream, request, done); });
  if (step.ec) return step.ec;

  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    if (buffer.size() > 0) {
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (parser.is_done()) return {};
      if (ec && ec != http::error::need_more) return ec;
      if (used > 0) continue;
    }
    step = Await(
        ioc, [&](Completion done) { stream.async_read_some(buffer.prepare(kReadChunk), done); });
    buffer.commit(step.bytes);
    // A TLS server may close without close_notify; either way the parser decides
    // whether the message was complete (a body may run to the end of the connection).
    if (step.ec == asio::error::eof || step.ec == ssl::error::stream_truncated) {
      parser.put_eof(ec);
      return ec;
    }
    if (step.ec) return step.ec;
  }
}

/// HttpRemoteStore opens one connection per request, so threads share nothing
/// but the read-only TLS context.
class HttpRemoteStore final : public RemoteStore {
 public:
  HttpRemoteStore(RemoteOptions options, Endpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {
    if (endpoint_.tls) {
      tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
      tls_->set_default_verify_paths();
      tls_->set_verify_mode(ssl::verify_peer);
    }
  }

  Result<std::optional<std::string>> Get(std::string_view kind, std::string_view key) override {
    Result<Reply> reply = Exchange("GET", kind, key, {});
    if (!reply.ok()) return reply.status();
    if (reply->status == 404) return std::optional<std::string>();
    if (reply->status != 200) return StatusError(kind, key, *reply);
    return std::optional<std::string>(std::move(reply->body));
  }

  Result<bool> Head(std::string_view kind, std::string_view key) override {
    Result<Reply> reply = Exchange("HEAD", kind, key, {});
    if (!reply.ok()) return reply.status();
    if (reply->status == 404) return false;
    if (reply->status != 200) return StatusError(kind, key, *reply);
    return true;
  }

  Status Put(std::string_view kind, std::string_view key, std::string_view body) override {
    if (options_.read_only) {
      return Status::Error(
          fmt::format("remote cache is read-only: not storing {}", Where(kind, key)));
    }
    Result<Reply> reply = Exchange("PUT", kind, key, body);
    if (!reply.ok()) return reply.status();
    if (reply->status != 200 && reply->status != 201 && reply->status != 204) {
      return StatusError(kind, key, *reply);
    }
    return Status();
  }

  const std::string& url() const override { return endpoint_.url; }

 private:
  std::string Where(std::string_view kind, std::string_view key) const {
    return fmt::format("{}/{}/{}", endpoint_.url, kind, key);
  }

  Status StatusError(std::string_view kind, std::string_view key, const Reply& reply) const {
    return Status::Error(
        fmt::format("remote cache {}: HTTP {} {}", Where(kind, key), reply.status, reply.reason));
  }

  std::string RequestHead(std::string_view method, std::string_view target, size_t body_size) const;
  Result<Reply> Exchange(std::string_view method, std::string_view kind, std::string_view key,
                         std::string_view body);

  RemoteOptions options_;
  Endpoint endpoint_;
  std::unique_ptr<ssl::context> tls_;  // set for https:// only; never changed after
};

std::string HttpRemoteStore::RequestHead(std::string_view method, std::string_view target,
                                         size_t body_size) const {
  std::string head = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: taskr/" TASKR_VERSION
                                 "\r\nConnection: close\r\n",
                                 method, target, endpoint_.authority);
  if (!options_.token.empty()) head += fmt::format("Authorization: Bearer {}\r\n", options_.token);
  if (method == "PUT") {
    head +=
        fmt::format("Content-Type: application/octet-stream\r\nContent-Length: {}\r\n", body_size);
  }
  head += "\r\n";
  return head;
}

Result<Reply> HttpRemoteStore::Exchange(std::string_view method, std::string_view kind,
                                        std::string_view key, std::string_view body) {
  auto fail = [&](std::string_view why) {
    return Status::Error(fmt::format("remote cache {}: {}", Where(kind, key), why));
  };
  // Keys are digests; anything else would let a caller rewrite the request line.
  if (key.empty() || key.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos ||
      (kind != kAc && kind != kCas)) {
    return fail("not a cache kind and digest");
  }
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;

  std::string head =
      RequestHead(method, fmt::format("{}/{}/{}", endpoint_.prefix, kind, key), body.size());
  std::array<asio::const_buffer, 2> request = {asio::buffer(head),
                                               asio::buffer(body.data(), body.size())};
  ResponseParser parser;
  parser.body_limit(kMaxBody);
  parser.skip(method == "HEAD");

  asio::io_context ioc;
  // The system resolver bounds name look-ups; literal addresses need none.
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type addresses = resolver.resolve(endpoint_.host, endpoint_.port, ec);
  if (ec) return fail(Describe(ec, options_.timeout, nullptr));

  if (!endpoint_.tls) {
    beast::tcp_stream stream(ioc);
    ec = Transact(ioc, stream, addresses, deadline, request, parser);
    if (ec) return fail(Describe(ec, options_.timeout, nullptr));
  } else {
    ssl::stream<beast::tcp_stream> stream(ioc, *tls_);
    SSL* handle = stream.native_handle();
    beast::error_code not_ip;
    asio::ip::make_address(endpoint_.host, not_ip);
    if (not_ip) {
      // SNI only for names (RFC 6066); the certificate must name the host either way.
      SSL_set_tlsext_host_name(handle, endpoint_.host.c_str());
      SSL_set1_host(handle, endpoint_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), endpoint_.host.c_str());
    }
    ec = Transact(ioc, stream, addresses, deadline, request, parser);
    if (ec) return fail(Describe(ec, options_.timeout, handle));
  }

  Reply reply;
  reply.status = parser.get().result_int();
  reply.reason = std::string(parser.get().reason());
  if (reply.reason.empty()) {
    reply.reason = std::string(http::obsolete_reason(parser.get().result()));
  }
  reply.body = std::move(parser.get().body());
  return reply;
}

}  // namespace

Result<std::unique_ptr<RemoteStore>> RemoteStore::Create(RemoteOptions options) {
  Result<Endpoint> endpoint = ParseUrl(options.url);
  if (!endpoint.ok()) return endpoint.status();
  // The token goes into a header line as it is.
  for (char c : options.token) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::Error("remote cache token: control characters are not allowed");
    }
  }
  return std::unique_ptr<RemoteStore>(
      std::make_unique<HttpRemoteStore>(std::move(options), std::move(*endpoint)));
}

}  // namespace taskr
