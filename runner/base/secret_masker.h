// SecretMasker replaces secret values with "***" in text taskr writes.
//
//   SecretMasker masker({"hunter2"});
//   masker.Mask("pw=hunter2");                  // "pw=***"
//   SecretMasker::Stream s(masker);
//   s.Write("pw=hun") + s.Write("ter2\n") + s.Flush();  // "pw=***\n"
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace taskr {

/// SecretMasker knows the secret values of a run. A multi-line value is also
/// masked line by line (as GitHub's add-mask does), except lines shorter than
/// kMinLineLength, which would mask ordinary text such as "{" or "}".
class SecretMasker {
 public:
  static constexpr size_t kMinLineLength = 3;

  SecretMasker() = default;
  explicit SecretMasker(const std::vector<std::string>& secrets);

  /// Mask replaces every secret in `text` with "***", longest secrets first.
  std::string Mask(std::string_view text) const;
  /// empty is true when there is nothing to mask.
  bool empty() const { return patterns_.empty(); }
  /// patterns lists what is masked: each secret and each line of a multi-line one.
  const std::vector<std::string>& patterns() const { return patterns_; }

  /// Stream masks text written in pieces, such as a child's output: a secret
  /// split across two writes is still masked. It holds back only a tail that
  /// could be the start of a secret.
  class Stream {
   public:
    explicit Stream(const SecretMasker& masker) : masker_(&masker) {}
    /// Write returns the masked text that is safe to pass on now.
    std::string Write(std::string_view chunk);
    /// Flush returns whatever was held back; call it when the stream ends.
    std::string Flush();

   private:
    const SecretMasker* masker_;
    std::string held_;
  };

 private:
  // HeldBackLength is the length of the longest suffix of `text` that is a
  // proper prefix of some pattern.
  size_t HeldBackLength(std::string_view text) const;

  std::vector<std::string> patterns_;  // longest first
};

}  // namespace taskr
