#include "agent/inputs/host_common/plugin_util.h"

#include <cctype>

#include "agent/inputs/host_common/regex_list.h"
#include "core/duration.h"

namespace sextant::agent::inputs {

namespace {

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

}  // namespace

Result<bool> parseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return invalidArgument("bad bool '" + std::string(s) + "'");
}

std::map<std::string, std::string> parseTagList(std::string_view s) {
  std::map<std::string, std::string> tags;
  for (std::string_view item : split(s, ',')) {
    std::vector<std::string_view> kv = split(item, '=');
    if (kv.size() != 2) continue;
    std::string_view k = trimSpaces(kv[0]);
    if (k.empty()) continue;
    tags[std::string(k)] = std::string(trimSpaces(kv[1]));
  }
  return tags;
}

EnvOverrides::EnvOverrides(std::string_view input, const EnvMap& env) : env_(env) {
  prefix_ = "ENV_INPUT_";
  for (char c : input) prefix_ += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  prefix_ += '_';
}

std::string EnvOverrides::variable(std::string_view key) const {
  return prefix_ + std::string(key);
}

const std::string* EnvOverrides::find(std::string_view key) const {
  auto it = env_.find(std::string(key));
  return it == env_.end() ? nullptr : &it->second;
}

bool EnvOverrides::has(std::string_view key) const { return find(key) != nullptr; }

Status EnvOverrides::boolean(std::string_view key, bool* out) const {
  const std::string* v = find(key);
  if (v == nullptr) return Status::ok();
  Result<bool> b = parseGoBool(*v);
  if (!b.isOk()) return invalidArgument(variable(key) + ": " + b.status().message());
  *out = *b;
  return Status::ok();
}

void EnvOverrides::nonEmptyTrue(std::string_view key, bool* out) const {
  const std::string* v = find(key);
  if (v != nullptr && !v->empty()) *out = true;
}

Status EnvOverrides::duration(std::string_view key, std::chrono::nanoseconds* out) const {
  const std::string* v = find(key);
  if (v == nullptr) return Status::ok();
  Result<std::chrono::nanoseconds> d = parseDuration(*v);
  if (!d.isOk()) {
    return invalidArgument(variable(key) + ": bad duration '" + *v + "': " + d.status().message());
  }
  *out = *d;
  return Status::ok();
}

void EnvOverrides::tags(std::string_view key, std::map<std::string, std::string>* out) const {
  const std::string* v = find(key);
  if (v == nullptr) return;
  for (auto& [k, val] : parseTagList(*v)) (*out)[k] = val;
}

void EnvOverrides::appendList(std::string_view key, std::vector<std::string>* out) const {
  const std::string* v = find(key);
  if (v == nullptr) return;
  for (std::string_view item : split(*v, ',')) {
    if (!item.empty()) out->emplace_back(item);
  }
}

void EnvOverrides::nonEmptyString(std::string_view key, std::string* out) const {
  const std::string* v = find(key);
  if (v != nullptr && !v->empty()) *out = *v;
}

Status checkRegexes(const std::vector<std::string>& exprs, const std::string& where) {
  Result<RegexList> list = RegexList::compile(exprs, "");
  if (list.isOk()) return Status::ok();
  // RegexList's message is "<option>: bad regular expression ..." with an empty option.
  std::string_view msg = list.status().message();
  if (msg.substr(0, 2) == ": ") msg.remove_prefix(2);
  return invalidArgument(where + ": " + std::string(msg));
}

}  // namespace sextant::agent::inputs
