#include "tests/unit/cache/nginx_fixture.h"

#include <catch2/catch_test_macros.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace taskr::test {
namespace {

namespace fs = std::filesystem;

constexpr auto kStartLimit = std::chrono::seconds(5);

bool Accepts(int port) {
  int fd = ConnectLoopback(port);
  if (fd >= 0) close(fd);
  return fd >= 0;
}

// WriteSelfSignedCert makes a P-256 key and a one-day certificate for DNS:localhost,
// trusted by a client that takes the certificate itself as its CA file.
void WriteSelfSignedCert(const fs::path& cert_file, const fs::path& key_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  REQUIRE((key != nullptr && cert != nullptr));
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_subject_alt_name, "DNS:localhost"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  bool ok = X509_sign(cert, key, EVP_sha256()) > 0;
  BIO* out = BIO_new_file(cert_file.c_str(), "w");
  ok = ok && out != nullptr && PEM_write_bio_X509(out, cert) == 1;
  BIO_free(out);
  out = BIO_new_file(key_file.c_str(), "w");
  ok = ok && out != nullptr &&
       PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  BIO_free(out);
  X509_free(cert);
  EVP_PKEY_free(key);
  REQUIRE(ok);
}

std::string Config(const fs::path& dir, int port, bool tls) {
  std::string d = dir.string();
  std::string dav =
      "dav_methods PUT DELETE; create_full_put_path on; client_max_body_size 2g; "
      "root " +
      d + "/data;";
  std::string out;
  // As root, workers would otherwise run as "nobody" and fail every PUT with 500.
  if (geteuid() == 0) out += "user root;\n";
  out += "daemon off;\nmaster_process off;\npid " + d + "/nginx.pid;\n";
  out += "error_log " + d + "/error.log info;\nlock_file " + d + "/nginx.lock;\n";
  out += "events { worker_connections 64; }\n";
  out += "http {\n";
  out +=
      "  log_format taskr '$request_method $uri $status auth=\"$http_authorization\" "
      "ua=\"$http_user_agent\" sni=\"$ssl_server_name\"';\n";
  out += "  access_log " + d + "/access.log taskr;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    out += "  " + std::string(temp) + "_temp_path " + d + "/tmp_" + temp + ";\n";
  }
  out += "  server {\n";
  out += "    listen 127.0.0.1:" + std::to_string(port) + (tls ? " ssl" : "") + ";\n";
  if (tls) {
    out += "    ssl_certificate " + d + "/cert.pem;\n    ssl_certificate_key " + d + "/key.pem;\n";
  }
  out += "    location ~ \"^/cache/(ac|cas)/[0-9a-f]{64}$\" { " + dav + " }\n";
  out += "    location ~ \"^/auth/(ac|cas)/[0-9a-f]{64}$\" {\n";
  out += "      if ($http_authorization != \"Bearer s3cret\") { return 401; }\n";
  out += "      " + dav + "\n    }\n";
  out += "    location /broken/ { return 500; }\n";
  out +=
      "    location = /health/ok { default_type text/plain; return 200 \"status: ready\\n\"; }\n";
  out += "    location = /health/later { default_type text/plain; root " + d +
         "/health; try_files /ready =503; }\n";
  out += "    location = /health/never { return 503; }\n";
  out += "    location = /health/error { return 500; }\n";
  out += "    location = /health/moved { return 301 /health/ok; }\n";
  out += "  }\n}\n";
  return out;
}

std::vector<std::string> Command(const fs::path& nginx, const fs::path& dir) {
  return {nginx.string(),
          "-p",
          dir.string() + "/",
          "-c",
          (dir / "nginx.conf").string(),
          "-e",
          (dir / "error.log").string()};
}

}  // namespace

NginxServer::NginxServer(NginxOptions options) : options_(options) {
  fs::create_directories(dir() / "data");
  fs::create_directories(dir() / "health");
  if (options_.tls) {
    cert_file_ = dir() / "cert.pem";
    WriteSelfSignedCert(cert_file_, dir() / "key.pem");
  }
  // Also the sbin folders a non-root PATH may lack.
  fs::path nginx = FindProgram("nginx", {"/usr/sbin", "/usr/local/sbin", "/sbin"});
  if (nginx.empty()) {
    FAIL("nginx is not installed: run scripts/install-deps (the remote cache tests need it)");
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Start(nginx)) return;
  }
  FAIL("nginx kept losing its port to other processes:\n" << ReadLog(dir() / "error.log"));
}

bool NginxServer::Start(const fs::path& nginx) {
  port_ = FreePort();
  std::ofstream(dir() / "nginx.conf") << Config(dir(), port_, options_.tls);
  process_.Start(Command(nginx, dir()), dir() / "nginx.out");
  // Another test's server may hold the same port while our nginx retries bind()
  // for 2 s, so a connection counts only once our nginx has written its pid
  // file, which it does after it has bound the port.
  auto ready = [&] {
    return std::atoi(ReadLog(dir() / "nginx.pid").c_str()) == process_.pid() && Accepts(port_);
  };
  using Readiness = ServerProcess::Readiness;
  Readiness readiness = process_.WaitUntilReady(ready, kStartLimit);
  if (readiness == Readiness::kReady) return true;
  Stop();  // after a time-out; nothing when it exited
  std::string log = ReadLog(dir() / "error.log") + ReadLog(dir() / "nginx.out");
  if (readiness == Readiness::kExited) {
    if (log.find("Address already in use") != std::string::npos) return false;  // lost the port
    FAIL("nginx exited at start:\n" << log);
  }
  FAIL("nginx did not accept connections on port " << port_ << " within 5 s:\n" << log);
  return false;
}

void NginxServer::Stop() { process_.Stop(); }

std::string NginxServer::Url(std::string_view path, std::string_view host) const {
  return (options_.tls ? "https://" : "http://") + std::string(host) + ":" + std::to_string(port_) +
         std::string(path);
}

std::string NginxServer::AccessLog() const { return ReadLog(dir() / "access.log"); }

}  // namespace taskr::test
