#include "generator.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <system_error>

#include <taskr/sdk.hpp>

namespace taskr::sbom {

namespace {

namespace fs = std::filesystem;

// Syft's source schemes (anchore/syft cmd/syft/internal/commands/scan.go).
constexpr std::array<std::string_view, 11> kSchemes = {
    "dir",    "file",   "docker-archive", "oci-archive", "oci-dir",           "registry",
    "docker", "podman", "containerd",     "singularity", "oci-model-registry"};

// Schemes whose target is a path in the workspace.
constexpr std::array<std::string_view, 5> kPathSchemes = {"dir", "file", "docker-archive",
                                                          "oci-archive", "oci-dir"};

constexpr std::array<std::string_view, 3> kArchiveExtensions = {".tar", ".tar.gz", ".tgz"};

bool IsOneOf(std::string_view word, const auto& words) {
  for (std::string_view w : words) {
    if (w == word) return true;
  }
  return false;
}

bool HasArchiveExtension(std::string_view path) {
  for (std::string_view ext : kArchiveExtensions) {
    if (path.size() > ext.size() && path.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace

std::string_view GeneratorName(Generator generator) {
  return generator == Generator::kSyft ? "syft" : "trivy";
}

std::vector<std::string> GeneratorEnv(Generator generator) {
  if (generator == Generator::kSyft) return {"SYFT_CHECK_FOR_APP_UPDATE=false"};
  return {"TRIVY_SKIP_VERSION_CHECK=true", "TRIVY_DISABLE_TELEMETRY=true"};
}

std::string ToolVersion(std::string_view output) {
  size_t start = output.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  output.remove_prefix(start);
  std::string_view line = output.substr(0, output.find_first_of("\r\n"));
  for (std::string_view prefix : {"syft ", "trivy ", "Version: "}) {
    if (line.starts_with(prefix)) line.remove_prefix(prefix.size());
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return std::string(line);
}

std::optional<std::string> FindProgram(std::string_view name, std::string_view path_env) {
  if (path_env.empty()) return std::nullopt;  // no PATH: nowhere to look
  while (true) {
    size_t colon = path_env.find(':');
    std::string_view folder = path_env.substr(0, colon);
    // An empty entry means the current folder, as in a shell.
    fs::path candidate = fs::path(folder.empty() ? "." : std::string(folder)) / std::string(name);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0) {
      return fs::absolute(candidate, ec).lexically_normal().string();
    }
    if (colon == std::string_view::npos) return std::nullopt;
    path_env.remove_prefix(colon + 1);
  }
}

Source ParseSource(std::string_view source) {
  size_t colon = source.find(':');
  if (colon != std::string_view::npos && IsOneOf(source.substr(0, colon), kSchemes)) {
    return {std::string(source.substr(0, colon)), std::string(source.substr(colon + 1))};
  }
  return {"", std::string(source)};
}

bool NamesLocalPath(const Source& source) {
  if (!source.scheme.empty()) return IsOneOf(source.scheme, kPathSchemes);
  const std::string& t = source.target;
  return t.starts_with('.') || t.starts_with('/') || HasArchiveExtension(t);
}

std::string DefaultName(std::string_view source) {
  Source s = ParseSource(source);
  std::string name = s.target;
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  if (size_t slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
  if (!NamesLocalPath(s)) {
    // An image reference: drop "@sha256:…" and ":tag" (the last segment holds no port).
    if (size_t at = name.find('@'); at != std::string::npos) name.erase(at);
    if (size_t colon = name.find(':'); colon != std::string::npos) name.erase(colon);
  }
  for (std::string_view ext : kArchiveExtensions) {
    if (name.size() > ext.size() && name.ends_with(ext)) {
      name.erase(name.size() - ext.size());
      break;
    }
  }
  return name.empty() || name == "." || name == ".." ? "sbom" : name;
}

std::vector<std::string> SyftCommand(const std::string& binary, const std::string& source,
                                     const SbomFiles& files,
                                     const std::vector<std::string>& extra) {
  auto format = [](std::string_view name, const std::string& version, const std::string& file) {
    return std::string(name) + (version.empty() ? "" : "@" + version) + "=" + file;
  };
  std::vector<std::string> argv = {
      binary,
      "scan",
      source,
      "-o",
      format("spdx-json", files.spdx_version, files.spdx),
      "-o",
      format("cyclonedx-json", files.cyclonedx_version, files.cyclonedx)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

TrivyTarget TrivyTargetFor(std::string_view source,
                           const std::function<PathType(const std::string&)>& probe) {
  Source s = ParseSource(source);
  const std::string& scheme = s.scheme;
  if (scheme == "dir" || scheme == "file") return {"fs", {}, s.target};
  if (scheme == "docker-archive" || scheme == "oci-archive" || scheme == "oci-dir") {
    return {"image", {"--input", s.target}, ""};
  }
  if (scheme == "registry") return {"image", {"--image-src", "remote"}, s.target};
  if (scheme == "docker" || scheme == "podman" || scheme == "containerd") {
    return {"image", {"--image-src", scheme}, s.target};
  }
  if (!scheme.empty()) {
    throw sdk::Error("source: trivy cannot read " + scheme +
                     ": sources; use generator = \"syft\" for them");
  }
  switch (probe(s.target)) {
    case PathType::kDirectory:
      return {"fs", {}, s.target};
    case PathType::kFile:
      if (HasArchiveExtension(s.target)) return {"image", {"--input", s.target}, ""};
      return {"fs", {}, s.target};
    case PathType::kMissing:
      break;
  }
  return {"image", {}, s.target};
}

std::vector<std::string> TrivyCommand(const std::string& binary, const TrivyTarget& target,
                                      std::string_view format, const std::string& output,
                                      const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {
      binary,     target.command, "--format",         std::string(format),
      "--output", output,         "--skip-db-update", "--offline-scan"};
  argv.insert(argv.end(), target.flags.begin(), target.flags.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (!target.target.empty()) argv.push_back(target.target);
  return argv;
}

}  // namespace taskr::sbom
