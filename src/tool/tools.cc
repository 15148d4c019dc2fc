#include "tool/tools.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "codec/line_protocol/line_protocol.h"
#include "codec/point_json/point_json.h"
#include "core/clock.h"
#include "model/check.h"

namespace sextant::tool {

int runParseLp(const ParseLpOptions& opts, std::istream& in, std::ostream& out, std::ostream& err) {
  std::optional<model::Category> category = model::parseCategory(opts.category);
  if (!category) {
    err << "parse-lp: unknown category '" << opts.category << "'\n";
    return 2;
  }
  std::stringstream text;
  if (opts.file.empty() || opts.file == "-") {
    text << in.rdbuf();
  } else {
    std::ifstream f(opts.file, std::ios::binary);
    if (!f) {
      err << "parse-lp: cannot read " << opts.file << "\n";
      return 2;
    }
    text << f.rdbuf();
  }
  codec::lp::DecodeOptions dopts;
  dopts.category = *category;
  dopts.precision = codec::lp::parsePrecision(opts.precision);
  dopts.now_ns = wallNowNs();
  codec::lp::DecodeResult decoded = codec::lp::decode(text.str(), dopts);
  if (!decoded.ok()) {
    err << decoded.errorMessage() << "\n";
    return 1;
  }
  model::CheckOptions check;
  check.strict = opts.strict;
  int rc = 0;
  for (size_t i = 0; i < decoded.points.size(); ++i) {
    std::vector<model::Warning> warnings;
    Status st = model::normalize(decoded.points[i], check, &warnings);
    for (const auto& w : warnings)
      err << "point " << i + 1 << ": " << w.type << ": " << w.message << "\n";
    if (!st.isOk()) rc = 1;
  }
  if (rc != 0) return rc;
  std::string json;
  codec::json::encodeJson(decoded.points, &json);
  out << json << "\n";
  return 0;
}

}  // namespace sextant::tool
