#include "agent/write_api.h"

#include "codec/compression/compression.h"
#include "codec/line_protocol/line_protocol.h"
#include "codec/point_json/point_json.h"
#include "codec/point_pb/point_pb.h"
#include "model/check.h"

namespace sextant::agent {

namespace {

constexpr std::string_view kPbJsonType = "application/pbjson; proto=com.guance.Point";
constexpr std::string_view kProtobufType = "application/protobuf; proto=com.guance.Point";

enum class BodyFormat { kLineProtocol, kJson, kPbJson, kProtobuf };

BodyFormat formatOf(std::string_view content_type) {
  if (content_type.find("application/json") != std::string_view::npos) return BodyFormat::kJson;
  if (content_type == kPbJsonType) return BodyFormat::kPbJson;
  if (content_type == kProtobufType) return BodyFormat::kProtobuf;
  return BodyFormat::kLineProtocol;
}

enum class Echo { kNone, kLineProtocol, kJson, kPbJson };

Echo echoOf(const net::HttpRequest& req) {
  bool present = false;
  std::string_view echo = req.queryValue("echo", &present);
  if (present) {
    if (echo == "lp") return Echo::kLineProtocol;
    if (echo == "json") return Echo::kJson;
    if (echo == "pbjson") return Echo::kPbJson;
  }
  if (req.hasQuery("echo_line_proto")) return Echo::kLineProtocol;
  if (req.hasQuery("echo_json")) return Echo::kJson;
  return Echo::kNone;
}

// Simple JSON `time` is scaled by an explicit ?precision=; without one it is taken as ns (the
// per-point auto-detection applies to line protocol only).
int64_t jsonTimeMultiplier(codec::lp::Precision p) {
  switch (p) {
    case codec::lp::Precision::kMicrosecond: return 1'000;
    case codec::lp::Precision::kMillisecond: return 1'000'000;
    case codec::lp::Precision::kSecond: return 1'000'000'000;
    case codec::lp::Precision::kMinute: return 60'000'000'000;
    case codec::lp::Precision::kHour: return 3'600'000'000'000;
    default: return 1;
  }
}

struct Decoded {
  std::vector<model::Point> points;
  std::optional<net::HttpResponse> error;
};

Decoded decodeBody(std::string_view body, BodyFormat format, model::Category category,
                   codec::lp::Precision precision, int64_t now_ns) {
  Decoded out;
  switch (format) {
    case BodyFormat::kLineProtocol: {
      codec::lp::DecodeOptions opts;
      opts.category = category;
      opts.precision = precision;
      opts.now_ns = now_ns;
      codec::lp::DecodeResult r = codec::lp::decode(body, opts);
      if (!r.ok()) {
        // DataKit rejects the whole request when any line is bad.
        out.error = apiError(400, "datakit.invalidLinePoint", r.errorMessage());
        return out;
      }
      out.points = std::move(r.points);
      return out;
    }
    case BodyFormat::kJson: {
      auto r = codec::json::decodeJson(body, category, now_ns, jsonTimeMultiplier(precision));
      if (!r.isOk()) {
        out.error = apiError(400, "datakit.invalidJsonPoint", r.status().message());
        return out;
      }
      out.points = std::move(r).value();
      return out;
    }
    case BodyFormat::kPbJson: {
      auto r = codec::json::decodePbJson(body, category);
      if (!r.isOk()) {
        out.error = apiError(400, "datakit.invalidJsonPoint", r.status().message());
        return out;
      }
      out.points = std::move(r).value();
      return out;
    }
    case BodyFormat::kProtobuf: {
      auto r = codec::pb::decode(body, category);
      if (!r.isOk()) {
        out.error = apiError(400, "datakit.invalidProtobufPoint", r.status().message());
        return out;
      }
      out.points = std::move(r).value();
      return out;
    }
  }
  return out;
}

// The FeedOptions of a request (see WriteContext::sink).
FeedOptions feedOptionsOf(const net::HttpRequest& req, model::Category category) {
  FeedOptions feed;
  bool has_input = false;
  std::string_view input = req.queryValue("input", &has_input);
  feed.input =
      has_input && !input.empty() ? std::string(input) : std::string(model::categoryName(category));
  feed.durable = true;
  if (std::string_view source = req.queryValue("source"); !source.empty()) {
    feed.pipeline = std::string(source) + ".p";
  }
  if (category == model::Category::kLogging) {  // DataKit: logging only
    feed.storage_index = std::string(req.queryValue("storage_index"));
  }
  feed.election = req.hasQuery("global_election_tags");
  feed.ignore_global_tags = !feed.election && (req.hasQuery("ignore_global_host_tags") ||
                                               req.hasQuery("ignore_global_tags"));
  return feed;
}

// The answer to a feed's outcome: nullopt when it is ok.
std::optional<net::HttpResponse> feedError(const Status& st) {
  if (st.code() == StatusCode::kResourceExhausted) {
    return apiError(503, "datakit.queueFull", st.message());
  }
  if (!st.isOk()) return apiError(500, "datakit.feedFailed", st.message());
  return std::nullopt;
}

}  // namespace

net::HttpResponse handleWrite(const net::HttpRequest& req, const WriteContext& ctx) {
  std::optional<model::Category> category = model::parseCategory(req.pathParam("category"));
  if (!category || !model::acceptedByWriteApi(*category) ||
      req.pathParam("category") != model::categoryName(*category)) {
    return apiError(400, "datakit.invalidCategory",
                    "invalid category '" + std::string(req.pathParam("category")) + "'");
  }

  bool has_encoding = false;
  std::string_view encoding_name = req.queryValue("encoding", &has_encoding);
  if (!has_encoding || encoding_name.empty()) encoding_name = req.header("Content-Encoding");
  std::optional<codec::ContentEncoding> encoding = codec::parseContentEncoding(encoding_name);
  if (!encoding) {
    return apiError(400, "datakit.decodeBodyFailed",
                    "unsupported encoding '" + std::string(encoding_name) + "'");
  }
  std::string decompressed;
  std::string_view body = req.body;
  if (*encoding != codec::ContentEncoding::kIdentity && !body.empty()) {
    auto r = codec::decompress(body, *encoding, ctx.max_decompressed_bytes);
    if (!r.isOk()) return apiError(400, "datakit.decodeBodyFailed", r.status().message());
    decompressed = std::move(r).value();
    body = decompressed;
  }
  if (body.empty()) return apiError(400, "datakit.emptyBody", "empty body");

  bool has_precision = false;
  std::string_view precision_name = req.queryValue("precision", &has_precision);
  codec::lp::Precision precision =
      has_precision ? codec::lp::parsePrecision(precision_name) : codec::lp::Precision::kAuto;

  const BodyFormat format = formatOf(req.header("Content-Type"));
  const int64_t now_ns = ctx.now_ns();
  model::CheckOptions check;
  check.strict = req.hasQuery("strict");
  const Echo echo = echoOf(req);
  const bool dry = req.hasQuery("dry");

  // The fast path: points that need no repair go from the text straight to the upload encoding.
  if (format == BodyFormat::kLineProtocol && echo == Echo::kNone && !dry && ctx.sink &&
      ctx.line_protocol_feed) {
    codec::lp::DecodeOptions opts;
    opts.category = *category;
    opts.precision = precision;
    opts.now_ns = now_ns;
    std::optional<Status> fed =
        ctx.line_protocol_feed(*category, body, opts, check, feedOptionsOf(req, *category));
    if (fed) {
      if (auto error = feedError(*fed)) return std::move(*error);
      return net::HttpResponse{};
    }
  }

  Decoded decoded = decodeBody(body, format, *category, precision, now_ns);
  if (decoded.error) return std::move(*decoded.error);

  // Normalised in place; points left without fields (no_field: nothing to store) are dropped by
  // compacting the vector. Warnings are kept only for the pbjson echo, the one that shows them.
  std::vector<model::Point>& points = decoded.points;
  std::vector<model::Warning> warnings;
  std::vector<std::vector<model::Warning>> kept_warnings;
  size_t kept = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    warnings.clear();
    Status st = model::normalize(points[i], check, &warnings);
    if (!st.isOk()) return apiError(400, "datakit.pointGotWarning", st.message());
    if (points[i].fields.empty()) continue;
    if (kept != i) points[kept] = std::move(points[i]);
    ++kept;
    if (echo == Echo::kPbJson) kept_warnings.push_back(warnings);
  }
  points.resize(kept);
  if (points.empty()) return apiError(400, "datakit.noPoints", "no points");

  net::HttpResponse resp;
  switch (echo) {
    case Echo::kNone: break;
    case Echo::kLineProtocol:
      codec::lp::encode(points, &resp.body);
      resp.content_type = "text/plain; charset=utf-8";
      break;
    case Echo::kJson:
      codec::json::encodeJson(points, &resp.body);
      resp.content_type = "application/json";
      break;
    case Echo::kPbJson:
      codec::json::encodePbJson(points, kept_warnings, &resp.body);
      resp.content_type = "application/json";
      break;
  }
  if (!dry && ctx.sink) {
    Status st = ctx.sink(*category, std::move(points), feedOptionsOf(req, *category));
    if (auto error = feedError(st)) return std::move(*error);
  }
  return resp;
}

}  // namespace sextant::agent
