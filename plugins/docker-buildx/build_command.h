// The command lines that build and push an image with each engine:
// `docker buildx build` (BuildKit), or `podman buildx build` (an alias of
// `podman build` in podman 4.3) followed by one `podman push` per tag.
//
//   BuildSpec spec;
//   spec.engine = Engine::kPodman;
//   spec.refs = {"ghcr.io/acme/api:1.2.3"};
//   spec.iidfile = tmp / "iid";
//   ctx.Run(BuildArgv(spec));
//   ctx.Run(PushArgv(spec, spec.refs[0], tmp / "digest"));
//
// Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::docker_buildx {

/// Engine is the program that builds.
enum class Engine { kDocker, kPodman };

/// EngineName is the program's name: "docker" or "podman".
std::string_view EngineName(Engine engine);

/// BuildSpec is one build as the task describes it.
struct BuildSpec {
  Engine engine = Engine::kDocker;
  std::vector<std::string> engine_args;  ///< global flags, before `buildx`
  std::string context = ".";
  std::string file;                     ///< the Dockerfile; "" for the engine's default
  std::string target;                   ///< the stage; "" for the last one
  std::vector<std::string> build_args;  ///< "NAME=value", or "NAME" to take it from the environment
  std::vector<std::string> labels;      ///< "key=value"
  std::vector<std::string> platforms;   ///< "linux/amd64"
  std::vector<std::string> cache_from;
  std::vector<std::string> cache_to;
  std::vector<std::string> secrets;  ///< "id=npm,env=NPM_TOKEN", "id=key,src=key.pem"
  std::vector<std::string> refs;     ///< "name:tag", one -t each
  bool push = false;
  bool load = false;
  bool tls_verify = true;                 ///< false: the registry speaks plain HTTP or self-signs
  std::optional<std::string> provenance;  ///< unset: the engine's default
  std::optional<std::string> sbom;        ///< unset: the engine's default
  std::string iidfile;                    ///< where the engine writes the image ID
  std::string metadata_file;              ///< where docker writes its build metadata (JSON)
};

/// BuildArgv is the build command for `spec`. Throws sdk::Error for what the
/// engine cannot do: podman makes no attestations and, without a manifest
/// list, builds one platform.
std::vector<std::string> BuildArgv(const BuildSpec& spec);

/// PushesWhileBuilding tells whether the build itself pushes (docker), or
/// PushArgv must run after it for each ref (podman).
bool PushesWhileBuilding(Engine engine);

/// PushArgv is podman's command that pushes `ref` and writes the digest of
/// the pushed manifest to `digest_file`.
std::vector<std::string> PushArgv(const BuildSpec& spec, const std::string& ref,
                                  const std::string& digest_file);

}  // namespace taskr::docker_buildx
