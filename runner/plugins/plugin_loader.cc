#include "runner/plugins/plugin_loader.h"

#include <fmt/core.h>

#include <boost/dll/shared_library.hpp>
#include <filesystem>

namespace taskr {

namespace {

class DllPlugin : public LoadedPlugin {
 public:
  DllPlugin(boost::dll::shared_library lib, const taskr_plugin* table)
      : lib_(std::move(lib)), table_(table) {}
  const taskr_plugin& table() const override { return *table_; }

 private:
  boost::dll::shared_library lib_;
  const taskr_plugin* table_;
};

// The table as 1.0 defines it ends with tool_identity.
constexpr size_t kTableSize10 = offsetof(taskr_plugin, tool_identity) + sizeof(void*);

}  // namespace

Result<std::unique_ptr<LoadedPlugin>> LoadPlugin(const std::string& path) {
  std::error_code exists_ec;
  if (!std::filesystem::exists(path, exists_ec)) {
    return Status::Error(fmt::format("{}: no such file", path));
  }
  boost::dll::shared_library lib;
  try {
    lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    // Boost wraps dlerror()'s text; that text is what a person needs.
    std::string why = e.what();
    const std::string marker = "dlerror system message: ";
    if (size_t at = why.find(marker); at != std::string::npos) {
      why = why.substr(at + marker.size());
      if (size_t close = why.rfind("):"); close != std::string::npos) why.resize(close);
    }
    return Status::Error(fmt::format("{}: cannot load the library: {}", path, why));
  }
  if (!lib.has(TASKR_PLUGIN_ENTRY_SYMBOL)) {
    return Status::Error(fmt::format(
        "{}: not a taskr plugin: it exports no `{}` (build it with TASKR_PLUGIN(...) from "
        "<taskr/sdk.hpp>)",
        path, TASKR_PLUGIN_ENTRY_SYMBOL));
  }
  auto entry = lib.get<const taskr_plugin*()>(TASKR_PLUGIN_ENTRY_SYMBOL);
  const taskr_plugin* table = entry();
  if (!table)
    return Status::Error(
        fmt::format("{}: `{}` returned no table", path, TASKR_PLUGIN_ENTRY_SYMBOL));
  if (table->abi_major != TASKR_ABI_MAJOR) {
    return Status::Error(fmt::format(
        "{}: built for plugin ABI {}.{}, but this taskr speaks {}.{}; rebuild the plugin "
        "against this taskr's SDK",
        path, table->abi_major, table->abi_minor, TASKR_ABI_MAJOR, TASKR_ABI_MINOR));
  }
  if (table->abi_minor > TASKR_ABI_MINOR) {
    return Status::Error(
        fmt::format("{}: needs plugin ABI {}.{}, newer than this taskr's {}.{}; upgrade taskr",
                    path, table->abi_major, table->abi_minor, TASKR_ABI_MAJOR, TASKR_ABI_MINOR));
  }
  if (table->struct_size < kTableSize10) {
    return Status::Error(fmt::format("{}: its plugin table is {} bytes, smaller than ABI 1.0's {}",
                                     path, table->struct_size, kTableSize10));
  }
  struct Required {
    const void* fn;
    const char* name;
  };
  for (Required r : {Required{reinterpret_cast<const void*>(table->manifest), "manifest"},
                     Required{reinterpret_cast<const void*>(table->create), "create"},
                     Required{reinterpret_cast<const void*>(table->destroy), "destroy"},
                     Required{reinterpret_cast<const void*>(table->run), "run"},
                     Required{reinterpret_cast<const void*>(table->last_error), "last_error"}}) {
    if (!r.fn)
      return Status::Error(fmt::format("{}: its plugin table has no `{}` function", path, r.name));
  }
  if ((table->capabilities & TASKR_CAP_TOOL_IDENTITY) && !table->tool_identity) {
    return Status::Error(fmt::format(
        "{}: declares the tool_identity capability but its `tool_identity` function is NULL",
        path));
  }
  return std::unique_ptr<LoadedPlugin>(new DllPlugin(std::move(lib), table));
}

}  // namespace taskr
