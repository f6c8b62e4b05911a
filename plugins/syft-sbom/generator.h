// The programs that make the SBOMs, syft and trivy: finding them, and the
// command lines that write an SPDX and a CycloneDX file for a source.
//
//   std::optional<std::string> syft = FindProgram("syft", *ctx.Env("PATH"));
//   std::vector<std::string> argv = SyftCommand(*syft, "dir:app", outputs, {});
//
//   TrivyTarget t = TrivyTargetFor("docker-archive:dist/app.tar", probe);
//   std::vector<std::string> cdx = TrivyCommand("/usr/bin/trivy", t, "cyclonedx",
//   "sbom/app.cdx.json", {});
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::sbom {

/// Generator is the program that writes the SBOMs.
enum class Generator { kSyft, kTrivy };

/// GeneratorName is "syft" or "trivy", the program's usual file name.
std::string_view GeneratorName(Generator generator);

/// GeneratorEnv is what the generator's environment gets so that it makes no
/// network call of its own: syft's update check, trivy's version check and
/// telemetry (as TRIVY_* variables, which trivy builds without those flags ignore).
std::vector<std::string> GeneratorEnv(Generator generator);

/// ToolVersion reads the version out of what `<generator> --version` printed:
/// its first line without a leading "syft " or "Version: " ("syft 1.18.1" ->
/// "1.18.1"; "Version: 0.58.1\nVulnerability DB: …" -> "0.58.1"). Only the
/// first line counts, so a newer vulnerability database does not change it.
std::string ToolVersion(std::string_view output);

/// FindProgram looks `name` up in the folders of `path_env` (a PATH value) as
/// a shell does; the absolute path of the first executable file, or nullopt.
/// An empty `path_env` finds nothing.
std::optional<std::string> FindProgram(std::string_view name, std::string_view path_env);

/// Source is the `source` parameter split into syft's scheme and the rest.
struct Source {
  std::string scheme;  // "dir", "docker-archive", …; empty when none was written
  std::string target;  // the path or image reference after the scheme
};

/// ParseSource splits off one of syft's source schemes ("docker-archive:x.tar").
/// Anything else, `localhost:5000/app` included, is all target.
Source ParseSource(std::string_view source);

/// NamesLocalPath tells whether a source names a file or folder: a path
/// scheme (dir:, file:, docker-archive:, oci-archive:, oci-dir:), or no scheme
/// and a target that looks like a path (starts with `.` or `/`, or ends in a
/// tar extension) rather than an image reference.
bool NamesLocalPath(const Source& source);

/// DefaultName is the files' base name for a source: its last path segment
/// without a tag, digest or archive extension ("docker-archive:dist/app.tar" ->
/// "app", "registry:ghcr.io/acme/api:1.2" -> "api"); "sbom" when that is empty
/// or ".".
std::string DefaultName(std::string_view source);

/// SbomFiles are the two files a run writes, relative to the workspace, with
/// the format versions asked for ("" for the generator's default).
struct SbomFiles {
  std::string spdx;               // "sbom/app.spdx.json"
  std::string spdx_version;       // "2.3"
  std::string cyclonedx;          // "sbom/app.cdx.json"
  std::string cyclonedx_version;  // "1.5"
};

/// SyftCommand is `syft scan <source> -o spdx-json@V=F -o cyclonedx-json@V=F
/// <extra>`: one scan writes both files.
std::vector<std::string> SyftCommand(const std::string& binary, const std::string& source,
                                     const SbomFiles& files, const std::vector<std::string>& extra);

/// PathType is what a path in the workspace is.
enum class PathType { kMissing, kDirectory, kFile };

/// TrivyTarget is how trivy is pointed at a source: `trivy fs <path>`,
/// `trivy image --input <archive>` or `trivy image [--image-src S] <ref>`.
struct TrivyTarget {
  std::string command;             // "fs" or "image"
  std::vector<std::string> flags;  // {"--input", "dist/app.tar"}, {"--image-src", "remote"}
  std::string target;              // the positional argument; empty with --input
};

/// TrivyTargetFor maps a syft source onto trivy. Without a scheme, `probe`
/// decides: a folder or a file is scanned with `trivy fs` (a .tar, .tar.gz or
/// .tgz file as an image archive), anything else is an image reference. Throws
/// sdk::Error for sources trivy cannot read (singularity:, oci-model-registry:).
TrivyTarget TrivyTargetFor(std::string_view source,
                           const std::function<PathType(const std::string&)>& probe);

/// TrivyCommand is one trivy run writing `format` ("cyclonedx" or
/// "spdx-json") to `output`. It skips the vulnerability database and online
/// lookups: an SBOM needs neither, and a cached action must not depend on them.
std::vector<std::string> TrivyCommand(const std::string& binary, const TrivyTarget& target,
                                      std::string_view format, const std::string& output,
                                      const std::vector<std::string>& extra);

}  // namespace taskr::sbom
