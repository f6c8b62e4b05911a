#include "runner/model/expr.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <utility>

#include "runner/model/json.h"

namespace taskr {
namespace internal {

/// Function is a built-in function of the expression language.
enum class Function {
  kSuccess,
  kFailure,
  kAlways,
  kCancelled,
  kContains,
  kStartsWith,
  kEndsWith,
  kFormat,
  kJoin,
  kToJson,
  kFromJson,
};

/// ExprNode is one node of the immutable syntax tree.
struct ExprNode {
  enum class Kind {
    kLiteral,  // `value`
    kContext,  // the root context `name`, written at `offset`
    kIndex,    // operands[0][operands[1]]; `a.b` is a['b']
    kFilter,   // operands[0].* (or operands[0][*])
    kNot,      // !operands[0]
    kAnd,      // operands[0] && operands[1] && ...
    kOr,       // operands[0] || operands[1] || ...
    // The comparisons: operands[0] == operands[1], and so on.
    kEqual,
    kNotEqual,
    kLess,
    kLessEqual,
    kGreater,
    kGreaterEqual,
    kCall,  // function(operands...), its name written at `offset`
  };

  Kind kind = Kind::kLiteral;
  Value value;
  std::string name;
  size_t offset = 0;
  Function function = Function::kAlways;
  std::vector<ExprNode> operands;
  // Longest path to a leaf, counting this node. The parser bounds it so that the
  // recursive walks over the tree cannot exhaust the stack.
  size_t height = 1;
};

}  // namespace internal

namespace {

using internal::ExprNode;
using internal::Function;
using NodeKind = ExprNode::Kind;

/// kMaxDepth bounds both the nesting of `( [` and function arguments and the
/// height of the syntax tree; real expressions stay far below it.
constexpr size_t kMaxDepth = 64;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentifierStart(char c) { return IsLetter(c) || c == '_'; }
bool IsIdentifierChar(char c) { return IsIdentifierStart(c) || IsDigit(c) || c == '-'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsBlank(std::string_view s) { return std::all_of(s.begin(), s.end(), IsSpace); }

std::string Quote(std::string_view s) {
  std::string out;  // not "'" + s + "'": g++ 12 -O3 warns falsely (-Wrestrict, GCC bug 105329)
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

/// CharacterAt is the whole UTF-8 sequence starting at `offset`, for messages.
std::string_view CharacterAt(std::string_view text, size_t offset) {
  const auto lead = static_cast<unsigned char>(text[offset]);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return text.substr(offset, length);
}

void SetError(ExprError* error, size_t offset, std::string message) {
  if (error != nullptr) *error = ExprError{offset, std::move(message)};
}

/// ErrorSink records a parse error; `base` is where the parsed text starts
/// within the text that error offsets refer to.
struct ErrorSink {
  ExprError* error;
  size_t base;

  bool Fail(size_t offset, std::string message) const {
    SetError(error, base + offset, std::move(message));
    return false;
  }
};

// ---------------------------------------------------------------------------
// Tokens

enum class TokenKind {
  kEnd,
  kNumber,
  kString,
  kIdentifier,
  kDot,
  kStar,
  kOpenBracket,
  kCloseBracket,
  kOpenParen,
  kCloseParen,
  kComma,
  kNot,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kAnd,
  kOr,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  std::string_view text;  // as written; empty for kEnd
  Value value;            // kNumber and kString: the literal's value
};

std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "the end of the expression";
    case TokenKind::kString:
      return "string " + std::string(token.text);
    default:
      return Quote(token.text);
  }
}

/// Tokenizer splits expression text into tokens, the last one kEnd.
class Tokenizer {
 public:
  Tokenizer(std::string_view text, ErrorSink errors) : text_(text), errors_(errors) {}

  bool Run(std::vector<Token>* tokens) {
    TokenKind previous = TokenKind::kEnd;
    for (;;) {
      while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
      Token token;
      token.offset = pos_;
      if (pos_ == text_.size()) {
        tokens->push_back(token);
        return true;
      }
      if (!Read(previous, &token)) return false;
      previous = token.kind;
      tokens->push_back(std::move(token));
    }
  }

