#include "runner/model/json.h"

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace taskr {
namespace {

/// ValueBuilder assembles a Value from nlohmann's SAX events. It keeps the open
/// arrays and objects on a stack rather than recursing, and never builds an
/// nlohmann::json, so a document costs one tree, not two.
class ValueBuilder {
 public:
  using Json = nlohmann::json;

  bool null() { return Add(Value()); }
  bool boolean(bool b) { return Add(Value(b)); }
  bool number_integer(Json::number_integer_t n) { return Add(Value(static_cast<double>(n))); }
  bool number_unsigned(Json::number_unsigned_t n) { return Add(Value(static_cast<double>(n))); }
  bool number_float(Json::number_float_t n, const std::string& /*text*/) { return Add(Value(n)); }
  bool string(std::string& s) { return Add(Value(std::move(s))); }
  // Only nlohmann's binary formats (CBOR, MessagePack, ...) produce binary values.
  bool binary(Json::binary_t& /*bytes*/) { return false; }
  bool start_object(size_t /*size*/) { return Open(/*is_object=*/true); }
  bool key(std::string& name) {
    open_.back().key = std::move(name);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(size_t /*size*/) { return Open(/*is_object=*/false); }
  bool end_array() { return Close(); }

  bool parse_error(size_t byte, const std::string& /*token*/, const Json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 2: syntax error ..."; keep the part after the position, which
    // this message states once, as a byte.
    std::string_view what = e.what();
    if (size_t end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
    if (what.starts_with("parse error")) {
      if (size_t end = what.find(": "); end != std::string_view::npos) what.remove_prefix(end + 2);
    }
    error_ = "invalid JSON at byte " + std::to_string(byte) + ": " + std::string(what);
    return false;
  }

  /// Finish returns the document once the parser has accepted it, else the error.
  Result<Value> Finish(bool accepted) && {
    if (!accepted) return Status::Error(std::move(error_));
    return std::move(root_);
  }

 private:
  /// Container is an array or object still being read.
  struct Container {
    bool is_object = false;
    ValueArray array;
    ValueObject object;
    std::string key;  // the member whose value comes next
  };

  /// Add places a scalar that starts at the current depth.
  bool Add(Value value) {
    if (!CheckDepth()) return false;
    Attach(std::move(value));
    return true;
  }

  bool Open(bool is_object) {
    if (!CheckDepth()) return false;
    open_.emplace_back().is_object = is_object;
    return true;
  }

  bool Close() {
    Container done = std::move(open_.back());
    open_.pop_back();
    Value value = done.is_object ? Value(std::move(done.object)) : Value(std::move(done.array));
    Attach(std::move(value));
    return true;
  }

  /// CheckDepth fails when a value starting now would nest too deeply.
  bool CheckDepth() {
    if (open_.size() <= kMaxJsonDepth) return true;
    error_ = "JSON is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep";
    return false;
  }

  /// Attach stores `value` as the next element or member, or as the root.
  void Attach(Value value) {
    if (open_.empty()) {
      root_ = std::move(value);
    } else if (Container& parent = open_.back(); parent.is_object) {
      parent.object.insert_or_assign(std::move(parent.key), std::move(value));
    } else {
      parent.array.push_back(std::move(value));
    }
  }

  std::vector<Container> open_;
  Value root_;
  std::string error_;
};

}  // namespace

Result<Value> ParseJson(std::string_view text) {
  ValueBuilder builder;
  bool accepted = nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
  return std::move(builder).Finish(accepted);
}

}  // namespace taskr
