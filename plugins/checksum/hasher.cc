#include "hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace taskr::checksum {

namespace {

// Large enough that a big file costs few system calls per byte, small enough
// to stay in L2 between read() and the digest.
constexpr size_t kBufferSize = 1 << 20;
// Within a large file, cancellation is checked every this many buffers
// (64 MiB: a few hundredths of a second of hashing).
constexpr size_t kBuffersPerCancelCheck = 64;

struct MdFree {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdPtr = std::unique_ptr<EVP_MD, MdFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Digests fetches each EVP_MD once: an explicit fetch spares OpenSSL 3 a
// lookup in its provider store for every file.
struct Digests {
  MdPtr sha256{EVP_MD_fetch(nullptr, "SHA2-256", nullptr)};
  MdPtr sha512{EVP_MD_fetch(nullptr, "SHA2-512", nullptr)};
  const EVP_MD* Get(Algorithm a) const {
    return a == Algorithm::kSha256 ? sha256.get() : sha512.get();
  }
};

std::string ToHex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (unsigned i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return hex;
}

// FileHasher hashes one file at a time; each pool thread owns one.
class FileHasher {
 public:
  FileHasher(const Digests& digests, const std::function<bool()>& cancelled)
      : digests_(digests),
        cancelled_(cancelled),
        ctx_(EVP_MD_CTX_new()),
        buffer_(new char[kBufferSize]) {}

  /// was_cancelled tells whether a Hash stopped because the task is being cancelled.
  bool was_cancelled() const { return was_cancelled_; }

  HashResult Hash(const HashJob& job) {
    HashResult r;
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
    int fd = open(job.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      r.missing = errno == ENOENT;
      r.error = std::strerror(errno);
      return r;
    }
    Digest(fd, job.algorithm, &r);
    close(fd);
    return r;
  }

 private:
  void Digest(int fd, Algorithm algorithm, HashResult* r) {
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      r->error = std::strerror(errno);
      return;
    }
    // A FIFO or a device could be read forever; sha256sum's users never mean one.
    if (!S_ISREG(st.st_mode)) {
      r->error = "not a regular file";
      return;
    }
    if (st.st_size > static_cast<off_t>(kBufferSize))
      posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    const EVP_MD* md = digests_.Get(algorithm);
    if (!ctx_ || !md || !EVP_DigestInit_ex2(ctx_.get(), md, nullptr)) {
      r->error = "OpenSSL cannot compute " + std::string(AlgorithmName(algorithm));
      return;
    }
    for (size_t buffers = 1;; ++buffers) {
      if (buffers % kBuffersPerCancelCheck == 0 && cancelled_ && cancelled_()) {
        was_cancelled_ = true;
        r->error = "cancelled";
        return;
      }
      ssize_t n = read(fd, buffer_.get(), kBufferSize);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        r->error = std::strerror(errno);
        return;
      }
      EVP_DigestUpdate(ctx_.get(), buffer_.get(), static_cast<size_t>(n));
      r->size += static_cast<uint64_t>(n);
      // A short read that reaches the size fstat saw is the end: skipping the
      // read() that would return 0 saves a fifth of the system calls per small file.
      if (static_cast<size_t>(n) < kBufferSize && r->size == static_cast<uint64_t>(st.st_size)) {
        break;
      }
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    r->hex = ToHex(digest, size);
  }

  const Digests& digests_;
  const std::function<bool()>& cancelled_;
  bool was_cancelled_ = false;
  MdCtxPtr ctx_;
  std::unique_ptr<char[]> buffer_;
};

}  // namespace

std::string_view AlgorithmName(Algorithm algorithm) {
  return algorithm == Algorithm::kSha256 ? "sha256" : "sha512";
}

size_t HexLength(Algorithm algorithm) { return algorithm == Algorithm::kSha256 ? 64 : 128; }

std::optional<Algorithm> AlgorithmForHexLength(size_t length) {
  if (length == 64) return Algorithm::kSha256;
  if (length == 128) return Algorithm::kSha512;
  return std::nullopt;
}

std::string HashText(std::string_view data, Algorithm algorithm) {
  Digests digests;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (!ctx || !digests.Get(algorithm) ||
      !EVP_DigestInit_ex2(ctx.get(), digests.Get(algorithm), nullptr) ||
      !EVP_DigestUpdate(ctx.get(), data.data(), data.size()) ||
      !EVP_DigestFinal_ex(ctx.get(), digest, &size)) {
    throw std::runtime_error("OpenSSL cannot compute " + std::string(AlgorithmName(algorithm)));
  }
  return ToHex(digest, size);
}

HashOutcome HashFiles(const std::vector<HashJob>& jobs, const std::function<bool()>& cancelled,
                      unsigned threads) {
  HashOutcome outcome;
  outcome.results.resize(jobs.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, jobs.size()));

  Digests digests;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> out_of_memory{false};
  // Each thread takes the next unclaimed file until none is left: big and
  // small files balance themselves across the pool.
  auto work = [&] {
    try {
      FileHasher hasher(digests, cancelled);
      for (size_t i; !stop.load(std::memory_order_relaxed) && (i = next++) < jobs.size();) {
        if (cancelled && cancelled()) {
          stop = true;
          break;
        }
        outcome.results[i] = hasher.Hash(jobs[i]);
        if (hasher.was_cancelled()) stop = true;
      }
    } catch (const std::bad_alloc&) {
      out_of_memory = true;  // rethrown below, on the caller's thread
      stop = true;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer threads than asked for is still correct
    }
  }
  work();  // the calling thread is the pool's first member
  for (std::thread& t : pool) t.join();
  if (out_of_memory) throw std::bad_alloc();
  outcome.cancelled = stop.load();
  return outcome;
}

}  // namespace taskr::checksum
