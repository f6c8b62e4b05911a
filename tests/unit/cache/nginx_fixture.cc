#include "tests/unit/cache/nginx_fixture.h"

#include <catch2/catch_test_macros.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>  // mkdtemp
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>
#include <vector>

extern char** environ;

namespace taskr::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr auto kStartLimit = std::chrono::seconds(5);
constexpr auto kStopLimit = std::chrono::seconds(5);

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// FindNginx looks in PATH and in the sbin folders a non-root PATH may lack.
fs::path FindNginx() {
  std::vector<fs::path> dirs = {"/usr/sbin", "/usr/local/sbin", "/sbin"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream entries(path);
    for (std::string dir; std::getline(entries, dir, ':');) {
      if (!dir.empty()) dirs.insert(dirs.begin(), dir);
    }
  }
  for (const fs::path& dir : dirs) {
    if (access((dir / "nginx").c_str(), X_OK) == 0) return dir / "nginx";
  }
  return {};
}

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// FreePort asks the kernel for a port nothing uses right now; nginx may still lose
// it to another process before it binds, which Start reports.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof(addr);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = Loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
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
  out += "  }\n}\n";
  return out;
}

pid_t Spawn(const fs::path& nginx, const fs::path& dir) {
  std::vector<std::string> args = {nginx.string(),
                                   "-p",
                                   dir.string() + "/",
                                   "-c",
                                   (dir / "nginx.conf").string(),
                                   "-e",
                                   (dir / "error.log").string()};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::string log = (dir / "nginx.out").string();
  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: if the test
  // process dies (an assertion, a sanitizer abort), nginx goes with it. Only
  // async-signal-safe calls run between fork and exec.
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    int in = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execve(argv[0], argv.data(), environ);
    _exit(127);
  }
  return pid;
}

}  // namespace

NginxServer::NginxServer(NginxOptions options) : options_(options) {
  std::string pattern = (fs::temp_directory_path() / "taskr_nginx_XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  fs::create_directories(dir_ / "data");
  if (options_.tls) {
    cert_file_ = dir_ / "cert.pem";
    WriteSelfSignedCert(cert_file_, dir_ / "key.pem");
  }
  fs::path nginx = FindNginx();
  if (nginx.empty()) {
    fs::remove_all(dir_);
    FAIL("nginx is not installed: run scripts/install-deps (the remote cache tests need it)");
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Start(nginx)) return;
  }
  std::string log = ReadAll(dir_ / "error.log");
  fs::remove_all(dir_);
  FAIL("nginx kept losing its port to other processes:\n" << log);
}

NginxServer::~NginxServer() {
  Stop();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

bool NginxServer::Start(const fs::path& nginx) {
  port_ = FreePort();
  std::ofstream(dir_ / "nginx.conf") << Config(dir_, port_, options_.tls);
  pid_ = Spawn(nginx, dir_);
  REQUIRE(pid_ > 0);
  auto deadline = steady_clock::now() + kStartLimit;
  while (steady_clock::now() < deadline) {
    if (Accepts(port_)) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::string log = ReadAll(dir_ / "error.log") + ReadAll(dir_ / "nginx.out");
      if (log.find("Address already in use") != std::string::npos) return false;
      fs::remove_all(dir_);
      FAIL("nginx exited at start:\n" << log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Stop();
  std::string log = ReadAll(dir_ / "error.log");
  fs::remove_all(dir_);
  FAIL("nginx did not accept connections on port " << port_ << " within 5 s:\n" << log);
  return false;
}

void NginxServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = steady_clock::now() + kStopLimit;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

std::string NginxServer::Url(std::string_view path, std::string_view host) const {
  return (options_.tls ? "https://" : "http://") + std::string(host) + ":" + std::to_string(port_) +
         std::string(path);
}

std::string NginxServer::AccessLog() const { return ReadAll(dir_ / "access.log"); }

}  // namespace taskr::test
