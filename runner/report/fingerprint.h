// GitHub's SARIF `partialFingerprints.primaryLocationLineHash`, ported from
// github/codeql-action src/fingerprints.ts so that alerts uploaded by taskr
// match the ones codeql-action would have fingerprinted itself.
//
//   std::vector<std::string> hashes = LineHashes(file_text);
//   result.partial_fingerprint = hashes[start_line - 1];  // e.g. "5e4d5a9cf1294ad9:1"
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace taskr {

/// LineHashes computes GitHub's primaryLocationLineHash for every line of `content`
/// (index 0 is line 1), exactly as github/codeql-action's fingerprints.ts does.
/// `content` is UTF-8 (invalid bytes hash as U+FFFD, as Node decodes them). Lines end
/// at LF, CR or CRLF; content that is empty or ends in a line ending has one more
/// entry, for the empty last line, so there is always at least one.
std::vector<std::string> LineHashes(std::string_view content);

}  // namespace taskr
