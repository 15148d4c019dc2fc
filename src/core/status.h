// Status and Result<T>: the error type of every data path in Sextant (no exceptions there).
//
// A Status is either ok or carries a code and a human-readable message. Result<T> holds either a
// value or a non-ok Status. Both are cheap to move; an ok Status allocates nothing.
// Thread-safety: plain values, no shared state.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sextant {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,  // malformed input from a client or a file
  kNotFound,
  kAlreadyExists,
  kOutOfRange,   // a limit was exceeded (body too large, too many points)
  kUnavailable,  // a peer or resource is temporarily unreachable; retry may help
  kDeadlineExceeded,
  kPermissionDenied,
  kResourceExhausted,  // queue or disk full
  kDataLoss,           // checksum mismatch, truncated record
  kInternal,
  kUnimplemented,
  kCancelled,  // the caller gave up (e.g. the HTTP client closed the connection)
};

std::string_view statusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: <message>" or "OK".
  std::string toString() const;

  bool operator==(const Status& other) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalidArgument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status outOfRange(std::string message) {
  return Status(StatusCode::kOutOfRange, std::move(message));
}
inline Status internalError(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}
inline Status dataLoss(std::string message) {
  return Status(StatusCode::kDataLoss, std::move(message));
}
inline Status notFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}

// Result<T>: a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.isOk() && "Result from an ok Status has no value");
  }

  bool isOk() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(isOk());
    return *value_;
  }
  const T& value() const& {
    assert(isOk());
    return *value_;
  }
  T&& value() && {
    assert(isOk());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace sextant

// Propagates a non-ok Status from an expression returning Status.
#define SEXTANT_RETURN_IF_ERROR(expr) \
  do {                                \
    ::sextant::Status _st = (expr);   \
    if (!_st.isOk()) return _st;      \
  } while (0)
