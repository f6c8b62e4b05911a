// Errors as values for the runner: Status for operations that return nothing,
// Result<T> for those that return a T. Neither throws.
//
//   Result<Pipeline> p = LoadPipeline(path);
//   if (!p.ok()) return p.status();
//   TASKR_RETURN_IF_ERROR(DoThing());
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace taskr {

/// Status is success or an error message meant for a user.
class [[nodiscard]] Status {
 public:
  Status() = default;
  /// Error makes a failed Status carrying `message`.
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  std::string message_;
};

/// Result holds either a T or an error Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  /// status returns the error, or an ok Status when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }
  T& value() { return std::get<T>(data_); }
  const T& value() const { return std::get<T>(data_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace taskr

/// TASKR_RETURN_IF_ERROR returns the Status of `expr` from the enclosing function when it failed.
#define TASKR_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::taskr::Status taskr_status_ = (expr);        \
    if (!taskr_status_.ok()) return taskr_status_; \
  } while (0)
