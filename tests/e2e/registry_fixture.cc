#include "tests/e2e/registry_fixture.h"

#include <catch2/catch_test_macros.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <system_error>

namespace taskr::e2e {
namespace {

namespace fs = std::filesystem;

constexpr auto kStartLimit = std::chrono::seconds(10);

std::string Config(const fs::path& dir, int port) {
  return "version: 0.1\n"
         "log:\n  level: info\n  formatter: text\n"
         "storage:\n  filesystem:\n    rootdirectory: " +
         (dir / "data").string() +
         "\n  delete:\n    enabled: true\n"
         "http:\n  addr: 127.0.0.1:" +
         std::to_string(port) +
         "\n  secret: taskr-e2e\n"  // else it warns about a random one at every start
         "health:\n  storagedriver:\n    enabled: false\n";
}

// Fetch sends one HTTP/1.0 GET, so the reply is never chunked and ends when
// the connection closes.
HttpReply Fetch(int port, std::string_view path) {
  HttpReply reply;
  int fd = test::ConnectLoopback(port);
  if (fd < 0) return reply;
  std::string request = "GET " + std::string(path) +
                        " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nAccept: application/json\r\n\r\n";
  bool sent = send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(request.size());
  std::string response;
  char buf[4096];
  for (ssize_t n; sent && (n = recv(fd, buf, sizeof buf, 0)) > 0;) {
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  // "HTTP/1.0 200 OK\r\n<headers>\r\n\r\n<body>"
  size_t space = response.find(' ');
  size_t end = response.find("\r\n\r\n");
  if (space == std::string::npos || end == std::string::npos) return reply;
  reply.status = std::atoi(response.c_str() + space + 1);
  reply.body = response.substr(end + 4);
  return reply;
}

}  // namespace

RegistryServer::RegistryServer() {
  fs::create_directories(dir() / "data");
  fs::path binary = test::FindProgram("docker-registry", {"/usr/bin", "/usr/local/bin"});
  if (binary.empty()) {
    FAIL("docker-registry is not installed: run scripts/install-deps (the image tests need it)");
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Start(binary)) return;
  }
  FAIL("docker-registry kept losing its port to other processes:\n" << Log());
}

bool RegistryServer::Start(const fs::path& binary) {
  port_ = test::FreePort();
  std::error_code ignored;
  fs::remove(dir() / "registry.log", ignored);  // a new log for each attempt
  std::ofstream(dir() / "config.yml") << Config(dir(), port_);
  process_.Start({binary.string(), "serve", (dir() / "config.yml").string()},
                 dir() / "registry.log");
  // Another test's registry may hold the same port, so the answer to GET /v2/
  // counts only once our registry has said that it listens.
  std::string listening = "listening on " + Host();
  auto ready = [&] {
    return Log().find(listening) != std::string::npos && Fetch(port_, "/v2/").status == 200;
  };
  using Readiness = test::ServerProcess::Readiness;
  Readiness readiness = process_.WaitUntilReady(ready, kStartLimit);
  if (readiness == Readiness::kReady) return true;
  Stop();  // after a time-out; nothing when it exited
  std::string log = Log();
  if (readiness == Readiness::kExited) {
    if (log.find("address already in use") != std::string::npos) return false;  // lost the port
    FAIL("docker-registry exited at start:\n" << log);
  }
  FAIL("docker-registry did not answer GET /v2/ on port " << port_ << " within 10 s:\n" << log);
  return false;
}

void RegistryServer::Stop() { process_.Stop(); }

std::string RegistryServer::Host() const { return "127.0.0.1:" + std::to_string(port_); }

HttpReply RegistryServer::Get(std::string_view path) const { return Fetch(port_, path); }

std::string RegistryServer::Log() const { return test::ReadLog(dir() / "registry.log"); }

}  // namespace taskr::e2e
