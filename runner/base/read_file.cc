#include "runner/base/read_file.h"

#include <fstream>
#include <sstream>

namespace taskr {

std::string ReadFile(const std::filesystem::path& path, bool* exists) {
  std::ifstream in(path, std::ios::binary);
  *exists = static_cast<bool>(in);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace taskr
