// ConfigTable: read-only, typed access to one TOML table of a config file (an [[inputs.<name>]]
// block, or a section of datakit.conf), with errors that name the file, line and key.
//
// Every getter leaves *out unchanged and returns ok when the key is absent (the caller's struct
// holds DataKit's defaults). A present key of the wrong type or with a bad value gives
// InvalidArgument "<file>:<line>: [<table path>] <key>: <what is wrong>", e.g.
// "conf.d/host/cpu.conf:3: [inputs.cpu] interval: bad duration '10x': unknown unit 'x'".
// Durations are Go-style strings ("10s", "1m30s"; core/duration.h); DataKit also accepts an
// integer there, taken as nanoseconds.
//
// A ConfigTable shares ownership of the parsed document, so it may outlive the parser.
// Plain value; const methods are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sextant::config {

class ConfigTable {
 public:
  ConfigTable();  // an empty table (every getter: key absent)

  // Parses a whole TOML document; `source_name` appears in errors.
  static Result<ConfigTable> parse(std::string_view toml_text, const std::string& source_name);

  const std::string& file() const;
  const std::string& path() const;  // "inputs.cpu", "" for the document root
  int line() const;                 // line of the table header (0 for the root)
  bool has(std::string_view key) const;
  std::vector<std::string> keys() const;  // in file order

  Status get(std::string_view key, bool* out) const;
  Status get(std::string_view key, int64_t* out) const;
  Status get(std::string_view key, double* out) const;  // integers accepted
  Status get(std::string_view key, std::string* out) const;
  Status get(std::string_view key, std::vector<std::string>* out) const;
  Status get(std::string_view key, std::chrono::nanoseconds* out) const;
  // A sub-table whose values are all strings (e.g. [inputs.cpu.tags]); non-string values error.
  Status get(std::string_view key, std::map<std::string, std::string>* out) const;

  // A sub-table ([inputs.prom.auth]); nullopt when absent; error when not a table.
  Result<std::optional<ConfigTable>> table(std::string_view key) const;
  // An array of tables ([[inputs.prom.measurements]]); empty when absent.
  Result<std::vector<ConfigTable>> tableArray(std::string_view key) const;

  // "<file>:<line>: [<path>] <key>" for messages about a key's value (the line of the value,
  // or of the table header when the key is absent). The root table has no "[<path>] " part.
  std::string where(std::string_view key) const;

  // What the value of `key` is: "a string", "an integer", "a float", "a bool", "a table",
  // "an array", "a date", "a time", "a date-time"; "" when absent.
  std::string kind(std::string_view key) const;
  // The line of the value of `key`; the table's own line() when absent.
  int lineOf(std::string_view key) const;

  // Internal: the toml++ node behind this table (config library only).
  struct Doc;

 private:
  std::shared_ptr<const Doc> doc_;
  const void* node_ = nullptr;  // const toml::table* inside doc_
  std::string path_;
};

}  // namespace sextant::config
