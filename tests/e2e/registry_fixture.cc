#include "tests/e2e/registry_fixture.h"

#include <catch2/catch_test_macros.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
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

namespace taskr::e2e {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

constexpr auto kStartLimit = std::chrono::seconds(10);
constexpr auto kStopLimit = std::chrono::seconds(5);

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path FindRegistry() {
  std::vector<fs::path> dirs = {"/usr/bin", "/usr/local/bin"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream entries(path);
    for (std::string dir; std::getline(entries, dir, ':');) {
      if (!dir.empty()) dirs.insert(dirs.begin(), dir);
    }
  }
  for (const fs::path& dir : dirs) {
    if (access((dir / "docker-registry").c_str(), X_OK) == 0) return dir / "docker-registry";
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

// FreePort asks the kernel for a port nothing uses right now; the registry may
// still lose it to another process before it binds, which Start reports.
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

pid_t Spawn(const fs::path& binary, const fs::path& dir) {
  std::vector<std::string> args = {binary.string(), "serve", (dir / "config.yml").string()};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::string log = (dir / "registry.log").string();
  // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: if the test
  // process dies, the registry goes with it. Only async-signal-safe calls run
  // between fork and exec.
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

// Fetch sends one HTTP/1.0 GET, so the reply is never chunked and ends when
// the connection closes.
HttpReply Fetch(int port, std::string_view path) {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  sockaddr_in addr = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
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
  std::string pattern = (fs::temp_directory_path() / "taskr_registry_XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  fs::create_directories(dir_ / "data");
  fs::path binary = FindRegistry();
  if (binary.empty()) {
    fs::remove_all(dir_);
    FAIL("docker-registry is not installed: run scripts/install-deps (the image tests need it)");
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Start(binary)) return;
  }
  std::string log = Log();
  fs::remove_all(dir_);
  FAIL("docker-registry kept losing its port to other processes:\n" << log);
}

RegistryServer::~RegistryServer() {
  Stop();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

bool RegistryServer::Start(const fs::path& binary) {
  port_ = FreePort();
  std::error_code ignored;
  fs::remove(dir_ / "registry.log", ignored);  // a new log for each attempt
  std::ofstream(dir_ / "config.yml") << Config(dir_, port_);
  pid_ = Spawn(binary, dir_);
  REQUIRE(pid_ > 0);
  auto deadline = steady_clock::now() + kStartLimit;
  // Another test's registry may hold the same port, so the answer to GET /v2/
  // counts only once our registry has said that it listens.
  std::string listening = "listening on " + Host();
  while (steady_clock::now() < deadline) {
    int status = 0;
    bool exited = waitpid(pid_, &status, WNOHANG) == pid_;
    if (!exited && Log().find(listening) != std::string::npos &&
        Fetch(port_, "/v2/").status == 200) {
      return true;
    }
    if (exited) {
      pid_ = -1;
      std::string log = Log();
      if (log.find("address already in use") != std::string::npos) return false;
      fs::remove_all(dir_);
      FAIL("docker-registry exited at start:\n" << log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
  std::string log = Log();
  fs::remove_all(dir_);
  FAIL("docker-registry did not answer GET /v2/ on port " << port_ << " within 10 s:\n" << log);
  return false;
}

void RegistryServer::Stop() {
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

std::string RegistryServer::Host() const { return "127.0.0.1:" + std::to_string(port_); }

HttpReply RegistryServer::Get(std::string_view path) const { return Fetch(port_, path); }

std::string RegistryServer::Log() const { return ReadAll(dir_ / "registry.log"); }

}  // namespace taskr::e2e
