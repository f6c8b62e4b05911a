// taskr's command line: builds the app, adds each subcommand (one file each,
// see command.h), and maps errors to exit codes: 0 success, 1 a task failed,
// 2 bad usage or a bad pipeline, 3 internal error, 130 interrupted.
#include <fmt/core.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runner/cli/command.h"
#include "runner/plugins/worker.h"

namespace taskr {
namespace {

int Main(int argc, char** argv) {
  CLI::App app{
      "taskr runs the task graph in pipeline.toml: in parallel, in order, with clear reports.",
      "taskr"};
  app.set_version_flag("--version", std::string("taskr ") + TASKR_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Exit codes: 0 success, 1 a task failed, 2 bad usage or pipeline, 3 internal error, 130 "
      "interrupted.\n"
      "Docs: docs/pipeline-reference.md");
  GlobalOptions global;
  app.add_option("-C,--directory", global.directory, "Change to DIR before doing anything")
      ->type_name("DIR");
  app.add_option("-f,--file", global.file, "Read FILE instead of finding pipeline.toml upward")
      ->type_name("FILE");

  // Each Add*Command adds one subcommand; the map finds its runner after the parse.
  // AddCompletionCommand stays last: it describes every command added before it.
  std::map<std::string, CommandRunner> runners;
  for (auto add :
       {AddRunCommand, AddListCommand, AddGraphCommand, AddValidateCommand, AddCacheCommand,
        AddPluginsCommand, AddPluginCommand, AddSchemaCommand, AddCompletionCommand}) {
    CommandRunner runner = add(app, global);
    CLI::App* added = app.get_subcommands([](CLI::App*) { return true; }).back();
    runners.emplace(added->get_name(), std::move(runner));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!global.directory.empty()) {
    std::error_code ec;
    std::filesystem::current_path(global.directory, ec);
    if (ec) {
      fmt::print(stderr, "taskr: -C {}: {}\n", global.directory, ec.message());
      return kExitUsage;
    }
  }
  for (const CLI::App* sub : app.get_subcommands()) return runners.at(sub->get_name())();
  return kExitUsage;
}

}  // namespace
}  // namespace taskr

int main(int argc, char** argv) {
  // A closed stdout (taskr ... | head) must not kill us halfway through a run.
  signal(SIGPIPE, SIG_IGN);
  static char buffer[1 << 16];
  if (!isatty(STDOUT_FILENO)) setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  if (argc >= 2 && std::string_view(argv[1]) == taskr::kWorkerCommand) {
    return taskr::RunWorker(std::vector<std::string>(argv + 2, argv + argc));
  }
  try {
    int code = taskr::Main(argc, argv);
    std::fflush(stdout);
    return code;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "taskr: internal error: {}\n", e.what());
    return taskr::kExitInternal;
  }
}
