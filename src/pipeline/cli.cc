// `sextant pipeline` (cli.h).
#include "pipeline/cli.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "codec/point_json/json_writer.h"
#include "model/category.h"
#include "pipeline/script.h"

namespace sextant::pipeline {
namespace {

constexpr const char* kUsage =
    "usage: sextant pipeline -P <script.p> (-T <text> | -F <file>) [-C <category>] [--date]\n"
    "                        [--pattern-dir <dir>]\n";

std::string formatDate(int64_t ns) {
  int64_t s = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --s;
  }
  std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char fb[16];
  std::snprintf(fb, sizeof(fb), ".%09lldZ", static_cast<long long>(frac));
  return std::string(buf) + fb;
}

void writeField(codec::json::JsonWriter& w, const model::FieldValue& v) {
  switch (model::fieldType(v)) {
    case model::FieldType::kInt: w.integer(std::get<int64_t>(v)); break;
    case model::FieldType::kUint: w.unsignedInteger(std::get<uint64_t>(v)); break;
    case model::FieldType::kFloat: w.number(std::get<double>(v)); break;
    case model::FieldType::kBool: w.boolean(std::get<bool>(v)); break;
    case model::FieldType::kString: w.string(std::get<std::string>(v)); break;
    case model::FieldType::kBytes: w.string(std::get<model::Bytes>(v).data); break;
    case model::FieldType::kArray: w.string("<array>"); break;
  }
}

std::string pointJson(const model::Point& pt, bool date) {
  std::string out;
  codec::json::JsonWriter w(&out);
  w.beginObject();
  w.key("measurement");
  w.string(pt.measurement);
  w.key("tags");
  w.beginObject();
  for (const auto& t : pt.tags) {
    w.key(t.key);
    w.string(t.value);
  }
  w.endObject();
  w.key("fields");
  w.beginObject();
  for (const auto& f : pt.fields) {
    w.key(f.key);
    writeField(w, f.value);
  }
  w.endObject();
  w.key("time");
  if (date) {
    w.string(formatDate(pt.time_ns));
  } else {
    w.integer(pt.time_ns);
  }
  w.endObject();
  return out;
}

bool readFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

int runPipelineCli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::string script_path, text, file, category = "logging", pattern_dir;
  bool have_text = false;
  bool date = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* dst) {
      if (i + 1 >= argc) return false;
      *dst = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "-P" || a == "--script") {
      ok = value(&script_path);
    } else if (a == "-T" || a == "--txt") {
      ok = value(&text);
      have_text = true;
    } else if (a == "-F" || a == "--file") {
      ok = value(&file);
    } else if (a == "-C" || a == "--category") {
      ok = value(&category);
    } else if (a == "--pattern-dir") {
      ok = value(&pattern_dir);
    } else if (a == "--date") {
      date = true;
    } else if (a == "-h" || a == "--help") {
      out << kUsage;
      return 0;
    } else {
      err << "unknown option " << a << "\n" << kUsage;
      return 2;
    }
    if (!ok) {
      err << "option " << a << " needs a value\n" << kUsage;
      return 2;
    }
  }
  if (script_path.empty() || (!have_text && file.empty())) {
    err << kUsage;
    return 2;
  }
  std::optional<model::Category> cat = model::parseCategory(category);
  if (!cat) {
    err << "unknown category " << category << "\n";
    return 2;
  }
  std::string src;
  if (!readFile(script_path, &src)) {
    err << "cannot read " << script_path << "\n";
    return 1;
  }
  funcs::GrokLibrary lib = funcs::GrokLibrary::builtin();
  if (!pattern_dir.empty()) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(pattern_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string ptext;
      if (!readFile(it->path().string(), &ptext)) continue;
      Status st = lib.loadFile(ptext);
      if (!st.isOk()) err << it->path().string() << ": " << st.message() << "\n";
    }
  }
  std::string name = std::filesystem::path(script_path).filename().string();
  Result<std::shared_ptr<const Script>> script = Script::compile(name, src, lib);
  if (!script.isOk()) {
    err << script.status().message() << "\n";
    return 1;
  }
  std::vector<std::string> lines;
  if (have_text) {
    lines.push_back(text);
  } else {
    std::string body;
    if (!readFile(file, &body)) {
      err << "cannot read " << file << "\n";
      return 1;
    }
    std::istringstream ss(body);
    for (std::string line; std::getline(ss, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) lines.push_back(line);
    }
  }
  std::string measurement = name.size() > 2 && name.substr(name.size() - 2) == ".p"
                                ? name.substr(0, name.size() - 2)
                                : name;
  for (const std::string& line : lines) {
    int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    model::Point pt;
    pt.category = *cat;
    pt.measurement = measurement;
    pt.time_ns = now;
    pt.addField("message", line);
    RunOutcome r = (*script)->run(&pt, now);
    if (!r.error.empty()) out << "error: " << r.error << "\n";
    if (r.dropped) {
      out << "dropped\n";
    } else {
      out << pointJson(pt, date) << "\n";
    }
  }
  return 0;
}

int runPipelineCli(int argc, char** argv) {
  return runPipelineCli(argc, argv, std::cout, std::cerr);
}

}  // namespace sextant::pipeline
