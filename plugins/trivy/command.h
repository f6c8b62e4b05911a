// The trivy command line of a scan. Flags that only some trivy releases know
// go on it only when this trivy's `<command> --help` lists them, because trivy
// refuses an unknown flag: --skip-version-check and --disable-telemetry exist
// since 0.63 (older releases neither check nor send anything), and the check
// bundle's update switch was renamed from --skip-policy-update to
// --skip-check-update.
//
//   std::set<std::string> known = FlagsInHelp(ctx.Run({binary, "fs", "--help"}).output);
//   std::vector<std::string> argv = TrivyArgs(scan, known);
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::trivy {

/// kNoTelemetryEnv is added to the environment of every trivy call, including
/// `--help` and `--version`, so telemetry and the version check stay off
/// even where the flags cannot go.
inline const std::vector<std::string> kNoTelemetryEnv = {"TRIVY_DISABLE_TELEMETRY=true",
                                                         "TRIVY_SKIP_VERSION_CHECK=true"};

/// Scan is one trivy run, every path absolute.
struct Scan {
  std::string binary;   // trivy itself
  std::string command;  // "image", "fs" or "config"
  std::string target;   // an image reference, or a path
  bool input = false;   // image: `target` is an archive, scanned with --input
  std::string report;   // where trivy writes its JSON report
  std::string cache_dir;
  std::vector<std::string> severities;  // empty: trivy's default, all
  std::vector<std::string> scanners;    // empty: trivy's default
  std::vector<std::string> image_src;   // empty: trivy's default order
  std::string platform;                 // empty: the image's own
  std::string ignorefile;               // empty: none
  bool ignore_unfixed = false;
  bool skip_db_update = false;
  bool offline = false;  // also implies skip_db_update
  std::vector<std::string> skip_dirs;
  std::vector<std::string> skip_files;
  std::vector<std::string> extra_args;
};

/// FlagsInHelp returns the long flags ("--skip-db-update") that a trivy
/// `--help` text declares: those that start one of its lines.
std::set<std::string> FlagsInHelp(std::string_view help);

/// TrivyArgs is the argv of `scan`: JSON to `scan.report`, exit code 0 with
/// findings (so only a crash is non-zero), telemetry and version checks off.
std::vector<std::string> TrivyArgs(const Scan& scan, const std::set<std::string>& known);

/// ExtraArgsProblem says why `arg` may not be an extra argument (the plugin
/// sets that flag itself), or returns "" when it may.
std::string ExtraArgsProblem(std::string_view arg);

}  // namespace taskr::trivy
