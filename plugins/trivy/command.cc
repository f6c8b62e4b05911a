#include "command.h"

#include <cctype>

namespace taskr::trivy {

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// FlagOwner is a flag the plugin sets itself, and why.
struct FlagOwner {
  std::string_view long_name;
  std::string_view short_name;  // "" when none
  std::string_view why;
};

constexpr FlagOwner kOwnedFlags[] = {
    {"--format", "-f", "taskr reads trivy's JSON report"},
    {"--output", "-o", "set `output` to choose where the JSON report goes"},
    {"--exit-code", "", "set `fail_on` to fail the task on findings"},
    {"--cache-dir", "", "set `cache_dir`; the cache key reads the database there"},
    {"--disable-telemetry", "", "telemetry is always off"},
    {"--skip-version-check", "", "the version check is always off"},
};

bool IsFlag(std::string_view arg, std::string_view name) {
  return arg == name || (arg.starts_with(name) && arg.substr(name.size()).starts_with("="));
}

}  // namespace

std::set<std::string> FlagsInHelp(std::string_view help) {
  std::set<std::string> flags;
  size_t start = 0;
  while (start < help.size()) {
    size_t end = help.find('\n', start);
    if (end == std::string_view::npos) end = help.size();
    std::string_view line = help.substr(start, end - start);
    start = end + 1;
    size_t first = line.find_first_not_of(' ');
    if (first == std::string_view::npos || line[first] != '-') continue;
    // "  -s, --severity strings …" or "      --skip-db-update   …"
    size_t dashes = line.find("--", first);
    if (dashes == std::string_view::npos || dashes > first + 4) continue;
    size_t stop = dashes + 2;
    while (stop < line.size() &&
           (std::isalnum(static_cast<unsigned char>(line[stop])) || line[stop] == '-')) {
      ++stop;
    }
    if (stop > dashes + 2) flags.emplace(line.substr(dashes, stop - dashes));
  }
  return flags;
}

std::vector<std::string> TrivyArgs(const Scan& scan, const std::set<std::string>& known) {
  auto knows = [&](const char* flag) { return known.count(flag) > 0; };
  std::vector<std::string> argv = {scan.binary, scan.command};
  for (const char* quiet : {"--skip-version-check", "--disable-telemetry", "--no-progress"}) {
    if (knows(quiet)) argv.push_back(quiet);
  }
  argv.insert(argv.end(), {"--cache-dir", scan.cache_dir, "--format", "json", "--output",
                           scan.report, "--exit-code", "0"});
  if (!scan.severities.empty()) argv.insert(argv.end(), {"--severity", Join(scan.severities)});
  if (!scan.scanners.empty()) argv.insert(argv.end(), {"--scanners", Join(scan.scanners)});
  if (scan.ignore_unfixed) argv.push_back("--ignore-unfixed");
  if (!scan.ignorefile.empty()) argv.insert(argv.end(), {"--ignorefile", scan.ignorefile});
  if (scan.skip_db_update || scan.offline) {
    for (const char* skip : {"--skip-db-update", "--skip-java-db-update"}) {
      if (knows(skip)) argv.push_back(skip);
    }
  }
  if (scan.offline) {
    if (knows("--offline-scan")) argv.push_back("--offline-scan");
    if (knows("--skip-check-update")) {
      argv.push_back("--skip-check-update");
    } else if (knows("--skip-policy-update")) {
      argv.push_back("--skip-policy-update");
    }
  }
  if (!scan.image_src.empty()) argv.insert(argv.end(), {"--image-src", Join(scan.image_src)});
  if (!scan.platform.empty()) argv.insert(argv.end(), {"--platform", scan.platform});
  for (const std::string& dir : scan.skip_dirs) argv.insert(argv.end(), {"--skip-dirs", dir});
  for (const std::string& file : scan.skip_files) argv.insert(argv.end(), {"--skip-files", file});
  argv.insert(argv.end(), scan.extra_args.begin(), scan.extra_args.end());
  if (scan.input) argv.push_back("--input");
  argv.push_back(scan.target);
  return argv;
}

std::string ExtraArgsProblem(std::string_view arg) {
  for (const FlagOwner& owner : kOwnedFlags) {
    bool short_form =
        !owner.short_name.empty() && !arg.starts_with("--") && arg.starts_with(owner.short_name);
    if (IsFlag(arg, owner.long_name) || short_form) {
      return "'" + std::string(arg) + "': the plugin sets " + std::string(owner.long_name) +
             " itself (" + std::string(owner.why) + ")";
    }
  }
  return "";
}

}  // namespace taskr::trivy
