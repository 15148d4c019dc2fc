// ScriptStore: loading a pipeline directory (store.h). Uses std::filesystem with error codes
// (a configuration read at start and on reload, not persistent state, so not the FileSystem
// seam).
#include "pipeline/store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sextant::pipeline {
namespace {

namespace fs = std::filesystem;

std::string stripP(std::string_view name) {
  if (name.size() > 2 && name.substr(name.size() - 2) == ".p") name.remove_suffix(2);
  return std::string(name);
}

bool readAll(const fs::path& p, std::string* out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return !f.bad();
}

// Regular files of a directory, sorted by name (deterministic error order).
std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Status ScriptStore::add(model::Category c, std::string_view name, std::string_view text) {
  std::string base = stripP(name);
  Result<std::shared_ptr<const Script>> s = Script::compile(base + ".p", text, patterns_);
  if (!s.isOk()) return s.status();
  scripts_[{c, base}] = std::move(s).value();
  return Status::ok();
}

std::shared_ptr<const ScriptStore> ScriptStore::load(const std::string& dir,
                                                     std::vector<std::string>* errors) {
  auto store = std::make_shared<ScriptStore>();
  fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    errors->push_back(dir + ": not a directory");
    return store;
  }
  for (const fs::path& p : filesIn(root / "pattern")) {
    std::string text;
    if (!readAll(p, &text)) {
      errors->push_back(p.string() + ": cannot read");
      continue;
    }
    Status st = store->patterns_.loadFile(text);
    if (!st.isOk()) errors->push_back(p.string() + ": " + st.message());
  }
  auto loadDir = [&](const fs::path& d, model::Category c) {
    for (const fs::path& p : filesIn(d)) {
      if (p.extension() != ".p") continue;
      std::string text;
      if (!readAll(p, &text)) {
        errors->push_back(p.string() + ": cannot read");
        continue;
      }
      Status st = store->add(c, p.filename().string(), text);
      if (!st.isOk()) errors->push_back(p.string() + ": " + st.message());
    }
  };
  loadDir(root, model::Category::kLogging);  // legacy top-level logging scripts
  for (model::Category c : model::kAllCategories) {
    loadDir(root / std::string(model::categoryName(c)), c);
  }
  return store;
}

std::shared_ptr<const Script> ScriptStore::findShared(model::Category c,
                                                      std::string_view name) const {
  auto it = scripts_.find(std::pair<model::Category, std::string>(c, stripP(name)));
  return it == scripts_.end() ? nullptr : it->second;
}

const Script* ScriptStore::find(model::Category c, std::string_view name) const {
  return findShared(c, name).get();
}

const Script* ScriptStore::findFor(const model::Point& pt) const {
  std::string name = defaultScriptName(pt);
  if (name.empty()) return nullptr;
  return find(pt.category, name);
}

std::string defaultScriptName(const model::Point& pt) {
  switch (pt.category) {
    case model::Category::kTracing:
    case model::Category::kProfiling: {
      const model::Tag* t = pt.findTag("service");
      return t ? t->value : std::string();
    }
    case model::Category::kSecurity: {
      const model::Tag* t = pt.findTag("category");
      return t ? t->value : std::string();
    }
    case model::Category::kRum: {
      const model::Tag* t = pt.findTag("app_id");
      return t ? t->value + "_" + pt.measurement : std::string();
    }
    default: return pt.measurement;
  }
}

}  // namespace sextant::pipeline
