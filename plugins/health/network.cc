#include "network.h"

#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstring>
#include <thread>
#include <type_traits>

#include "duration.h"

namespace taskr::health {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often a waiting attempt looks at the clock and at cancellation.
constexpr milliseconds kSlice(20);
constexpr size_t kReadChunk = 16 * 1024;

// Phase is the step an attempt is in, for the message when it times out.
enum class Phase { kResolving, kConnecting, kHandshake, kSending, kWaiting, kReadingBody };

// Stop is why an attempt stopped waiting.
enum class Stop { kDone, kTimedOut, kCancelled };

// Attempt is what the steps of one attempt share: its time limit and how it ended.
struct Attempt {
  Attempt(milliseconds limit, const CancelCheck& cancelled)
      : start(Clock::now()), deadline(start + limit), limit(limit), cancelled(cancelled) {}

  Clock::time_point start;
  Clock::time_point deadline;
  milliseconds limit;
  const CancelCheck& cancelled;
  Phase phase = Phase::kResolving;
  std::string host;  // as the user wrote it, for messages
  Exchange result;

  Stop ShouldStop() const {
    if (cancelled && cancelled()) return Stop::kCancelled;
    return Clock::now() >= deadline ? Stop::kTimedOut : Stop::kDone;
  }

  // Fail ends the attempt with `error`; false, so that steps can `return Fail(…)`.
  bool Fail(std::string error) {
    result.end = Exchange::End::kFailed;
    result.error = std::move(error);
    return false;
  }

  // Stopped ends the attempt for `stop` (kTimedOut or kCancelled); false.
  bool Stopped(Stop stop) {
    if (stop == Stop::kCancelled) {
      result.end = Exchange::End::kCancelled;
      return false;
    }
    return Fail("timed out after " + FormatDuration(limit) + " " + PhaseText());
  }

  std::string PhaseText() const {
    switch (phase) {
      case Phase::kResolving:
        return "while resolving " + host;
      case Phase::kConnecting:
        return "while connecting";
      case Phase::kHandshake:
        return "in the TLS handshake";
      case Phase::kSending:
        return "while sending the request";
      case Phase::kWaiting:
        return "waiting for the response";
      case Phase::kReadingBody:
        return "while reading the body";
    }
    return "";
  }

  Exchange Finish() {
    result.took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return std::move(result);
  }
};

std::string EndpointText(const tcp::endpoint& endpoint) {
  std::string address = endpoint.address().to_string();
  return HostPort{address, endpoint.port()}.Text();
}

// ---- resolving ----

// Lookup is one getaddrinfo_a request and what it points into.
struct Lookup {
  std::string host;
  std::string service;
  addrinfo hints{};
  gaicb request{};
};

// Resolve finds the addresses of `server`. getaddrinfo_a looks the name up on
// libc's own thread, so a DNS server that never answers cannot hold up the
// time limit or Ctrl-C: the attempt stops waiting, and a lookup that cannot
// be cancelled any more is left to libc, which still writes into it.
bool Resolve(const HostPort& server, Attempt& a, std::vector<tcp::endpoint>* endpoints) {
  beast::error_code not_ip;
  asio::ip::address ip = asio::ip::make_address(server.host, not_ip);
  if (!not_ip) {
    endpoints->emplace_back(ip, server.port);
    return true;
  }
  auto* lookup = new Lookup;
  lookup->host = server.host;
  lookup->service = std::to_string(server.port);
  lookup->hints.ai_family = AF_UNSPEC;
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->hints.ai_flags = AI_NUMERICSERV;
  lookup->request.ar_name = lookup->host.c_str();
  lookup->request.ar_service = lookup->service.c_str();
  lookup->request.ar_request = &lookup->hints;
  gaicb* list[] = {&lookup->request};
  int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr);
  if (rc == 0) {
    milliseconds nap(1);
    while ((rc = gai_error(&lookup->request)) == EAI_INPROGRESS) {
      if (Stop stop = a.ShouldStop(); stop != Stop::kDone) {
        int cancel = gai_cancel(&lookup->request);
        if (cancel == EAI_ALLDONE && lookup->request.ar_result) {
          freeaddrinfo(lookup->request.ar_result);
        }
        if (cancel == EAI_CANCELED || cancel == EAI_ALLDONE) delete lookup;
        return a.Stopped(stop);
      }
      std::this_thread::sleep_for(nap);
      nap = std::min(nap * 2, kSlice);
    }
  }
  if (rc != 0) {
    delete lookup;
    return a.Fail("cannot resolve host '" + server.host + "': " + gai_strerror(rc));
  }
  for (addrinfo* ai = lookup->request.ar_result; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    tcp::endpoint endpoint;
    std::memcpy(endpoint.data(), ai->ai_addr, ai->ai_addrlen);
    endpoint.resize(ai->ai_addrlen);
    endpoints->push_back(endpoint);
  }
  freeaddrinfo(lookup->request.ar_result);
  delete lookup;
  if (endpoints->empty()) return a.Fail("cannot resolve host '" + server.host + "': no address");
  return true;
}

