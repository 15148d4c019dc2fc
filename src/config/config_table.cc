#include "config/config_table.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "core/duration.h"

namespace sextant::config {

struct ConfigTable::Doc {
  std::string file;
  toml::table root;
};

namespace {

const toml::table* asTable(const void* node) { return static_cast<const toml::table*>(node); }

// "a string", "an integer", ... for messages.
std::string typeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a bool";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// A key as it would be written in a TOML header: bare when possible, else quoted.
std::string headerKey(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
      bare = false;
      break;
    }
  }
  if (bare) return std::string(key);
  std::string out = "\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string joinPath(const std::string& parent, std::string_view key) {
  return parent.empty() ? headerKey(key) : parent + "." + headerKey(key);
}

}  // namespace

ConfigTable::ConfigTable() = default;

Result<ConfigTable> ConfigTable::parse(std::string_view toml_text, const std::string& source_name) {
  toml::parse_result parsed = toml::parse(toml_text, source_name);
  if (!parsed) {
    const auto& err = parsed.error();
    return invalidArgument(source_name + ":" + std::to_string(err.source().begin.line) + ":" +
                           std::to_string(err.source().begin.column) + ": " +
                           std::string(err.description()));
  }
  auto doc = std::make_shared<Doc>();
  doc->file = source_name;
  doc->root = std::move(parsed).table();
  ConfigTable t;
  t.node_ = &doc->root;
  t.doc_ = std::move(doc);
  return t;
}

const std::string& ConfigTable::file() const {
  static const std::string kEmpty;
  return doc_ ? doc_->file : kEmpty;
}

const std::string& ConfigTable::path() const { return path_; }

int ConfigTable::line() const {
  if (node_ == nullptr || node_ == &doc_->root) return 0;
  return static_cast<int>(asTable(node_)->source().begin.line);
}

bool ConfigTable::has(std::string_view key) const {
  return node_ != nullptr && asTable(node_)->contains(key);
}

std::vector<std::string> ConfigTable::keys() const {
  std::vector<std::string> out;
  if (node_ == nullptr) return out;
  std::vector<std::tuple<uint32_t, uint32_t, std::string>> ordered;
  for (const auto& [k, v] : *asTable(node_)) {
    ordered.emplace_back(v.source().begin.line, v.source().begin.column, std::string(k.str()));
  }
  std::sort(ordered.begin(), ordered.end());
  out.reserve(ordered.size());
  for (auto& [line, col, name] : ordered) out.push_back(std::move(name));
  return out;
}

std::string ConfigTable::kind(std::string_view key) const {
  if (node_ == nullptr) return "";
  const toml::node* n = asTable(node_)->get(key);
  return n == nullptr ? "" : typeName(*n);
}

int ConfigTable::lineOf(std::string_view key) const {
  if (node_ == nullptr) return 0;
  const toml::node* n = asTable(node_)->get(key);
  return n == nullptr ? line() : static_cast<int>(n->source().begin.line);
}

std::string ConfigTable::where(std::string_view key) const {
  std::string out = file() + ":" + std::to_string(lineOf(key)) + ": ";
  if (!path_.empty()) out += "[" + path_ + "] ";
  out += std::string(key);
  return out;
}

namespace {

// The error for a value of `key` (at `at`'s line) in the table `path` of `file`.
Status valueError(const std::string& file, const std::string& path, std::string_view key,
                  const toml::node& at, const std::string& what) {
  std::string msg = file + ":" + std::to_string(at.source().begin.line) + ": ";
  if (!path.empty()) msg += "[" + path + "] ";
  msg += std::string(key) + ": " + what;
  return invalidArgument(std::move(msg));
}

// The value of `key` in the table `node` (a const toml::table* or null); null when absent.
const toml::node* find(const void* node, std::string_view key) {
  return node == nullptr ? nullptr : asTable(node)->get(key);
}

}  // namespace

Status ConfigTable::get(std::string_view key, bool* out) const {
  const toml::node* n = find(node_, key);
  if (n == nullptr) return Status::ok();
  auto fail = [&](const toml::node& at, const std::string& what) {
    return valueError(file(), path_, key, at, what);
  };
  auto v = n->value_exact<bool>();
  if (!v) return fail(*n, "want a bool, got " + typeName(*n));
  *out = *v;
  return Status::ok();
}

Status ConfigTable::get(std::string_view key, int64_t* out) const {
  const toml::node* n = find(node_, key);
  if (n == nullptr) return Status::ok();
  auto fail = [&](const toml::node& at, const std::string& what) {
    return valueError(file(), path_, key, at, what);
  };
  auto v = n->value_exact<int64_t>();
  if (!v) return fail(*n, "want an integer, got " + typeName(*n));
  *out = *v;
  return Status::ok();
}

