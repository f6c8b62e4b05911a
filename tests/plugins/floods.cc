// floods: writes 50 MB to stdout as fast as it can and logs 20,000 messages,
// then succeeds. taskr must keep up without deadlocking or losing the result.
#include <unistd.h>
#include <taskr/sdk.hpp>

#include <string>

class Floods {
 public:
  static constexpr size_t kStdoutBytes = 50u * 1024 * 1024;
  static constexpr int kMessages = 20000;

  static taskr::sdk::Manifest Describe() {
    taskr::sdk::Manifest m{"floods", "1.0.0", "Floods stdout and the log, then succeeds", {}, ""};
    m.actions.push_back({"flood",
                         "Write 50 MB and 20,000 log messages",
                         true,
                         R"({"type": "object"})",
                         {{"bytes", "how many bytes went to stdout"},
                          {"messages", "how many messages were logged"}}});
    return m;
  }
  void Run(taskr::sdk::Context& ctx) {
    std::string line(1023, 'x');
    line += '\n';
    size_t written = 0;
    while (written < kStdoutBytes) {
      const char* p = line.data();
      size_t left = line.size();
      while (left > 0) {
        ssize_t n = write(STDOUT_FILENO, p, left);
        if (n <= 0) throw taskr::sdk::Error("floods: writing to stdout failed");
        p += n;
        left -= static_cast<size_t>(n);
      }
      written += line.size();
    }
    for (int i = 1; i <= kMessages; ++i) ctx.Info("floods: message " + std::to_string(i));
    ctx.SetOutput("bytes", std::to_string(written));
    ctx.SetOutput("messages", std::to_string(kMessages));
  }
};

TASKR_PLUGIN(Floods)
