// The `${{ … }}` expression language of pipeline.toml, modelled on GitHub
// Actions expressions: literals (null, true, false, numbers, 'strings'),
// context paths (`matrix.service`, `needs.image.outputs['ref']`, `env.HOME`),
// operators `! < <= > >= == != && ||` and `( )`, and the functions
// success() failure() always() cancelled() contains() startsWith() endsWith()
// format() join() toJSON() fromJSON().
//
//   ExprError error;
//   std::optional<Template> t = Template::Parse("img:${{ matrix.tag }}", &error);
//   Result<std::string> s = t->Render(scope);
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/base/status.h"
#include "runner/model/value.h"

namespace taskr {

/// ExprError is a parse error: `offset` is the 0-based byte offset of the
/// offending token within the text handed to Parse.
struct ExprError {
  size_t offset = 0;
  std::string message;
};

/// ContextRef is one use of a context in an expression: its root (`matrix`),
/// the literal member names after it (`service`), and where the root starts.
/// A computed member (`matrix[x]`) ends the path.
struct ContextRef {
  std::string root;
  std::vector<std::string> path;
  size_t offset = 0;
};

/// ExprScope supplies what an expression may read while it is evaluated.
class ExprScope {
 public:
  virtual ~ExprScope() = default;
  /// Context returns the root context `name` (an object), or nullptr; a missing
  /// context evaluates to null.
  virtual const Value* Context(std::string_view name) const = 0;
  /// Success is success(): every task this one needs succeeded.
  virtual bool Success() const { return true; }
  /// Failure is failure(): a task this one needs, directly or not, failed.
  virtual bool Failure() const { return false; }
  /// Cancelled is cancelled(): the run is being cancelled.
  virtual bool Cancelled() const { return false; }
};

namespace internal {
struct ExprNode;
}

/// Expr is a parsed expression. Copies share the immutable syntax tree.
class Expr {
 public:
  /// Parse parses `text` (the inside of `${{ }}`, or a bare `if` condition).
  /// On failure it returns nullopt and fills `error`.
  static std::optional<Expr> Parse(std::string_view text, ExprError* error);

  /// Evaluate computes the value; errors are those only evaluation can find
  /// (a bad format() string, fromJSON() of invalid JSON).
  Result<Value> Evaluate(const ExprScope& scope) const;
  /// ForEachRef calls `fn` for every context use, in source order.
  void ForEachRef(const std::function<void(const ContextRef&)>& fn) const;
  /// UsesStatusFunction tells whether success/failure/always/cancelled() appear;
  /// an `if` without one gets an implied `success() &&` as on GitHub.
  bool UsesStatusFunction() const;
  /// text is the source text as parsed.
  const std::string& text() const { return text_; }

 private:
  friend class Template;
  /// ParseAt is Parse for text found `base` bytes into a larger text (a
  /// template); error offsets, also those inside messages, are relative to that.
  static std::optional<Expr> ParseAt(std::string_view text, size_t base, ExprError* error);

  std::string text_;
  std::shared_ptr<const internal::ExprNode> root_;
};

/// Template is a string that may embed `${{ expr }}` parts.
class Template {
 public:
  Template() = default;
  /// Parse splits `text` into literal and expression parts; error offsets are
  /// relative to `text`. An unterminated `${{` is an error.
  static std::optional<Template> Parse(std::string_view text, ExprError* error);

  /// is_literal tells whether the text has no expression at all.
  bool is_literal() const { return parts_.empty(); }
  /// Evaluate: a template that is exactly one `${{ expr }}` (spaces around it
  /// allowed) gives the expression's typed value; otherwise the concatenated
  /// string, each expression rendered with Value::ToString.
  Result<Value> Evaluate(const ExprScope& scope) const;
  /// Render is Evaluate followed by Value::ToString.
  Result<std::string> Render(const ExprScope& scope) const;
  /// ForEachRef calls `fn` for every context use; offsets are relative to text().
  void ForEachRef(const std::function<void(const ContextRef&)>& fn) const;
  /// UsesStatusFunction: as Expr::UsesStatusFunction, over every part.
  bool UsesStatusFunction() const;
  const std::string& text() const { return text_; }

 private:
  struct Part {
    size_t begin = 0;  // offset of "${{" in text_
    size_t end = 0;    // offset just past "}}"
    Expr expr;
  };
  std::string text_;
  std::vector<Part> parts_;  // expression parts in order; literal text lies between them
};

}  // namespace taskr
