#include "build_command.h"

#include <taskr/sdk.hpp>

namespace taskr::docker_buildx {

namespace {

// Repeated adds `flag value` for each value.
void Repeated(std::vector<std::string>* argv, const char* flag,
              const std::vector<std::string>& values) {
  for (const std::string& value : values) {
    argv->push_back(flag);
    argv->push_back(value);
  }
}

std::string Join(const std::vector<std::string>& values, char sep) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : std::string(1, sep)) + v;
  return out;
}

// DockerOutputs adds the exports: the registry, the local image store, and
// BuildKit's own attestations.
void DockerOutputs(const BuildSpec& spec, std::vector<std::string>* argv) {
  argv->push_back("--progress=plain");  // one line per step in the task log
  if (spec.push) {
    // --push is type=image,push=true; an insecure registry needs it spelt out.
    argv->push_back(spec.tls_verify ? "--push"
                                    : "--output=type=image,push=true,registry.insecure=true");
  }
  if (spec.load) argv->push_back("--load");
  if (spec.provenance) argv->push_back("--provenance=" + *spec.provenance);
  if (spec.sbom) argv->push_back("--sbom=" + *spec.sbom);
  argv->insert(argv->end(), {"--metadata-file", spec.metadata_file});
}

// CheckPodman refuses what podman 4.3's build cannot do. `load` needs nothing:
// podman always keeps the image in its local store.
void CheckPodman(const BuildSpec& spec) {
  for (const auto& [name, value] :
       {std::pair{"provenance", &spec.provenance}, std::pair{"sbom", &spec.sbom}}) {
    if (*value && **value != "false") {
      throw sdk::Error(std::string(name) +
                       ": podman makes no build attestations; leave it out or set it to false, "
                       "or build with engine = \"docker\"");
    }
  }
  if (spec.platforms.size() > 1) {
    throw sdk::Error(
        "platforms: podman builds several platforms only into a manifest list, which this plugin "
        "does not drive; give one platform per task, or build with engine = \"docker\"");
  }
}

}  // namespace

std::string_view EngineName(Engine engine) {
  return engine == Engine::kDocker ? "docker" : "podman";
}

bool PushesWhileBuilding(Engine engine) { return engine == Engine::kDocker; }

std::vector<std::string> BuildArgv(const BuildSpec& spec) {
  if (spec.engine == Engine::kPodman) CheckPodman(spec);
  std::vector<std::string> argv = {std::string(EngineName(spec.engine))};
  argv.insert(argv.end(), spec.engine_args.begin(), spec.engine_args.end());
  argv.insert(argv.end(), {"buildx", "build"});
  if (!spec.file.empty()) argv.insert(argv.end(), {"--file", spec.file});
  if (!spec.target.empty()) argv.insert(argv.end(), {"--target", spec.target});
  Repeated(&argv, "--build-arg", spec.build_args);
  Repeated(&argv, "--label", spec.labels);
  if (!spec.platforms.empty()) argv.insert(argv.end(), {"--platform", Join(spec.platforms, ',')});
  Repeated(&argv, "--cache-from", spec.cache_from);
  Repeated(&argv, "--cache-to", spec.cache_to);
  Repeated(&argv, "--secret", spec.secrets);
  Repeated(&argv, "--tag", spec.refs);
  argv.insert(argv.end(), {"--iidfile", spec.iidfile});
  if (spec.engine == Engine::kDocker) {
    DockerOutputs(spec, &argv);
  } else if (!spec.tls_verify) {
    argv.push_back("--tls-verify=false");  // for base images and cache-from
  }
  argv.push_back(spec.context);
  return argv;
}

std::vector<std::string> PushArgv(const BuildSpec& spec, const std::string& ref,
                                  const std::string& digest_file) {
  std::vector<std::string> argv = {std::string(EngineName(spec.engine))};
  argv.insert(argv.end(), spec.engine_args.begin(), spec.engine_args.end());
  argv.push_back("push");
  if (!spec.tls_verify) argv.push_back("--tls-verify=false");
  argv.insert(argv.end(), {"--digestfile", digest_file, ref});
  return argv;
}

}  // namespace taskr::docker_buildx