// ---- waiting for one operation ----

/// Outcome is how one asynchronous operation ended.
struct Outcome {
  beast::error_code ec;
  size_t bytes = 0;
  bool done = false;
};

/// Completion records an Outcome; one handler type for every operation keeps
/// the number of template instantiations, and so the compile time, down.
struct Completion {
  Outcome* out;
  void operator()(beast::error_code ec) const { *out = {ec, 0, true}; }
  void operator()(beast::error_code ec, size_t bytes) const { *out = {ec, bytes, true}; }
  void operator()(beast::error_code ec, const tcp::endpoint&) const { *out = {ec, 0, true}; }
};

/// Await starts one asynchronous operation and runs `io` until it completes,
/// the attempt's time is up or the task is cancelled. In the last two cases
/// it closes `socket`, which aborts the operation, and lets its handler run.
template <typename Initiate>
Stop Await(asio::io_context& io, tcp::socket& socket, Attempt& a, Outcome* out,
           Initiate&& initiate) {
  *out = Outcome{};
  initiate(Completion{out});
  while (!out->done) {
    if (Stop stop = a.ShouldStop(); stop != Stop::kDone) {
      beast::error_code ignored;
      socket.close(ignored);
      io.restart();
      io.run();
      return stop;
    }
    io.restart();
    io.run_for(std::min<Clock::duration>(kSlice, a.deadline - Clock::now()));
  }
  return Stop::kDone;
}

// ---- connecting ----

std::string ConnectError(const beast::error_code& ec, const tcp::endpoint& to) {
  std::string where = EndpointText(to);
  if (ec == asio::error::connection_refused) return "connection refused by " + where;
  if (ec == asio::error::timed_out) return "connecting to " + where + " timed out";
  if (ec == asio::error::network_unreachable) return "network unreachable for " + where;
  if (ec == asio::error::host_unreachable) return "host unreachable: " + where;
  return "cannot connect to " + where + ": " + ec.message();
}

// Connect connects `socket` to the first of `endpoints` that accepts.
bool Connect(asio::io_context& io, tcp::socket& socket, const std::vector<tcp::endpoint>& endpoints,
             Attempt& a) {
  a.phase = Phase::kConnecting;
  tcp::endpoint trying = endpoints.front();
  Outcome out;
  Stop stop = Await(io, socket, a, &out, [&](Completion done) {
    asio::async_connect(
        socket, endpoints,
        [&trying](const beast::error_code&, const tcp::endpoint& next) {
          trying = next;
          return true;
        },
        done);
  });
  if (stop != Stop::kDone) return a.Stopped(stop);
  if (out.ec) return a.Fail(ConnectError(out.ec, trying));
  beast::error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  a.result.peer = EndpointText(ec ? trying : peer);
  return true;
}

// ---- TLS ----

