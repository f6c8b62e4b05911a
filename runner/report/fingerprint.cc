#include "runner/report/fingerprint.h"

#include <fmt/core.h>

#include <array>
#include <cstdint>
#include <unordered_map>
#include <utility>

namespace taskr {

namespace {

// A line's hash covers this many characters from its first non-blank one on, running
// on into the lines after it.
constexpr int kBlockSize = 100;
constexpr std::uint64_t kMod = 37;
// fingerprints.ts feeds this after the last character (so a U+FFFF in the file is
// indistinguishable from the end), then zeros.
constexpr char16_t kEndOfFile = 0xFFFF;
constexpr char16_t kReplacement = 0xFFFD;

/// FirstMod is 37^kBlockSize in 64-bit wrapping arithmetic (Long in fingerprints.ts):
/// the weight of the character about to leave the window.
constexpr std::uint64_t FirstMod() {
  std::uint64_t first_mod = 1;
  for (int i = 0; i < kBlockSize; ++i) first_mod *= kMod;
  return first_mod;
}
constexpr std::uint64_t kFirstMod = FirstMod();

/// Utf16Decoder turns UTF-8 into the UTF-16 code units that JavaScript's charCodeAt
/// sees once Node has decoded the file: a code point above U+FFFF is a surrogate pair,
/// and each maximal invalid subsequence is one U+FFFD (the WHATWG decoder, which V8 uses).
template <typename Emit>
class Utf16Decoder {
 public:
  explicit Utf16Decoder(Emit emit) : emit_(std::move(emit)) {}

  void Decode(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
      if (Take(static_cast<unsigned char>(text[i]))) ++i;
    }
    if (needed_ != 0) emit_(kReplacement);
  }

 private:
  /// Take consumes `byte` and returns true, or returns false when `byte` ended a broken
  /// sequence and must be read again as the start of a new one.
  bool Take(unsigned char byte) {
    if (needed_ == 0) {
      Start(byte);
      return true;
    }
    if (byte < lower_ || byte > upper_) {
      needed_ = 0;
      emit_(kReplacement);
      return false;
    }
    lower_ = 0x80;
    upper_ = 0xBF;
    code_point_ = (code_point_ << 6) | (byte & 0x3F);
    if (--needed_ == 0) EmitCodePoint();
    return true;
  }

  /// Start begins a sequence at lead byte `byte`; the bounds keep out overlong forms,
  /// surrogates and code points past U+10FFFF.
  void Start(unsigned char byte) {
    lower_ = 0x80;
    upper_ = 0xBF;
    if (byte < 0x80) {
      emit_(static_cast<char16_t>(byte));
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      needed_ = 1;
      code_point_ = byte & 0x1F;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      needed_ = 2;
      code_point_ = byte & 0x0F;
      if (byte == 0xE0) lower_ = 0xA0;
      if (byte == 0xED) upper_ = 0x9F;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      needed_ = 3;
      code_point_ = byte & 0x07;
      if (byte == 0xF0) lower_ = 0x90;
      if (byte == 0xF4) upper_ = 0x8F;
    } else {
      emit_(kReplacement);
    }
  }

  void EmitCodePoint() {
    if (code_point_ < 0x10000) {
      emit_(static_cast<char16_t>(code_point_));
      return;
    }
    char32_t offset = code_point_ - 0x10000;
    emit_(static_cast<char16_t>(0xD800 + (offset >> 10)));
    emit_(static_cast<char16_t>(0xDC00 + (offset & 0x3FF)));
  }

  Emit emit_;
  char32_t code_point_ = 0;
  int needed_ = 0;  // continuation bytes still to come; 0 between sequences
  unsigned char lower_ = 0x80;
  unsigned char upper_ = 0xBF;
};

/// LineHasher is the state of fingerprints.ts's hash(): a window of the last kBlockSize
/// characters fed, their rolling hash, and which of them began a line.
class LineHasher {
 public:
  /// Feed is processCharacter: it skips spaces, tabs and the LF of a CRLF (any other
  /// character, even a blank, between CR and LF makes them two line endings), and
  /// hashes a CR as LF.
  void Feed(char16_t c) {
    if (c == u' ' || c == u'\t' || (prev_cr_ && c == u'\n')) {
      prev_cr_ = false;
      return;
    }
    prev_cr_ = c == u'\r';
    if (prev_cr_) c = u'\n';
    EmitIfLineStart();
    if (line_start_) starts_line_[index_] = true;
    line_start_ = c == u'\n';
    Push(c);
  }

  /// Finish feeds the end-of-file marker, which begins a line of its own after a final
  /// line ending, then zeros until every line has left the window.
  std::vector<std::string> Finish() && {
    Feed(kEndOfFile);
    for (int i = 0; i < kBlockSize; ++i) {
      EmitIfLineStart();
      Push(0);
    }
    return std::move(hashes_);
  }

 private:
  /// EmitIfLineStart appends a line's hash when its first character is about to leave
  /// the window, which then holds exactly the kBlockSize characters from it on. Lines
  /// enter and leave the window in order, so hashes_[i] is line i + 1.
  void EmitIfLineStart() {
    if (!starts_line_[index_]) return;
    starts_line_[index_] = false;
    int seen = ++counts_[hash_];
    hashes_.push_back(fmt::format("{:x}:{}", hash_, seen));
  }

  void Push(char16_t c) {
    hash_ = kMod * hash_ + c - kFirstMod * window_[index_];
    window_[index_] = c;
    index_ = (index_ + 1) % kBlockSize;
  }

  std::array<char16_t, kBlockSize> window_{};
  std::array<bool, kBlockSize> starts_line_{};
  int index_ = 0;  // the oldest character in the window, and the next to be replaced
  std::uint64_t hash_ = 0;
  bool line_start_ = true;  // the next character fed begins a line
  bool prev_cr_ = false;
  // How often each hash has been emitted so far: the ":n" suffix. The hex text is
  // one-to-one with the number, so counting numbers counts what fingerprints.ts counts.
  std::unordered_map<std::uint64_t, int> counts_;
  std::vector<std::string> hashes_;
};

}  // namespace

std::vector<std::string> LineHashes(std::string_view content) {
  LineHasher hasher;
  Utf16Decoder decoder([&hasher](char16_t c) { hasher.Feed(c); });
  decoder.Decode(content);
  return std::move(hasher).Finish();
}

}  // namespace taskr
