// SHA-256 digests through OpenSSL EVP, as lowercase hex.
#pragma once

#include <string>
#include <string_view>

#include "runner/base/status.h"

namespace taskr {

/// Sha256Hex is the SHA-256 of `data` in lowercase hex.
std::string Sha256Hex(std::string_view data);
/// Sha256File is the SHA-256 of the file at `path` in lowercase hex.
Result<std::string> Sha256File(const std::string& path);

}  // namespace taskr
