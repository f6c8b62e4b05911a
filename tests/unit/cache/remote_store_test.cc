#include "runner/cache/remote_store.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <netinet/in.h>
#include <stdlib.h>  // setenv, unsetenv
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/cache/nginx_fixture.h"

namespace taskr {
namespace {

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;
using test::NginxServer;

std::string Key(char digit) { return std::string(64, digit); }

// At is the options for `url` with every other field at its default.
RemoteOptions At(std::string url) {
  RemoteOptions options;
  options.url = std::move(url);
  return options;
}

std::unique_ptr<RemoteStore> Remote(RemoteOptions options) {
  auto remote = RemoteStore::Create(std::move(options));
  INFO(remote.status().message());
  REQUIRE(remote.ok());
  return std::move(*remote);
}

// WaitForLog polls nginx's access log, which nginx writes just after it answers.
bool WaitForLog(const NginxServer& nginx, std::string_view needle) {
  for (int i = 0; i < 100; ++i) {
    if (nginx.AccessLog().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// RawServer accepts TCP connections on 127.0.0.1. With a reply, it reads each
// request's head, writes the reply as it is and closes; without, it never answers.
class RawServer {
 public:
  explicit RawServer(std::string reply = "") : reply_(std::move(reply)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
      for (int client; (client = accept(fd_, nullptr, nullptr)) >= 0;) Serve(client);
    });
  }
  ~RawServer() {
    shutdown(fd_, SHUT_RDWR);  // wakes accept()
    acceptor_.join();
    for (int client : silent_clients_) close(client);
    close(fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void Serve(int client) {
    if (reply_.empty()) {
      silent_clients_.push_back(client);
      return;
    }
    std::string request;
    char chunk[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(client, chunk, sizeof(chunk));
      if (n <= 0) break;
      request.append(chunk, static_cast<size_t>(n));
    }
    CHECK(write(client, reply_.data(), reply_.size()) == static_cast<ssize_t>(reply_.size()));
    close(client);
  }

  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> silent_clients_;  // held open, unanswered, until the server goes
  std::thread acceptor_;
};

TEST_CASE("RemoteStore round-trips ac and cas blobs through an nginx WebDAV location", "[remote]") {
  NginxServer nginx;
  auto remote = Remote(At(nginx.Url("/cache/")));
  CHECK(remote->url() == nginx.Url("/cache"));

  const char raw[] = "key record\0with\0zeros\n\xff";
  std::string binary(raw, sizeof raw - 1);  // every byte but the terminator, zeros included
  REQUIRE(remote->Put(RemoteStore::kAc, Key('a'), binary).ok());
  std::string big(5 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  REQUIRE(remote->Put(RemoteStore::kCas, Key('b'), big).ok());

  auto ac = remote->Get(RemoteStore::kAc, Key('a'));
  REQUIRE(ac.ok());
  REQUIRE(ac->has_value());
  CHECK(**ac == binary);
  auto cas = remote->Get(RemoteStore::kCas, Key('b'));
  REQUIRE(cas.ok());
  REQUIRE(cas->has_value());
  CHECK(**cas == big);

  auto head = remote->Head(RemoteStore::kCas, Key('b'));
  REQUIRE(head.ok());
  CHECK(*head);
  // The kinds are separate name spaces.
  auto other_kind = remote->Head(RemoteStore::kAc, Key('b'));
  REQUIRE(other_kind.ok());
  CHECK_FALSE(*other_kind);

  // Overwriting is allowed: a cache entry may be stored twice by racing runners.
  REQUIRE(remote->Put(RemoteStore::kAc, Key('a'), "newer").ok());
  CHECK(remote->Get(RemoteStore::kAc, Key('a'))->value() == "newer");
  CHECK(WaitForLog(nginx, "ua=\"taskr/" TASKR_VERSION "\""));
}

TEST_CASE("RemoteStore reports a missing key as nullopt and false, not an error", "[remote]") {
  NginxServer nginx;
  auto remote = Remote(At(nginx.Url("/cache")));
  auto get = remote->Get(RemoteStore::kAc, Key('c'));
  REQUIRE(get.ok());
  CHECK_FALSE(get->has_value());
  auto head = remote->Head(RemoteStore::kCas, Key('c'));
  REQUIRE(head.ok());
  CHECK_FALSE(*head);
}

TEST_CASE("RemoteStore sends its token as a bearer token", "[remote]") {
  NginxServer nginx;
  auto with_token = Remote({.url = nginx.Url("/auth"), .token = "s3cret"});
  REQUIRE(with_token->Put(RemoteStore::kAc, Key('d'), "entry").ok());
  CHECK(with_token->Get(RemoteStore::kAc, Key('d'))->value() == "entry");
  CHECK(WaitForLog(nginx, "PUT /auth/ac/" + Key('d') + " 201 auth=\"Bearer s3cret\""));

  auto without = Remote(At(nginx.Url("/auth")));
  auto get = without->Get(RemoteStore::kAc, Key('d'));
  REQUIRE_FALSE(get.ok());
  CHECK(get.status().message() ==
        "remote cache " + nginx.Url("/auth/ac/") + Key('d') + ": HTTP 401 Unauthorized");
  CHECK_FALSE(without->Put(RemoteStore::kAc, Key('d'), "forged").ok());
}

TEST_CASE("a read-only RemoteStore refuses Put without sending a request", "[remote]") {
  NginxServer nginx;
  auto remote = Remote({.url = nginx.Url("/cache"), .token = "", .read_only = true});
  Status put = remote->Put(RemoteStore::kAc, Key('e'), "entry");
  REQUIRE_FALSE(put.ok());
  CHECK_THAT(put.message(), StartsWith("remote cache is read-only"));
  // Reads still work; the log then shows the one GET and no PUT.
  auto get = remote->Get(RemoteStore::kAc, Key('e'));
  REQUIRE(get.ok());
  CHECK(WaitForLog(nginx, "GET /cache/ac/" + Key('e') + " 404"));
  CHECK(nginx.AccessLog().find("PUT") == std::string::npos);
}

TEST_CASE("RemoteStore says 'connection refused' when the server is down", "[remote]") {
  NginxServer nginx;
  auto remote = Remote(At(nginx.Url("/cache")));
  nginx.Stop();
  auto get = remote->Get(RemoteStore::kAc, Key('f'));
  REQUIRE_FALSE(get.ok());
  CHECK(get.status().message() ==
        "remote cache " + nginx.Url("/cache/ac/") + Key('f') + ": connection refused");
  CHECK_THAT(remote->Put(RemoteStore::kCas, Key('f'), "x").message(),
             ContainsSubstring("connection refused"));
}

TEST_CASE("RemoteStore gives up on a server that accepts and never answers", "[remote]") {
  RawServer silent;
  RemoteOptions options = At(silent.Url());
  options.timeout = std::chrono::milliseconds(500);
  auto remote = Remote(options);
  for (bool put : {false, true}) {
    auto start = std::chrono::steady_clock::now();
    std::string message = put ? remote->Put(RemoteStore::kAc, Key('0'), "x").message()
                              : remote->Get(RemoteStore::kAc, Key('0')).status().message();
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK_THAT(message, ContainsSubstring("timed out after 500 ms"));
    CHECK(elapsed >= std::chrono::milliseconds(450));
    CHECK(elapsed < std::chrono::seconds(3));
  }
}

TEST_CASE("RemoteStore names the HTTP status of a failing server", "[remote]") {
  NginxServer nginx;
  auto remote = Remote(At(nginx.Url("/broken")));
  auto get = remote->Get(RemoteStore::kAc, Key('1'));
  REQUIRE_FALSE(get.ok());
  CHECK(get.status().message() ==
        "remote cache " + nginx.Url("/broken/ac/") + Key('1') + ": HTTP 500 Internal Server Error");
  CHECK_THAT(remote->Head(RemoteStore::kCas, Key('1')).status().message(),
             ContainsSubstring("HTTP 500"));
  CHECK_THAT(remote->Put(RemoteStore::kCas, Key('1'), "x").message(),
             ContainsSubstring("HTTP 500"));
}

TEST_CASE("RemoteStore reads a body that runs to the end of the connection", "[remote]") {
  RawServer server("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil EOF");
  auto get = Remote(At(server.Url()))->Get(RemoteStore::kAc, Key('4'));
  REQUIRE(get.ok());
  CHECK(get->value() == "until EOF");
}

TEST_CASE("RemoteStore refuses a response cut short", "[remote]") {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
  auto get = Remote(At(server.Url()))->Get(RemoteStore::kAc, Key('5'));
  REQUIRE_FALSE(get.ok());
  CHECK(get.status().message() == "remote cache " + server.Url() + "/ac/" + Key('5') +
                                      ": the server closed the connection before a complete "
                                      "response");
}

TEST_CASE("RemoteStore keeps the request line and headers intact", "[remote]") {
  auto remote = Remote(At("http://127.0.0.1:9"));
  CHECK_THAT(remote->Get(RemoteStore::kAc, "../../etc/passwd").status().message(),
             ContainsSubstring("not a cache kind and digest"));
  CHECK_THAT(remote->Head("admin", Key('6')).status().message(),
             ContainsSubstring("not a cache kind and digest"));
  auto bad_token = RemoteStore::Create({.url = "http://127.0.0.1:9", .token = "x\r\nX-Evil: 1"});
  REQUIRE_FALSE(bad_token.ok());
  CHECK_THAT(bad_token.status().message(), ContainsSubstring("control characters"));
}

TEST_CASE("RemoteStore serves several threads at once", "[remote]") {
  NginxServer nginx;
  auto remote = Remote(At(nginx.Url("/cache")));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (char digit : std::string("0123456789abcdef")) {
    threads.emplace_back([&, digit] {
      std::string body(100000 + digit, digit);
      bool ok = remote->Put(RemoteStore::kCas, Key(digit), body).ok();
      auto got = remote->Get(RemoteStore::kCas, Key(digit));
      if (!ok || !got.ok() || !got->has_value() || **got != body) ++failures;
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures == 0);
}

TEST_CASE("RemoteStore speaks HTTPS with SNI and checks the certificate's host name", "[remote]") {
  NginxServer nginx({.tls = true});
  // OpenSSL reads SSL_CERT_FILE when the store is created: trust only the test certificate.
  setenv("SSL_CERT_FILE", nginx.cert_file().c_str(), 1);
  auto trusted = Remote(At(nginx.Url("/cache", "localhost")));
  auto by_address = Remote(At(nginx.Url("/cache", "127.0.0.1")));
  unsetenv("SSL_CERT_FILE");
  auto untrusted = Remote(At(nginx.Url("/cache", "localhost")));

  REQUIRE(trusted->Put(RemoteStore::kCas, Key('2'), "over tls").ok());
  CHECK(trusted->Get(RemoteStore::kCas, Key('2'))->value() == "over tls");
  CHECK_FALSE(trusted->Get(RemoteStore::kCas, Key('3'))->has_value());
  // nginx logs a missing header as "-".
  CHECK(WaitForLog(nginx, "GET /cache/cas/" + Key('2') +
                              " 200 auth=\"-\" ua=\"taskr/" TASKR_VERSION "\" sni=\"localhost\""));

  // The certificate names localhost, not 127.0.0.1.
  CHECK_THAT(by_address->Get(RemoteStore::kCas, Key('2')).status().message(),
             ContainsSubstring("TLS certificate rejected: IP address mismatch"));
  CHECK_THAT(untrusted->Get(RemoteStore::kCas, Key('2')).status().message(),
             ContainsSubstring("TLS certificate rejected: self-signed certificate"));
}

TEST_CASE("RemoteStore::Create accepts http(s)://host[:port][/prefix] only", "[remote]") {
  struct Good {
    const char* url;
    const char* normalized;
  };
  for (Good good : {Good{"http://cache.example", "http://cache.example"},
                    Good{"http://cache.example:80/", "http://cache.example"},
                    Good{"https://cache.example:443/ci/cache/", "https://cache.example/ci/cache"},
                    Good{"https://cache.example:8443", "https://cache.example:8443"},
                    Good{"http://[::1]:9090/c", "http://[::1]:9090/c"}}) {
    INFO(good.url);
    auto remote = RemoteStore::Create(At(good.url));
    REQUIRE(remote.ok());
    CHECK((*remote)->url() == good.normalized);
  }
  for (const char* bad :
       {"", "cache.example:8080", "ftp://cache.example/", "http://", "http:///cache",
        "http://:8080/", "http://host:", "http://host:0", "http://host:65536", "http://host:8o",
        "http://user:pw@host/", "http://host/cache?x=1", "http://host/a b", "http://[::1/"}) {
    INFO(bad);
    auto remote = RemoteStore::Create(At(bad));
    REQUIRE_FALSE(remote.ok());
    CHECK(remote.status().message() ==
          std::string("--remote-cache: expected http://host[:port]/path, got '") + bad + "'");
  }
}

}  // namespace
}  // namespace taskr