 private:
  bool Read(TokenKind previous, Token* token) {
    const char c = text_[pos_];
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    switch (c) {
      case '\'':
        return ReadString(token);
      case '.':
        // `.5` is a number where an operand may start; after one, `.` is member access.
        if (IsDigit(next) && !EndsOperand(previous)) return ReadNumber(token);
        return Symbol(TokenKind::kDot, 1, token);
      case '*':
        return Symbol(TokenKind::kStar, 1, token);
      case '[':
        return Symbol(TokenKind::kOpenBracket, 1, token);
      case ']':
        return Symbol(TokenKind::kCloseBracket, 1, token);
      case '(':
        return Symbol(TokenKind::kOpenParen, 1, token);
      case ')':
        return Symbol(TokenKind::kCloseParen, 1, token);
      case ',':
        return Symbol(TokenKind::kComma, 1, token);
      case '!':
        return next == '=' ? Symbol(TokenKind::kNotEqual, 2, token)
                           : Symbol(TokenKind::kNot, 1, token);
      case '<':
        return next == '=' ? Symbol(TokenKind::kLessEqual, 2, token)
                           : Symbol(TokenKind::kLess, 1, token);
      case '>':
        return next == '=' ? Symbol(TokenKind::kGreaterEqual, 2, token)
                           : Symbol(TokenKind::kGreater, 1, token);
      case '=':
        if (next == '=') return Symbol(TokenKind::kEqual, 2, token);
        break;
      case '&':
        if (next == '&') return Symbol(TokenKind::kAnd, 2, token);
        break;
      case '|':
        if (next == '|') return Symbol(TokenKind::kOr, 2, token);
        break;
      default:
        if (IsDigit(c) || c == '-') return ReadNumber(token);
        if (IsIdentifierStart(c)) return ReadIdentifier(token);
        break;
    }
    return errors_.Fail(pos_, "unexpected character " + Quote(CharacterAt(text_, pos_)));
  }

  static bool EndsOperand(TokenKind kind) {
    switch (kind) {
      case TokenKind::kNumber:
      case TokenKind::kString:
      case TokenKind::kIdentifier:
      case TokenKind::kStar:
      case TokenKind::kCloseBracket:
      case TokenKind::kCloseParen:
        return true;
      default:
        return false;
    }
  }

  bool Symbol(TokenKind kind, size_t length, Token* token) {
    token->kind = kind;
    token->text = text_.substr(pos_, length);
    pos_ += length;
    return true;
  }

  bool ReadString(Token* token) {
    std::string value;
    for (size_t i = pos_ + 1; i < text_.size(); ++i) {
      if (text_[i] != '\'') {
        value += text_[i];
      } else if (i + 1 < text_.size() && text_[i + 1] == '\'') {
        value += '\'';
        ++i;
      } else {
        token->kind = TokenKind::kString;
        token->text = text_.substr(pos_, i + 1 - pos_);
        token->value = Value(std::move(value));
        pos_ = i + 1;
        return true;
      }
    }
    return errors_.Fail(pos_, "unterminated string");
  }

  // A number runs over letters, digits, `_` and `.` (and a sign after an
  // exponent's `e`); Value::ToNumber decides whether the run is a number, so
  // literals and coerced strings follow the same rules.
  bool ReadNumber(Token* token) {
    size_t end = pos_ + 1;
    for (; end < text_.size(); ++end) {
      const char c = text_[end];
      const char before = text_[end - 1];
      const bool exponent_sign = (c == '+' || c == '-') && (before == 'e' || before == 'E');
      if (!IsLetter(c) && !IsDigit(c) && c != '_' && c != '.' && !exponent_sign) break;
    }
    const std::string_view text = text_.substr(pos_, end - pos_);
    const double number = Value(text).ToNumber();
    if (std::isnan(number)) return errors_.Fail(pos_, "invalid number " + Quote(text));
    token->kind = TokenKind::kNumber;
    token->text = text;
    token->value = Value(number);
    pos_ = end;
    return true;
  }

  bool ReadIdentifier(Token* token) {
    size_t end = pos_ + 1;
    while (end < text_.size() && IsIdentifierChar(text_[end])) ++end;
    token->kind = TokenKind::kIdentifier;
    token->text = text_.substr(pos_, end - pos_);
    pos_ = end;
    return true;
  }

