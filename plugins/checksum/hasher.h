// File digests with OpenSSL EVP (SHA-NI and AVX2 where the CPU has them),
// many files at once on a pool of threads.
//
//   std::vector<HashJob> jobs = {{"/ws/dist/app.tar.gz", Algorithm::kSha256}};
//   HashOutcome done = HashFiles(jobs, [&] { return ctx.Cancelled(); });
//   if (!done.cancelled && done.results[0].error.empty()) use(done.results[0].hex);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskr::checksum {

/// Algorithm is a digest the plugin computes.
enum class Algorithm { kSha256, kSha512 };

/// AlgorithmName is "sha256" or "sha512", as in artifact digests ("sha256:<hex>").
std::string_view AlgorithmName(Algorithm algorithm);
/// HexLength is the length of a digest in hex: 64 for SHA-256, 128 for SHA-512.
size_t HexLength(Algorithm algorithm);
/// AlgorithmForHexLength is the algorithm whose digests have `length` hex digits.
std::optional<Algorithm> AlgorithmForHexLength(size_t length);

/// HashText is the digest of `data` in lowercase hex.
std::string HashText(std::string_view data, Algorithm algorithm);

/// HashJob is one file to hash.
struct HashJob {
  std::string path;  // absolute, or relative to the current folder
  Algorithm algorithm = Algorithm::kSha256;
};

/// HashResult is one file's digest, or why there is none.
struct HashResult {
  std::string hex;       // lowercase; empty when `error` is set
  std::string error;     // e.g. "No such file or directory"; empty on success
  bool missing = false;  // the file does not exist
  uint64_t size = 0;     // bytes read
};

/// HashOutcome is what HashFiles did.
struct HashOutcome {
  std::vector<HashResult> results;  // one per job, in the jobs' order
  bool cancelled = false;           // stopped early; results are incomplete
};

/// HashFiles hashes every job's file on up to `threads` threads (0: one per
/// hardware thread). `cancelled` is asked before each file and every 64 MiB
/// within one, from any of the pool's threads; once it says true, hashing
/// stops and `cancelled` is set in the outcome.
HashOutcome HashFiles(const std::vector<HashJob>& jobs, const std::function<bool()>& cancelled,
                      unsigned threads = 0);

}  // namespace taskr::checksum
