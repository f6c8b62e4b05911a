// RegistryServer runs a real container registry (Debian's docker-registry,
// distribution 2.8) on 127.0.0.1, on a free port, storing in a temporary
// folder, for the lifetime of the object. It speaks plain HTTP, so clients
// push with --tls-verify=false (podman, skopeo) or --plain-http (helm).
//
//   taskr::e2e::RegistryServer registry;
//   std::string image = registry.Host() + "/acme/demo";  // "127.0.0.1:41234/acme/demo"
//   ... push ...
//   taskr::e2e::HttpReply r = registry.Get("/v2/acme/demo/tags/list");
//   // r.status == 200, r.body == {"name":"acme/demo","tags":["1.2.3",...]}
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "tests/support/server_process.h"
#include "tests/unit/temp_dir.h"

namespace taskr::e2e {

/// HttpReply is the status and body of one HTTP response.
struct HttpReply {
  int status = 0;  // 0 when the server could not be reached
  std::string body;
};

/// RegistryServer owns one docker-registry process. The constructor fails the
/// running test when docker-registry is missing or does not start; if the test
/// process dies, the registry is sent SIGTERM (PR_SET_PDEATHSIG).
class RegistryServer {
 public:
  RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  int port() const { return port_; }
  /// Host is "127.0.0.1:<port>", the registry part of an image name.
  std::string Host() const;
  /// Get sends GET <path> (e.g. "/v2/") and returns the reply.
  HttpReply Get(std::string_view path) const;
  /// Log is what the registry has printed so far: one line per request.
  std::string Log() const;
  /// dir is the server's temporary folder; blobs and manifests live under dir()/data.
  const std::filesystem::path& dir() const { return dir_.path(); }
  /// Stop ends the registry and waits for it, as the destructor does.
  void Stop();

 private:
  bool Start(const std::filesystem::path& binary);  // false when another process took the port

  test::TempDir dir_{"registry"};  // before process_: the registry stops before its folder goes
  int port_ = 0;
  test::ServerProcess process_;
};

}  // namespace taskr::e2e
