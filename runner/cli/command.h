// What every subcommand of taskr's command line shares: the exit codes, the
// global options, and the subcommands' registration. Each subcommand lives in
// its own <name>_command.cc and adds itself to the app through one Add*Command
// function; main.cc only builds the app, adds the commands and maps errors to
// exit codes.
//
//   CommandRunner run = AddRunCommand(app, global);  // registers `taskr run`'s options
//   app.parse(argc, argv);
//   return run();                                     // when `run` was the subcommand
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace taskr {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // a task failed
inline constexpr int kExitUsage = 2;   // bad usage or a bad pipeline.toml
inline constexpr int kExitInternal = 3;

/// GlobalOptions are the options before the subcommand.
struct GlobalOptions {
  std::string directory;  // -C: change to it before anything else
  std::string file;       // -f: this pipeline.toml instead of the nearest one
};

/// CommandRunner runs a subcommand once the command line is parsed, and returns
/// the exit code. The options it reads were filled in by the parse.
using CommandRunner = std::function<int()>;

CommandRunner AddRunCommand(CLI::App& app, const GlobalOptions& global);
CommandRunner AddListCommand(CLI::App& app, const GlobalOptions& global);
CommandRunner AddGraphCommand(CLI::App& app, const GlobalOptions& global);
CommandRunner AddValidateCommand(CLI::App& app, const GlobalOptions& global);
CommandRunner AddCacheCommand(CLI::App& app, const GlobalOptions& global);
CommandRunner AddPluginsCommand(CLI::App& app, const GlobalOptions& global);
/// AddPluginCommand adds `taskr plugin new NAME`, which writes a plugin project.
CommandRunner AddPluginCommand(CLI::App& app, const GlobalOptions& global);
/// AddSchemaCommand adds `taskr schema`, which prints the JSON Schema of pipeline.toml.
CommandRunner AddSchemaCommand(CLI::App& app, const GlobalOptions& global);
/// AddCompletionCommand adds `taskr completion bash|zsh|fish`; it reads the
/// whole of `app` when it runs, so it is added after every other command.
CommandRunner AddCompletionCommand(CLI::App& app, const GlobalOptions& global);

}  // namespace taskr
