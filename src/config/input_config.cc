#include "config/input_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sextant::config {

namespace fs = std::filesystem;

namespace {

void append(InputConfigs* to, InputConfigs from) {
  for (auto& in : from.inputs) to->inputs.push_back(std::move(in));
  for (auto& e : from.errors) to->errors.push_back(std::move(e));
}

bool skippedDir(const fs::path& dir) {
  const std::string name = dir.filename().string();
  return name.starts_with("..") || name == ".git";
}

}  // namespace

InputConfigs parseInputConfigText(std::string_view text, const std::string& source_name) {
  InputConfigs out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM, as DataKit trims it
  auto root = ConfigTable::parse(text, source_name);
  if (!root.isOk()) {
    out.errors.push_back(root.status().message());
    return out;
  }
  auto inputs = root->table("inputs");
  if (!inputs.isOk()) {
    out.errors.push_back(inputs.status().message());
    return out;
  }
  if (!inputs->has_value()) return out;
  const ConfigTable& all = **inputs;
  for (const std::string& name : all.keys()) {
    const std::string kind = all.kind(name);
    if (kind == "a table") {  // [inputs.<name>]: one instance
      auto t = all.table(name);
      if (!t.isOk()) {
        out.errors.push_back(t.status().message());
        continue;
      }
      out.inputs.push_back(InputSection{name, **t});
    } else if (kind == "an array") {  // [[inputs.<name>]]: one instance each
      auto arr = all.tableArray(name);
      if (!arr.isOk()) {
        out.errors.push_back(arr.status().message());
        continue;
      }
      for (ConfigTable& t : *arr) out.inputs.push_back(InputSection{name, std::move(t)});
    } else {
      out.errors.push_back(all.where(name) + ": want a table or an array of tables, got " + kind);
    }
  }
  return out;
}

InputConfigs loadInputConfigs(const std::string& conf_dir) {
  InputConfigs out;
  std::vector<fs::path> files;
  std::error_code ec;
  // Unreadable subdirectories are skipped rather than ending the walk.
  fs::recursive_directory_iterator it(conf_dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::error_code type_ec;
    if (entry.is_directory(type_ec) && !entry.is_symlink(type_ec)) {
      if (skippedDir(entry.path())) it.disable_recursion_pending();
      continue;
    }
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".conf") || name == "datakit.conf") continue;
    // A symlink is followed to a file; a symlink to a directory is not walked.
    if (entry.is_symlink(type_ec) && entry.is_directory(type_ec)) continue;
    files.push_back(entry.path());
  }
  if (ec) out.errors.push_back(conf_dir + ": " + ec.message());  // what was found still loads
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    const std::string source = file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      out.errors.push_back(source + ": cannot read the file");
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    append(&out, parseInputConfigText(ss.str(), source));
  }
  return out;
}

}  // namespace sextant::config