// VerifyHost asks OpenSSL to check that the certificate names `host`, and
// sends the name as SNI (for names only, as RFC 6066 says).
void VerifyHost(SSL* handle, const std::string& host, bool insecure) {
  if (!IsIpAddress(host)) SSL_set_tlsext_host_name(handle, host.c_str());
  if (insecure) return;
  if (IsIpAddress(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), host.c_str());
  } else {
    SSL_set1_host(handle, host.c_str());
  }
}

std::string TlsError(const beast::error_code& ec, SSL* handle, bool insecure) {
  long verify = SSL_get_verify_result(handle);
  if (!insecure && verify != X509_V_OK) {
    return std::string("TLS certificate verification failed: ") +
           X509_verify_cert_error_string(verify) + " (insecure = true skips the check)";
  }
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated ||
      ec == asio::error::connection_reset) {
    return "the server closed the connection in the TLS handshake";
  }
  return "TLS handshake failed: " + ec.message();
}

// ---- HTTP ----

using Parser = http::response_parser<http::string_body>;

std::string RequestText(const HttpRequest& r) {
  std::string head = r.method + " " + r.url.target + " HTTP/1.1\r\n";
  std::vector<std::pair<std::string, std::string>> fields = {{"Host", r.url.HostHeader()},
                                                             {"User-Agent", "taskr-health/1.0"},
                                                             {"Accept", "*/*"},
                                                             {"Connection", "close"}};
  for (const auto& header : r.headers) {
    auto same = [&header](const auto& field) { return beast::iequals(field.first, header.first); };
    auto it = std::find_if(fields.begin(), fields.end(), same);
    if (it != fields.end()) {
      it->second = header.second;
    } else {
      fields.push_back(header);
    }
  }
  bool has_length = std::any_of(fields.begin(), fields.end(), [](const auto& field) {
    return beast::iequals(field.first, "Content-Length");
  });
  if (r.body && !has_length) fields.emplace_back("Content-Length", std::to_string(r.body->size()));
  for (const auto& [name, value] : fields) head += name + ": " + value + "\r\n";
  return head + "\r\n" + r.body.value_or("");
}

bool IsHttpError(const beast::error_code& ec) {
  return &ec.category() == &beast::error_code(http::error::bad_version).category();
}

std::string ReadError(const beast::error_code& ec, Phase phase) {
  bool closed = ec == http::error::end_of_stream || ec == http::error::partial_message ||
                ec == asio::error::eof || ec == ssl::error::stream_truncated;
  if (closed || ec == asio::error::connection_reset) {
    std::string how = ec == asio::error::connection_reset ? "reset" : "closed";
    return phase == Phase::kWaiting ? "the server " + how + " the connection without a response"
                                    : "the server " + how + " the connection in the body";
  }
  if (ec == http::error::body_limit) {
    return "the body is longer than " + std::to_string(kMaxBody >> 20) +
           " MiB, the most body_contains and body_regex read";
  }
  if (IsHttpError(ec)) return "not an HTTP response: " + ec.message();
  return (phase == Phase::kWaiting ? "waiting for the response: " : "reading the body: ") +
         ec.message();
}

