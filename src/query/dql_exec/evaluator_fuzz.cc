// libFuzzer target for the DQL evaluator, the way untrusted queries reach it: the input is a DQL
// statement, sent as the `q` of a POST /v1/query/raw body (handleQueryRaw) over the small fixed
// dataset of test_data.h (metrics cpu and net, logs nginx, objects kubelet_pod, ecs and site),
// written once into an engine in a temp dir. Tight limits (rows, series, buckets, a timeout) keep
// every input short. Oracles: no crash or sanitizer report; the answer is 200, 400, 422 or 503
// (never 500) and its body is valid JSON; a statement that does not parse is a 400; the columnar
// and row aggregate paths agree. When the statement references dashboard variables it runs
// again with each set to a value and to __all__.
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/testing/temp_dir.h"
#include "query/dql/dql.h"
#include "query/dql_exec/query_raw.h"
#include "query/dql_exec/test_data.h"
#include "storage/engine/testing/test_engine.h"

namespace {

namespace dql = sextant::query::dql;
namespace dx = sextant::query::dql_exec;

struct Dataset {
  sextant::testing::TempDir dir;
  std::unique_ptr<sextant::storage::StorageEngine> engine;
};

// Built on the first input; the temp dir goes away at exit.
Dataset& dataset() {
  static Dataset d;
  if (!d.engine) {
    d.engine = sextant::storage::testing::openTestEngine(d.dir.path());
    if (!d.engine || !dx::testing::writeAll(*d.engine, "ws").isOk()) {
      fprintf(stderr, "fuzz_dql_eval: cannot build the dataset\n");
      abort();
    }
  }
  return d;
}

// A JSON string literal of s (control bytes and non-ASCII as \u00XX: the bytes are not UTF-8).
std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

[[noreturn]] void die(const char* what, std::string_view query, const std::string& detail) {
  fprintf(stderr, "fuzz_dql_eval: %s\nquery: %s\n%s\n", what, jsonString(query).c_str(),
          detail.c_str());
  abort();
}

void post(std::string_view query, const std::string& variables, bool must_parse) {
  const std::int64_t t0 = dx::testing::kT0;
  std::string body = R"({"queries":[{"qtype":"dql","query":{"q":)" + jsonString(query) +
                     R"(,"time_range":[)" + std::to_string(t0) + "," +
                     std::to_string(t0 + 119'999) + "]" + variables + "}}]}";
  dx::QueryRawOptions o;
  o.now_ms = t0 + 120'000;
  o.dql.max_rows = 20'000;
  o.dql.max_series = 2'000;
  o.dql.max_buckets = 2'000;
  o.dql.timeout = std::chrono::milliseconds(500);
  dx::QueryRawResponse r = dx::handleQueryRaw(body, "ws", *dataset().engine, o);
  if (r.status != 200 && r.status != 400 && r.status != 422 && r.status != 503) {
    die("unexpected status", query, std::to_string(r.status) + " " + r.body);
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r.body);
  simdjson::dom::element e;
  if (parser.parse(padded).get(e) != simdjson::SUCCESS) die("body is not JSON", query, r.body);
  std::string_view code;
  if (r.status != 200 && e["error_code"].get(code) != simdjson::SUCCESS) {
    die("an error without error_code", query, r.body);
  }
  if (must_parse && code == "dql.ParseError") {
    die("a statement that parsed is a parse error", query, r.body);
  }
}

// Equal, NaN equal to NaN (log10(-1) gives it on both paths).
bool sameSeries(const std::vector<dx::Series>& a, const std::vector<dx::Series>& b) {
  auto same = [](const dx::Value& x, const dx::Value& y) {
    const auto* px = std::get_if<double>(&x);
    const auto* py = std::get_if<double>(&y);
    if (px && py && std::isnan(*px) && std::isnan(*py)) return true;
    return x == y;
  };
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].tags != b[i].tags || a[i].columns != b[i].columns ||
        a[i].values.size() != b[i].values.size()) {
      return false;
    }
    for (std::size_t r = 0; r < a[i].values.size(); ++r) {
      const auto& ra = a[i].values[r];
      const auto& rb = b[i].values[r];
      if (ra.size() != rb.size()) return false;
      for (std::size_t c = 0; c < ra.size(); ++c) {
        if (!same(ra[c], rb[c])) return false;
      }
    }
  }
  return true;
}

// The columnar aggregate path and the row path (EvalOptions::columnar) give the same output
// (columnar_test.cc; the dataset's floats add exactly in any order). An error on one side only
// is allowed when it is a limit (the paths read and group differently).
void columnarMatchesRows(std::string_view input, const dql::Query& q) {
  dx::EvalOptions o;
  o.now_ms = dx::testing::kT0 + 120'000;
  o.start_ms = dx::testing::kT0;
  o.end_ms = dx::testing::kT0 + 119'999;
  o.max_rows = 20'000;
  o.max_series = 2'000;
  o.max_buckets = 2'000;
  o.timeout = std::chrono::milliseconds(500);
  sextant::Result<dx::QueryOutput> col = dx::evaluate(*dataset().engine, "ws", q, o);
  o.columnar = false;
  sextant::Result<dx::QueryOutput> row = dx::evaluate(*dataset().engine, "ws", q, o);
  auto limit = [](const sextant::Status& st) {
    return st.code() == sextant::StatusCode::kOutOfRange ||
           st.code() == sextant::StatusCode::kDeadlineExceeded;
  };
  if (col.isOk() && row.isOk()) {
    if (!sameSeries(col->series, row->series) || col->total_hits != row->total_hits) {
      die("columnar and row paths differ", input, "");
    }
  } else if (col.isOk() != row.isOk()) {
    const sextant::Status& st = col.isOk() ? row.status() : col.status();
    if (!limit(st)) die("only one path fails", input, st.toString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sextant::Result<dql::Query> q = dql::parse(input);
  if (!q.isOk()) {
    post(input, "", false);
    return 0;
  }
  post(input, "", true);
  columnarMatchesRows(input, *q);
  std::vector<std::string> names = dql::referencedVariables(*q);
  if (names.empty()) return 0;
  std::string some = R"(,"variables":{)";
  std::string all = some;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string sep = i == 0 ? "" : ",";
    some += sep + jsonString(names[i]) + (i % 2 == 0 ? R"(:"a")" : R"(:["web-1","c1"])");
    all += sep + jsonString(names[i]) + R"(:"__all__")";
  }
  post(input, some + "}", false);
  post(input, all + "}", false);
  return 0;
}
