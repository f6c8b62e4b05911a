// The SHA256SUMS / SHA512SUMS format of GNU coreutils, so that
// `sha256sum -c SHA256SUMS` checks what the plugin writes and the plugin's
// verify action checks what sha256sum writes.
//
//   <hex>  <path>          text mode (what the plugin writes)
//   <hex> *<path>          binary mode (same digest on every POSIX system)
//   SHA256 (<path>) = <hex>    BSD style (`sha256sum --tag`)
//
// A path holding `\` or a newline is written escaped (`\\`, `\n`) and its line
// starts with `\`, as coreutils does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hasher.h"

namespace taskr::checksum {

/// SumsEntry is one checked file of a sums file.
struct SumsEntry {
  std::string hex;   // lowercase
  std::string path;  // unescaped; relative to the sums file's folder, or absolute
  Algorithm algorithm = Algorithm::kSha256;
  size_t line = 0;  // 1-based
};

/// FormatSumsLine renders one text-mode line, newline included.
std::string FormatSumsLine(std::string_view hex, std::string_view path);

/// ParseSums reads the text of a sums file. Each line's algorithm comes from
/// its digest's length (64 or 128 hex digits) or its BSD tag; with `forced`,
/// every line must be of that algorithm. Blank lines are skipped. On the
/// first line that is not a checksum line, sets `error` ("line 3: ...") and
/// returns nullopt.
std::optional<std::vector<SumsEntry>> ParseSums(std::string_view text,
                                                std::optional<Algorithm> forced,
                                                std::string* error);

}  // namespace taskr::checksum
