// libFuzzer target: a fixed set of scripts (grok, json, kv_split, time, casts, user_agent...)
// run on fuzzed message text. The first byte picks the category.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "pipeline/script.h"

namespace {

const char* const kScripts[] = {
    R"PL(grok(_, "%{IPORHOST:client_ip} %{NOTSPACE:ident} %{NOTSPACE:auth} \[%{HTTPDATE:time}\] \"%{DATA:method} %{NOTSPACE:url} HTTP/%{NUMBER:v}\" %{INT:code:int} %{INT:bytes:int}")
default_time(time)
user_agent(_)
group_between(code, [200, 299], "OK", status)
cast(bytes, "float"))PL",
    R"PL(json(_, a.b[0], "x")
json(_, c, "c", true, true)
d = load_json(_)
if d != nil && len(d) > 0 { for k in d { add_key(k, d[k]) } }
strfmt(s, "%v-%d-%s-%.3f", x, len(_), c, 1.5))PL",
    R"PL(kv_split(_, field_split_pattern="[;& ]", trim_key="\"", trim_value="\"")
url_decode(_)
b64dec(_)
parse_duration(_)
replace(_, "(\d+)", "<$1>")
lowercase(_)
trim(_, "<>")
default_time_with_fmt(_, "2006-01-02 15:04:05", "Asia/Shanghai")
default_time(_, "+8"))PL",
    R"PL(x = parse_int(_, 0)
y = parse_int(_, 16)
if match("^\w+$", _) { set_tag(word, _) }
nullif(_, "")
cast(_, "int")
cast(message, "bool")
for c in _ { if c == "x" { break } }
rename("m2", message)
set_measurement(m2, true))PL",
};

struct Compiled {
  std::vector<std::shared_ptr<const sextant::pipeline::Script>> scripts;
  Compiled() {
    for (const char* src : kScripts) {
      auto s = sextant::pipeline::Script::compile("run.p", src);
      if (!s.isOk()) std::abort();  // the fixed scripts must compile
      scripts.push_back(*s);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sextant;  // NOLINT
  static Compiled compiled;
  if (size == 0) return 0;
  model::Category cat = (data[0] & 1) != 0 ? model::Category::kLogging : model::Category::kMetric;
  std::string msg(reinterpret_cast<const char*>(data + 1), size - 1);
  for (const auto& s : compiled.scripts) {
    model::Point pt;
    pt.category = cat;
    pt.measurement = "fuzz";
    pt.addField("message", msg);
    s->run(&pt, 0);
  }
  return 0;
}