  std::string_view text_;
  ErrorSink errors_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Functions

/// FunctionSpec describes a built-in function: its name as documented (calls
/// match it ignoring case) and how many arguments it takes.
struct FunctionSpec {
  std::string_view name;
  Function function;
  size_t min_args;
  size_t max_args;
};

constexpr size_t kUnlimited = std::numeric_limits<size_t>::max();

// clang-format off
constexpr FunctionSpec kFunctions[] = {
    {"success",    Function::kSuccess,    0, 0},
    {"failure",    Function::kFailure,    0, 0},
    {"always",     Function::kAlways,     0, 0},
    {"cancelled",  Function::kCancelled,  0, 0},
    {"contains",   Function::kContains,   2, 2},
    {"startsWith", Function::kStartsWith, 2, 2},
    {"endsWith",   Function::kEndsWith,   2, 2},
    {"format",     Function::kFormat,     1, kUnlimited},
    {"join",       Function::kJoin,       1, 2},
    {"toJSON",     Function::kToJson,     1, 1},
    {"fromJSON",   Function::kFromJson,   1, 1},
};
// clang-format on

const FunctionSpec* FindFunction(std::string_view name) {
  for (const FunctionSpec& spec : kFunctions) {
    if (internal::CompareIgnoreCase(spec.name, name) == 0) return &spec;
  }
  return nullptr;
}

bool IsStatusFunction(Function function) {
  return function == Function::kSuccess || function == Function::kFailure ||
         function == Function::kAlways || function == Function::kCancelled;
}

std::string CountArguments(size_t n) {
  return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

std::string ArityMessage(const FunctionSpec& spec, size_t given) {
  std::string takes;
  if (spec.min_args == spec.max_args) {
    takes = CountArguments(spec.min_args);
  } else if (spec.max_args == kUnlimited) {
    takes = "at least " + CountArguments(spec.min_args);
  } else {
    takes = std::to_string(spec.min_args) + " or " + CountArguments(spec.max_args);
  }
  return std::string(spec.name) + "() takes " + takes + ", not " + std::to_string(given);
}

// ---------------------------------------------------------------------------
// Parser

struct BinaryOperator {
  int precedence;  // higher binds tighter
  NodeKind kind;
};

std::optional<BinaryOperator> AsBinaryOperator(TokenKind kind) {
  switch (kind) {
    case TokenKind::kOr:
      return BinaryOperator{1, NodeKind::kOr};
    case TokenKind::kAnd:
      return BinaryOperator{2, NodeKind::kAnd};
    case TokenKind::kEqual:
      return BinaryOperator{3, NodeKind::kEqual};
    case TokenKind::kNotEqual:
      return BinaryOperator{3, NodeKind::kNotEqual};
    case TokenKind::kLess:
      return BinaryOperator{4, NodeKind::kLess};
    case TokenKind::kLessEqual:
      return BinaryOperator{4, NodeKind::kLessEqual};
    case TokenKind::kGreater:
      return BinaryOperator{4, NodeKind::kGreater};
    case TokenKind::kGreaterEqual:
      return BinaryOperator{4, NodeKind::kGreaterEqual};
    default:
      return std::nullopt;
  }
}

ExprNode MakeLiteral(Value value) {
  ExprNode node;
  node.value = std::move(value);
  return node;
}

/// Parser builds the syntax tree from tokens. Grammar, loosest first:
///   or := and ('||' and)*       and := equality ('&&' equality)*
///   equality := comparison (('==' | '!=') comparison)*
///   comparison := unary (('<' | '<=' | '>' | '>=') unary)*
///   unary := '!'* postfix       postfix := primary ('.' name | '.*' | '[' (expr | '*') ']')*
///   primary := literal | context | function '(' args ')' | '(' expr ')'
class Parser {
 public:
  Parser(const std::vector<Token>& tokens, ErrorSink errors) : tokens_(tokens), errors_(errors) {}

  std::optional<ExprNode> Parse() {
    ExprNode root;
    if (!ParseBinary(1, &root)) return std::nullopt;
    if (Peek().kind != TokenKind::kEnd) {
      Fail(Peek().offset,
           "expected an operator or the end of the expression, found " + Describe(Peek()));
      return std::nullopt;
    }
    return root;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Take() { return tokens_[pos_++]; }

  bool Fail(size_t offset, std::string message) { return errors_.Fail(offset, std::move(message)); }

  bool FailUnclosed(char closer, const Token& opener) {
    return Fail(Peek().offset, std::string("expected '") + closer + "' to close '" +
                                   std::string(opener.text) + "' at offset " +
                                   std::to_string(errors_.base + opener.offset));
  }

  bool FailExpectedExpression() {
    const Token& token = Peek();
    if (pos_ == 0) {
      return Fail(token.offset, token.kind == TokenKind::kEnd ? "empty expression"
                                                              : "unexpected " + Describe(token));
    }
    return Fail(token.offset, "expected an expression after " + Quote(tokens_[pos_ - 1].text));
  }

  /// Adopt appends `child` to `parent`'s operands, keeping the tree within kMaxDepth.
  bool Adopt(ExprNode* parent, ExprNode child, size_t offset) {
    parent->height = std::max(parent->height, child.height + 1);
    parent->operands.push_back(std::move(child));
    if (parent->height > kMaxDepth) return Fail(offset, "expression is nested too deeply");
    return true;
  }

  /// Wrap replaces `*node` by a new `kind` node whose first operand it is.
  bool Wrap(ExprNode* node, NodeKind kind, size_t offset) {
    ExprNode parent;
    parent.kind = kind;
    if (!Adopt(&parent, std::move(*node), offset)) return false;
    *node = std::move(parent);
    return true;
  }

  /// ParseNested parses a whole expression inside `( )`, `[ ]` or arguments.
  bool ParseNested(const Token& opener, ExprNode* out) {
    if (depth_ == kMaxDepth) return Fail(opener.offset, "expression is nested too deeply");
    ++depth_;
    const bool ok = ParseBinary(1, out);
    --depth_;
    return ok;
  }

  /// ParseBinary parses operators of at least `min_precedence`, left to right;
  /// chains of `&&` or `||` become one node.
  bool ParseBinary(int min_precedence, ExprNode* out) {
    if (!ParseUnary(out)) return false;
    for (;;) {
      const Token& op = Peek();
      const std::optional<BinaryOperator> binary = AsBinaryOperator(op.kind);
      if (!binary || binary->precedence < min_precedence) return true;
      ++pos_;
      ExprNode right;
      if (!ParseBinary(binary->precedence + 1, &right)) return false;
      const bool chained = (binary->kind == NodeKind::kAnd || binary->kind == NodeKind::kOr) &&
                           out->kind == binary->kind;
      if (!chained && !Wrap(out, binary->kind, op.offset)) return false;
      if (!Adopt(out, std::move(right), op.offset)) return false;
    }
  }

  bool ParseUnary(ExprNode* out) {
    const size_t offset = Peek().offset;
    size_t nots = 0;
    for (; Peek().kind == TokenKind::kNot; ++pos_) ++nots;
    if (!ParsePostfix(out)) return false;
    for (; nots > 0; --nots) {
      if (!Wrap(out, NodeKind::kNot, offset)) return false;
    }
    return true;
  }

  bool ParsePostfix(ExprNode* out) {
    if (!ParsePrimary(out)) return false;
    for (;;) {
      const Token& token = Peek();
      if (token.kind == TokenKind::kDot) {
        ++pos_;
        const Token& member = Take();
        if (member.kind == TokenKind::kStar) {
          if (!Wrap(out, NodeKind::kFilter, member.offset)) return false;
        } else if (member.kind == TokenKind::kIdentifier) {
          if (!Wrap(out, NodeKind::kIndex, member.offset) ||
              !Adopt(out, MakeLiteral(Value(member.text)), member.offset)) {
            return false;
          }
        } else {
          return Fail(member.offset, "expected a property name or '*' after '.'");
        }
      } else if (token.kind == TokenKind::kOpenBracket) {
        ++pos_;
        if (!ParseIndex(token, out)) return false;
      } else {
        return true;
      }
    }
  }

  /// ParseIndex parses what follows the `[` token `opener`.
  bool ParseIndex(const Token& opener, ExprNode* out) {
    if (Peek().kind == TokenKind::kStar) {
      ++pos_;
      if (!Wrap(out, NodeKind::kFilter, opener.offset)) return false;
    } else {
      ExprNode index;
      if (!ParseNested(opener, &index)) return false;
      if (!Wrap(out, NodeKind::kIndex, opener.offset) ||
          !Adopt(out, std::move(index), opener.offset)) {
        return false;
      }
    }
    if (Peek().kind != TokenKind::kCloseBracket) return FailUnclosed(']', opener);
    ++pos_;
    return true;
  }

  bool ParsePrimary(ExprNode* out) {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kNumber:
      case TokenKind::kString:
        ++pos_;
        *out = MakeLiteral(token.value);
        return true;
      case TokenKind::kIdentifier:
        ++pos_;
        if (Peek().kind == TokenKind::kOpenParen) return ParseCall(token, out);
        *out = MakeNamed(token);
        return true;
      case TokenKind::kOpenParen:
        ++pos_;
        if (!ParseNested(token, out)) return false;
        if (Peek().kind != TokenKind::kCloseParen) return FailUnclosed(')', token);
        ++pos_;
        return true;
      default:
        return FailExpectedExpression();
    }
  }

  /// MakeNamed makes a keyword literal or, for any other name, a context reference.
  static ExprNode MakeNamed(const Token& name) {
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    if (name.text == "null") return MakeLiteral(Value());
    if (name.text == "true") return MakeLiteral(Value(true));
    if (name.text == "false") return MakeLiteral(Value(false));
    if (name.text == "NaN") return MakeLiteral(Value(std::numeric_limits<double>::quiet_NaN()));
    if (name.text == "Infinity") return MakeLiteral(Value(kInfinity));
    ExprNode node;
    node.kind = NodeKind::kContext;
    node.name = std::string(name.text);
    node.offset = name.offset;
    return node;
  }

  /// ParseCall parses the arguments of the function `name`; the next token is `(`.
  bool ParseCall(const Token& name, ExprNode* out) {
    const FunctionSpec* spec = FindFunction(name.text);
    if (spec == nullptr) return Fail(name.offset, "unknown function " + Quote(name.text));
    const Token& open = Take();
    ExprNode call;
    call.kind = NodeKind::kCall;
    call.function = spec->function;
    call.offset = name.offset;
    if (Peek().kind != TokenKind::kCloseParen) {
      for (;;) {
        ExprNode argument;
        if (!ParseNested(open, &argument)) return false;
        if (!Adopt(&call, std::move(argument), name.offset)) return false;
        if (Peek().kind != TokenKind::kComma) break;
        ++pos_;
      }
    }
    if (Peek().kind != TokenKind::kCloseParen) return FailUnclosed(')', open);
    ++pos_;
    const size_t given = call.operands.size();
    if (given < spec->min_args || given > spec->max_args) {
      return Fail(name.offset, ArityMessage(*spec, given));
    }
    *out = std::move(call);
    return true;
  }

  const std::vector<Token>& tokens_;
  ErrorSink errors_;
  size_t pos_ = 0;
  size_t depth_ = 0;
};

// ---------------------------------------------------------------------------
// Evaluation

bool IsPrimitive(const Value& value) { return !value.is_array() && !value.is_object(); }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         internal::CompareIgnoreCase(s.substr(0, prefix.size()), prefix) == 0;
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         internal::CompareIgnoreCase(s.substr(s.size() - suffix.size()), suffix) == 0;
}

bool ContainsIgnoreCase(std::string_view s, std::string_view part) {
  for (size_t i = 0; i + part.size() <= s.size(); ++i) {
    if (StartsWithIgnoreCase(s.substr(i), part)) return true;
  }
  return false;
}

/// LooseLess is GitHub's `<`: strings ignoring case, anything else as numbers.
bool LooseLess(const Value& a, const Value& b) {
  if (a.is_string() && b.is_string()) {
    return internal::CompareIgnoreCase(a.as_string(), b.as_string()) < 0;
  }
  return a.ToNumber() < b.ToNumber();  // false when either is NaN
}

bool Compare(NodeKind kind, const Value& a, const Value& b) {
  switch (kind) {
    case NodeKind::kEqual:
      return LooseEquals(a, b);
    case NodeKind::kNotEqual:
      return !LooseEquals(a, b);
    case NodeKind::kLess:
      return LooseLess(a, b);
    case NodeKind::kLessEqual:
      return LooseEquals(a, b) || LooseLess(a, b);
    case NodeKind::kGreater:
      return LooseLess(b, a);
    case NodeKind::kGreaterEqual:
      return LooseEquals(a, b) || LooseLess(b, a);
    default:
      return false;
  }
}

/// FindMember looks `key` up as GitHub does: exactly, else ignoring case.
const Value* FindMember(const ValueObject& object, std::string_view key) {
  if (auto it = object.find(key); it != object.end()) return &it->second;
  for (const auto& [name, member] : object) {
    if (internal::CompareIgnoreCase(name, key) == 0) return &member;
  }
  return nullptr;
}

/// Lookup is `container[index]`: an object member named by the index as a
/// string, or an array element at the index as a whole number; nullptr if missing.
const Value* Lookup(const Value& container, const Value& index) {
  if (container.is_object()) {
    if (index.is_string()) return FindMember(container.as_object(), index.as_string());
    if (!IsPrimitive(index)) return nullptr;
    return FindMember(container.as_object(), index.ToString());
  }
  if (container.is_array()) {
    const double n = index.ToNumber();
    const ValueArray& array = container.as_array();
    if (std::isnan(n) || n < 0 || n >= static_cast<double>(array.size())) return nullptr;
    return &array[static_cast<size_t>(n)];
  }
  return nullptr;
}

/// AppendElements appends the elements of an array or the member values of an object.
void AppendElements(const Value& value, ValueArray* out) {
  if (value.is_array()) {
    out->insert(out->end(), value.as_array().begin(), value.as_array().end());
  } else if (value.is_object()) {
    for (const auto& [name, member] : value.as_object()) out->push_back(member);
  }
}

Status FormatError(const std::string& format, std::string problem) {
  return Status::Error("format(): invalid format string " + Quote(format) + ": " +
                       std::move(problem));
}

/// Format is format(): `{N}` is replaced by argument N after the format string,
/// `{{` and `}}` stand for braces.
Result<Value> Format(const std::vector<Value>& args) {
  const std::string format = args[0].ToString();
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    const char next = i + 1 < format.size() ? format[i + 1] : '\0';
    if ((c == '{' || c == '}') && next == c) {
      out += c;
      ++i;
    } else if (c == '}') {
      return FormatError(format, "'}' at position " + std::to_string(i) + " must be written '}}'");
    } else if (c == '{') {
      size_t end = i + 1;
      size_t index = 0;
      // Saturate rather than overflow; any such index is out of range anyway.
      for (; end < format.size() && IsDigit(format[end]); ++end) {
        index = std::min<size_t>(index * 10 + static_cast<size_t>(format[end] - '0'), 1000000);
      }
      if (end == i + 1 || end == format.size() || format[end] != '}') {
        return FormatError(format, "'{' at position " + std::to_string(i) +
                                       " must start a placeholder such as {0} or be written '{{'");
      }
      if (index + 1 >= args.size()) {
        return FormatError(format, format.substr(i, end + 1 - i) + " refers to argument " +
                                       std::to_string(index) + ", but only " +
                                       CountArguments(args.size() - 1) + " followed it");
      }
      out += args[index + 1].ToString();
      i = end;
    } else {
      out += c;
    }
  }
  return Value(std::move(out));
}

/// Join is join(): an array's elements as strings between separators.
Value Join(const std::vector<Value>& args) {
  const Value& items = args[0];
  if (!items.is_array()) return Value(IsPrimitive(items) ? items.ToString() : "");
  std::string separator = ",";
  if (args.size() > 1 && IsPrimitive(args[1])) separator = args[1].ToString();
  std::string out;
  for (size_t i = 0; i < items.as_array().size(); ++i) {
    if (i > 0) out += separator;
    out += items.as_array()[i].ToString();
  }
  return Value(std::move(out));
}

/// FromJson is fromJSON().
Result<Value> FromJson(std::string_view text) {
  Result<Value> value = ParseJson(text);
  if (!value.ok()) return Status::Error("fromJSON(): " + value.status().message());
  return value;
}

/// Evaluator computes the value of a syntax tree against a scope.
class Evaluator {
 public:
  explicit Evaluator(const ExprScope& scope) : scope_(scope) {}