// Transact sends the request on `stream`, connected, and reads the response
// into `parser`: up to the end of the headers, or of the body with read_body.
template <typename Stream>
bool Transact(asio::io_context& io, Stream& stream, tcp::socket& socket, const HttpRequest& request,
              Parser& parser, Attempt& a) {
  a.phase = Phase::kSending;
  std::string text = RequestText(request);
  Outcome out;
  Stop stop = Await(io, socket, a, &out,
                    [&](Completion done) { asio::async_write(stream, asio::buffer(text), done); });
  if (stop != Stop::kDone) return a.Stopped(stop);
  if (out.ec) return a.Fail("sending the request: " + out.ec.message());

  a.phase = Phase::kWaiting;
  beast::flat_buffer buffer;
  bool closed = false;
  for (;;) {
    beast::error_code ec;
    if (buffer.size() > 0) {
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (parser.is_header_done()) a.phase = Phase::kReadingBody;
      if (parser.is_done() || (parser.is_header_done() && !request.read_body)) return true;
      if (ec && ec != http::error::need_more) return a.Fail(ReadError(ec, a.phase));
      if (used > 0) continue;
    }
    if (closed) {
      // A body may run to the end of the connection; the parser knows.
      if (!parser.got_some()) return a.Fail(ReadError(http::error::end_of_stream, a.phase));
      parser.put_eof(ec);
      if (ec) return a.Fail(ReadError(ec, a.phase));
      return true;
    }
    stop = Await(io, socket, a, &out, [&](Completion done) {
      stream.async_read_some(buffer.prepare(kReadChunk), done);
    });
    if (stop != Stop::kDone) return a.Stopped(stop);
    buffer.commit(out.bytes);
    // A TLS server may close without close_notify (stream_truncated): as
    // normal an end as a plain close.
    if (out.ec == asio::error::eof || out.ec == ssl::error::stream_truncated) {
      closed = true;
    } else if (out.ec) {
      return a.Fail(ReadError(out.ec, a.phase));
    }
  }
}

void TakeResponse(Parser& parser, Exchange* result) {
  const auto& response = parser.get();
  result->end = Exchange::End::kDone;
  result->status = static_cast<int>(response.result_int());
  result->reason = std::string(response.reason());
  if (result->reason.empty()) {
    std::string known(http::obsolete_reason(response.result()));
    if (known != "<unknown-status>") result->reason = std::string(known);
  }
  result->location = std::string(response[http::field::location]);
  result->body = std::move(parser.get().body());
}

}  // namespace

Exchange FetchHttp(const HttpRequest& request, milliseconds limit, const CancelCheck& cancelled) {
  Attempt a(limit, cancelled);
  a.host = request.url.server.host;
  std::vector<tcp::endpoint> endpoints;
  if (!Resolve(request.url.server, a, &endpoints)) return a.Finish();

  Parser parser;
  parser.body_limit(kMaxBody);
  parser.skip(beast::iequals(request.method, "HEAD"));
  asio::io_context io;
  if (!request.url.https) {
    tcp::socket socket(io);
    if (Connect(io, socket, endpoints, a) && Transact(io, socket, socket, request, parser, a)) {
      TakeResponse(parser, &a.result);
    }
    return a.Finish();
  }

  ssl::context tls(ssl::context::tls_client);
  beast::error_code ec;
  // SSL_CERT_FILE and SSL_CERT_DIR, else the system's CA certificates.
  tls.set_default_verify_paths(ec);
  tls.set_verify_mode(request.insecure ? ssl::verify_none : ssl::verify_peer);
  ssl::stream<tcp::socket> stream(io, tls);
  tcp::socket& socket = stream.next_layer();
  VerifyHost(stream.native_handle(), request.url.server.host, request.insecure);
  if (!Connect(io, socket, endpoints, a)) return a.Finish();
  a.phase = Phase::kHandshake;
  Outcome out;
  Stop stop = Await(io, socket, a, &out, [&](Completion done) {
    stream.async_handshake(ssl::stream_base::client, done);
  });
  if (stop != Stop::kDone) {
    a.Stopped(stop);
  } else if (out.ec) {
    a.Fail(TlsError(out.ec, stream.native_handle(), request.insecure));
  } else if (Transact(io, stream, socket, request, parser, a)) {
    TakeResponse(parser, &a.result);
  }
  return a.Finish();
}

Exchange ConnectTcp(const HostPort& address, milliseconds limit, const CancelCheck& cancelled) {
  Attempt a(limit, cancelled);
  a.host = address.host;
  std::vector<tcp::endpoint> endpoints;
  if (!Resolve(address, a, &endpoints)) return a.Finish();
  asio::io_context io;
  tcp::socket socket(io);
  if (Connect(io, socket, endpoints, a)) a.result.end = Exchange::End::kDone;
  beast::error_code ignored;
  socket.close(ignored);
  return a.Finish();
}

}  // namespace taskr::health