Status ConfigTable::get(std::string_view key, double* out) const {
  const toml::node* n = find(node_, key);
  if (n == nullptr) return Status::ok();
  auto fail = [&](const toml::node& at, const std::string& what) {
    return valueError(file(), path_, key, at, what);
  };
  if (auto i = n->value_exact<int64_t>()) {
    *out = static_cast<double>(*i);
    return Status::ok();
  }
  auto v = n->value_exact<double>();
  if (!v) return fail(*n, "want a number, got " + typeName(*n));
  *out = *v;
  return Status::ok();
}

Status ConfigTable::get(std::string_view key, std::string* out) const {
  const toml::node* n = find(node_, key);
  if (n == nullptr) return Status::ok();
  auto fail = [&](const toml::node& at, const std::string& what) {
    return valueError(file(), path_, key, at, what);
  };
  auto v = n->value_exact<std::string>();
  if (!v) return fail(*n, "want a string, got " + typeName(*n));
  *out = std::move(*v);
  return Status::ok();
}

Status ConfigTable::get(std::string_view key, std::vector<std::string>* out) const {
  const toml::node* n = find(node_, key);
  if (n == nullptr) return Status::ok();
  auto fail = [&](const toml::node& at, const std::string& what) {
    return valueError(file(), path_, key, at, what);
  };
  const toml::array* arr = n->as_array();
  if (arr == nullptr) return fail(*n, "want an array of strings, got " + typeName(*n));
  std::vector<std::string> items;
  items.reserve(arr->size());
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    auto v = item.value_exact<std::string>();
    if (!v) {
      return fail(item, "want an array of strings, got " + typeName(item) + " at index " +
                            std::to_string(i));
    }
    items.push_back(std::move(*v));
  }
  *out = std::move(items);
  return Status::ok();
}

Status ConfigTable::get(std::string_view key, std::chrono::nanoseconds* out) const {
  const toml::node* n = find(node_, key);
  if (n == nullptr) return Status::ok();
  auto fail = [&](const toml::node& at, const std::string& what) {
    return valueError(file(), path_, key, at, what);
  };
  if (auto i = n->value_exact<int64_t>()) {
    if (*i < 0) return fail(*n, "negative duration " + std::to_string(*i));
    *out = std::chrono::nanoseconds(*i);
    return Status::ok();
  }
  auto s = n->value_exact<std::string>();
  if (!s) {
    return fail(
        *n, "want a duration (a string like \"10s\" or integer nanoseconds), got " + typeName(*n));
  }
  auto d = parseDuration(*s);
  if (!d.isOk()) return fail(*n, d.status().message());
  *out = *d;
  return Status::ok();
}

Status ConfigTable::get(std::string_view key, std::map<std::string, std::string>* out) const {
  const toml::node* n = find(node_, key);
  if (n == nullptr) return Status::ok();
  auto fail = [&](const toml::node& at, const std::string& what) {
    return valueError(file(), path_, key, at, what);
  };
  const toml::table* t = n->as_table();
  if (t == nullptr) return fail(*n, "want a table of strings, got " + typeName(*n));
  std::map<std::string, std::string> items;
  const std::string sub_path = joinPath(path_, key);
  for (const auto& [k, v] : *t) {
    auto s = v.value_exact<std::string>();
    if (!s) return valueError(file(), sub_path, k.str(), v, "want a string, got " + typeName(v));
    items[std::string(k.str())] = std::move(*s);
  }
  *out = std::move(items);
  return Status::ok();
}

Result<std::optional<ConfigTable>> ConfigTable::table(std::string_view key) const {
  if (node_ == nullptr) return std::optional<ConfigTable>();
  const toml::node* n = asTable(node_)->get(key);
  if (n == nullptr) return std::optional<ConfigTable>();
  const toml::table* t = n->as_table();
  if (t == nullptr) return valueError(file(), path_, key, *n, "want a table, got " + typeName(*n));
  ConfigTable sub;
  sub.doc_ = doc_;
  sub.node_ = t;
  sub.path_ = joinPath(path_, key);
  return std::optional<ConfigTable>(std::move(sub));
}

Result<std::vector<ConfigTable>> ConfigTable::tableArray(std::string_view key) const {
  std::vector<ConfigTable> out;
  if (node_ == nullptr) return out;
  const toml::node* n = asTable(node_)->get(key);
  if (n == nullptr) return out;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    return valueError(file(), path_, key, *n, "want an array of tables, got " + typeName(*n));
  }
  const std::string sub_path = joinPath(path_, key);
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    const toml::table* t = item.as_table();
    if (t == nullptr) {
      return valueError(
          file(), path_, key, item,
          "want an array of tables, got " + typeName(item) + " at index " + std::to_string(i));
    }
    ConfigTable sub;
    sub.doc_ = doc_;
    sub.node_ = t;
    sub.path_ = sub_path;
    out.push_back(std::move(sub));
  }
  return out;
}

}  // namespace sextant::config
