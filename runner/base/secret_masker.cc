#include "runner/base/secret_masker.h"

#include <algorithm>

namespace taskr {

SecretMasker::SecretMasker(const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    patterns_.push_back(secret);
    if (secret.find('\n') == std::string::npos) continue;
    size_t pos = 0;
    while (pos <= secret.size()) {
      size_t nl = secret.find('\n', pos);
      std::string line = secret.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() >= kMinLineLength) patterns_.push_back(line);
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
  std::sort(patterns_.begin(), patterns_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  patterns_.erase(std::unique(patterns_.begin(), patterns_.end()), patterns_.end());
}

std::string SecretMasker::Mask(std::string_view text) const {
  std::string out(text);
  for (const auto& p : patterns_) {
    for (size_t pos = out.find(p); pos != std::string::npos; pos = out.find(p, pos + 3)) {
      out.replace(pos, p.size(), "***");
    }
  }
  return out;
}

size_t SecretMasker::HeldBackLength(std::string_view text) const {
  size_t best = 0;
  for (const auto& p : patterns_) {
    size_t longest = std::min(p.size() - 1, text.size());
    for (size_t k = longest; k > best; --k) {
      if (text.substr(text.size() - k) == std::string_view(p).substr(0, k)) {
        best = k;
        break;
      }
    }
  }
  return best;
}

std::string SecretMasker::Stream::Write(std::string_view chunk) {
  if (masker_->empty()) return std::string(chunk);
  held_ += chunk;
  std::string masked = masker_->Mask(held_);
  size_t keep = masker_->HeldBackLength(masked);
  held_ = masked.substr(masked.size() - keep);
  masked.resize(masked.size() - keep);
  return masked;
}

std::string SecretMasker::Stream::Flush() {
  std::string rest = masker_->Mask(held_);
  held_.clear();
  return rest;
}

}  // namespace taskr
