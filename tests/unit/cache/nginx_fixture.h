// NginxServer runs a real nginx with a WebDAV cache location on 127.0.0.1, in a
// temporary folder, for the lifetime of the object; the remote cache tests and
// the health plugin's tests talk to it as they would to a production nginx.
//
//   taskr::test::NginxServer nginx;
//   auto remote = RemoteStore::Create({.url = nginx.Url("/cache")});
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "tests/support/server_process.h"
#include "tests/unit/temp_dir.h"

namespace taskr::test {

/// NginxOptions choose how the server listens.
struct NginxOptions {
  /// tls serves HTTPS with a self-signed certificate for "localhost" (see cert_file).
  bool tls = false;
};

/// NginxServer owns one nginx process. Its locations:
///   /cache/(ac|cas)/<64 hex>  WebDAV GET/HEAD/PUT, files under dir()/data
///   /auth/(ac|cas)/<64 hex>   the same, but 401 unless "Authorization: Bearer s3cret"
///   /broken/                  always 500
/// and, for the health checks:
///   /health/ok                200 "status: ready\n"
///   /health/later             503 until dir()/health/ready exists, then 200 with that file
///   /health/never             always 503
///   /health/error             always 500
///   /health/moved             301 to /health/ok
/// The constructor fails the running test when nginx is missing or does not start.
class NginxServer {
 public:
  explicit NginxServer(NginxOptions options = {});
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  int port() const { return port_; }
  /// Url is "http://127.0.0.1:<port><path>" ("https://" with tls).
  std::string Url(std::string_view path, std::string_view host = "127.0.0.1") const;
  /// AccessLog returns the access log so far, one line per request:
  /// METHOD URI STATUS auth="<Authorization>" ua="<User-Agent>" sni="<TLS server name>".
  std::string AccessLog() const;
  /// dir is the server's temporary folder; WebDAV files live under dir()/data.
  const std::filesystem::path& dir() const { return dir_.path(); }
  /// cert_file is the PEM certificate nginx presents with tls; empty otherwise.
  const std::filesystem::path& cert_file() const { return cert_file_; }
  /// Stop ends nginx and waits for it, as the destructor does.
  void Stop();

 private:
  bool Start(const std::filesystem::path& nginx);  // false when another process took the port

  NginxOptions options_;
  TempDir dir_{"nginx"};  // before process_: nginx stops before its folder goes
  std::filesystem::path cert_file_;
  int port_ = 0;
  ServerProcess process_;
};

}  // namespace taskr::test