  Result<Value> Eval(const ExprNode& node) const {
    switch (node.kind) {
      case NodeKind::kLiteral:
        return node.value;
      case NodeKind::kContext: {
        const Value* context = scope_.Context(node.name);
        return context != nullptr ? *context : Value();
      }
      case NodeKind::kIndex:
      case NodeKind::kFilter: {
        Result<Access> access = EvalAccess(node);
        if (!access.ok()) return access.status();
        return std::move(access->value);
      }
      case NodeKind::kNot: {
        Result<Value> operand = Eval(node.operands[0]);
        if (!operand.ok()) return operand;
        return Value(!operand->Truthy());
      }
      case NodeKind::kAnd:
      case NodeKind::kOr:
        return EvalLogical(node);
      case NodeKind::kCall:
        return EvalCall(node);
      default:
        return EvalComparison(node);
    }
  }

 private:
  /// Access is the result of `.`, `[ ]` or `*`. After a `*`, `filtered` is set
  /// and further accesses apply to each element, dropping those that miss.
  struct Access {
    Value value;
    bool filtered = false;
  };

  Result<Access> EvalAccess(const ExprNode& node) const {
    if (node.kind != NodeKind::kIndex && node.kind != NodeKind::kFilter) {
      Result<Value> value = Eval(node);
      if (!value.ok()) return value.status();
      return Access{std::move(*value), false};
    }
    Result<Access> object = EvalAccess(node.operands[0]);
    if (!object.ok()) return object;
    if (node.kind == NodeKind::kFilter) {
      ValueArray elements;
      if (object->filtered) {
        for (const Value& item : object->value.as_array()) AppendElements(item, &elements);
      } else {
        AppendElements(object->value, &elements);
      }
      return Access{Value(std::move(elements)), true};
    }
    Result<Value> index = Eval(node.operands[1]);
    if (!index.ok()) return index.status();
    if (!object->filtered) {
      const Value* found = Lookup(object->value, *index);
      return Access{found != nullptr ? *found : Value(), false};
    }
    ValueArray found_in_each;
    for (const Value& item : object->value.as_array()) {
      if (const Value* found = Lookup(item, *index)) found_in_each.push_back(*found);
    }
    return Access{Value(std::move(found_in_each)), true};
  }

