// JsonWriter: writes compact JSON text (RFC 8259) into a caller-owned std::string, for codec
// output and HTTP responses.
//
// Strings are escaped so the output is always valid JSON and valid UTF-8: '"', '\\' and the
// control characters U+0000..U+001F are escaped (\n, \t, ... or \u00XX), as are U+2028 and
// U+2029 (so the text is also valid JavaScript); each byte of invalid UTF-8 becomes U+FFFD, as
// Go's encoding/json does. Doubles are written in their shortest round-trip form and always
// with a '.' or an exponent, so they read back as floats; JSON has no NaN or infinities, so
// number() writes those as null.
//
// The writer only inserts the commas and colons: the caller emits a well-formed sequence
// (key() before each value inside an object). Thread-safety: one writer per thread; it owns
// nothing but the pointer to the output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sextant::codec::json {

// Appends `s` as a quoted, escaped JSON string.
void appendJsonString(std::string_view s, std::string* out);
// Appends a finite double as a JSON number (shortest round-trip digits, "-0.0" for negative
// zero, ".0" added to integral values). Non-finite values are written as null.
void appendJsonNumber(double v, std::string* out);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void beginObject() { open('{'); }
  void endObject() { close('}'); }
  void beginArray() { open('['); }
  void endArray() { close(']'); }

  // An object member's name; its value follows.
  void key(std::string_view k) {
    comma();
    appendJsonString(k, out_);
    out_->push_back(':');
    need_comma_ = false;
  }

  void string(std::string_view s) {
    comma();
    appendJsonString(s, out_);
    need_comma_ = true;
  }
  void integer(int64_t v);
  void unsignedInteger(uint64_t v);
  void number(double v) {
    comma();
    appendJsonNumber(v, out_);
    need_comma_ = true;
  }
  void boolean(bool v) {
    comma();
    out_->append(v ? "true" : "false");
    need_comma_ = true;
  }
  void null() {
    comma();
    out_->append("null");
    need_comma_ = true;
  }
  // Appends already-serialized JSON as one value (the caller vouches for it).
  void rawValue(std::string_view json) {
    comma();
    out_->append(json);
    need_comma_ = true;
  }

 private:
  void comma() {
    if (need_comma_) out_->push_back(',');
  }
  void open(char c) {
    comma();
    out_->push_back(c);
    need_comma_ = false;
  }
  void close(char c) {
    out_->push_back(c);
    need_comma_ = true;
  }

  std::string* out_;
  bool need_comma_ = false;  // a value was completed at this level: the next one needs a comma
};

}  // namespace sextant::codec::json