  /// EvalLogical returns the first operand that decides `&&` or `||`, else the last.
  Result<Value> EvalLogical(const ExprNode& node) const {
    const bool decided_by = node.kind == NodeKind::kOr;
    Result<Value> value = Value();
    for (const ExprNode& operand : node.operands) {
      value = Eval(operand);
      if (!value.ok() || value->Truthy() == decided_by) return value;
    }
    return value;
  }

  Result<Value> EvalComparison(const ExprNode& node) const {
    Result<Value> left = Eval(node.operands[0]);
    if (!left.ok()) return left;
    Result<Value> right = Eval(node.operands[1]);
    if (!right.ok()) return right;
    return Value(Compare(node.kind, *left, *right));
  }

  Result<Value> EvalCall(const ExprNode& node) const {
    std::vector<Value> args;
    args.reserve(node.operands.size());
    for (const ExprNode& operand : node.operands) {
      Result<Value> arg = Eval(operand);
      if (!arg.ok()) return arg;
      args.push_back(std::move(*arg));
    }
    switch (node.function) {
      case Function::kSuccess:
        return Value(scope_.Success());
      case Function::kFailure:
        return Value(scope_.Failure());
      case Function::kAlways:
        return Value(true);
      case Function::kCancelled:
        return Value(scope_.Cancelled());
      case Function::kContains:
        return Value(Contains(args[0], args[1]));
      case Function::kStartsWith:
        return Value(IsPrimitive(args[0]) && IsPrimitive(args[1]) &&
                     StartsWithIgnoreCase(args[0].ToString(), args[1].ToString()));
      case Function::kEndsWith:
        return Value(IsPrimitive(args[0]) && IsPrimitive(args[1]) &&
                     EndsWithIgnoreCase(args[0].ToString(), args[1].ToString()));
      case Function::kFormat:
        return Format(args);
      case Function::kJoin:
        return Join(args);
      case Function::kToJson:
        return Value(args[0].ToJson(2));
      case Function::kFromJson:
        return FromJson(args[0].ToString());
    }
    return Value();
  }

  /// Contains is contains(): array membership by `==`, else a substring ignoring case.
  static bool Contains(const Value& search, const Value& item) {
    if (search.is_array()) {
      const ValueArray& array = search.as_array();
      return std::any_of(array.begin(), array.end(),
                         [&](const Value& element) { return LooseEquals(element, item); });
    }
    return IsPrimitive(search) && IsPrimitive(item) &&
           ContainsIgnoreCase(search.ToString(), item.ToString());
  }

  const ExprScope& scope_;
};

// ---------------------------------------------------------------------------
// Walks

using RefFn = std::function<void(const ContextRef&)>;

void VisitRefs(const ExprNode& node, const RefFn& fn);

/// VisitAccessRefs reports a chain such as `needs.build.outputs[x]` as one use
/// of its root with the literal path, then the uses inside computed indexes.
void VisitAccessRefs(const ExprNode& node, const RefFn& fn) {
  std::vector<const ExprNode*> chain;  // innermost access last
  const ExprNode* base = &node;
  for (; base->kind == NodeKind::kIndex || base->kind == NodeKind::kFilter;
       base = &base->operands[0]) {
    chain.push_back(base);
  }
  std::reverse(chain.begin(), chain.end());
  if (base->kind == NodeKind::kContext) {
    ContextRef ref{base->name, {}, base->offset};
    for (const ExprNode* access : chain) {
      if (access->kind == NodeKind::kFilter) break;
      const ExprNode& index = access->operands[1];
      if (index.kind != NodeKind::kLiteral || !index.value.is_string()) break;
      ref.path.push_back(index.value.as_string());
    }
    fn(ref);
  } else {
    VisitRefs(*base, fn);
  }
  for (const ExprNode* access : chain) {
    if (access->kind == NodeKind::kIndex) VisitRefs(access->operands[1], fn);
  }
}

void VisitRefs(const ExprNode& node, const RefFn& fn) {
  switch (node.kind) {
    case NodeKind::kContext:
      fn(ContextRef{node.name, {}, node.offset});
      return;
    case NodeKind::kIndex:
    case NodeKind::kFilter:
      VisitAccessRefs(node, fn);
      return;
    default:
      for (const ExprNode& operand : node.operands) VisitRefs(operand, fn);
  }
}

/// kTemplateOpen starts an expression in a template; `}}` ends it.
constexpr std::string_view kTemplateOpen = "${{";

bool CallsStatusFunction(const ExprNode& node) {
  if (node.kind == NodeKind::kCall && IsStatusFunction(node.function)) return true;
  return std::any_of(node.operands.begin(), node.operands.end(), CallsStatusFunction);
}

/// FindClose returns the offset of the first `}}` at or after `from` that is
/// not inside a single-quoted string, or npos. `open_quote` is set to the
/// offset of a string left open at the end, or npos.
size_t FindClose(std::string_view text, size_t from, size_t* open_quote) {
  *open_quote = std::string_view::npos;
  for (size_t i = from; i < text.size(); ++i) {
    if (text[i] == '\'') {
      if (*open_quote == std::string_view::npos) {
        *open_quote = i;
      } else if (i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // an escaped quote inside the string
      } else {
        *open_quote = std::string_view::npos;
      }
    } else if (*open_quote == std::string_view::npos && text.compare(i, 2, "}}") == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

// ---------------------------------------------------------------------------
// Expr

std::optional<Expr> Expr::Parse(std::string_view text, ExprError* error) {
  return ParseAt(text, 0, error);
}

std::optional<Expr> Expr::ParseAt(std::string_view text, size_t base, ExprError* error) {
  const ErrorSink errors{error, base};
  std::vector<Token> tokens;
  if (!Tokenizer(text, errors).Run(&tokens)) return std::nullopt;
  std::optional<ExprNode> root = Parser(tokens, errors).Parse();
  if (!root) return std::nullopt;
  Expr expr;
  expr.text_ = std::string(text);
  expr.root_ = std::make_shared<const ExprNode>(std::move(*root));
  return expr;
}

Result<Value> Expr::Evaluate(const ExprScope& scope) const {
  if (root_ == nullptr) return Value();
  try {
    return Evaluator(scope).Eval(*root_);
  } catch (const std::exception& e) {
    // Only allocation failures can get here; evaluation itself does not throw.
    return Status::Error(std::string("evaluating ") + Quote(text_) + ": " + e.what());
  }
}

void Expr::ForEachRef(const std::function<void(const ContextRef&)>& fn) const {
  if (root_ != nullptr) VisitRefs(*root_, fn);
}

bool Expr::UsesStatusFunction() const { return root_ != nullptr && CallsStatusFunction(*root_); }

// ---------------------------------------------------------------------------
// Template

std::optional<Template> Template::Parse(std::string_view text, ExprError* error) {
  Template result;
  result.text_ = std::string(text);
  for (size_t begin = text.find(kTemplateOpen); begin != std::string_view::npos;
       begin = text.find(kTemplateOpen, result.parts_.back().end)) {
    const size_t inner = begin + kTemplateOpen.size();
    size_t open_quote = 0;
    const size_t close = FindClose(text, inner, &open_quote);
    if (close == std::string_view::npos) {
      if (open_quote != std::string_view::npos) {
        SetError(error, open_quote, "unterminated string");
      } else {
        SetError(error, begin, "expected '}}' to close '${{' at offset " + std::to_string(begin));
      }
      return std::nullopt;
    }
    std::optional<Expr> expr = Expr::ParseAt(text.substr(inner, close - inner), inner, error);
    if (!expr) return std::nullopt;
    result.parts_.push_back(Part{begin, close + 2, std::move(*expr)});
  }
  return result;
}

Result<Value> Template::Evaluate(const ExprScope& scope) const {
  if (parts_.empty()) return Value(text_);
  const std::string_view text = text_;
  if (parts_.size() == 1 && IsBlank(text.substr(0, parts_[0].begin)) &&
      IsBlank(text.substr(parts_[0].end))) {
    return parts_[0].expr.Evaluate(scope);
  }
  std::string out;
  size_t literal = 0;
  for (const Part& part : parts_) {
    out.append(text, literal, part.begin - literal);
    Result<Value> value = part.expr.Evaluate(scope);
    if (!value.ok()) return value;
    out += value->ToString();
    literal = part.end;
  }
  out.append(text.substr(literal));
  return Value(std::move(out));
}

Result<std::string> Template::Render(const ExprScope& scope) const {
  if (parts_.empty()) return text_;
  Result<Value> value = Evaluate(scope);
  if (!value.ok()) return value.status();
  return value->ToString();
}

void Template::ForEachRef(const std::function<void(const ContextRef&)>& fn) const {
  for (const Part& part : parts_) {
    const size_t shift = part.begin + kTemplateOpen.size();
    part.expr.ForEachRef([&](const ContextRef& ref) {
      ContextRef shifted = ref;
      shifted.offset += shift;
      fn(shifted);
    });
  }
}

bool Template::UsesStatusFunction() const {
  return std::any_of(parts_.begin(), parts_.end(),
                     [](const Part& part) { return part.expr.UsesStatusFunction(); });
}

}  // namespace taskr
