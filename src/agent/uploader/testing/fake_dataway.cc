#include "agent/uploader/testing/fake_dataway.h"

#include "codec/compression/compression.h"
#include "codec/line_protocol/line_protocol.h"
#include "codec/point_pb/point_pb.h"

namespace sextant::agent::testing {

FakeDataway::FakeDataway(std::string token) : token_(std::move(token)) {}

FakeDataway::~FakeDataway() { stop(); }

Status FakeDataway::start() {
  if (server_) return Status::ok();
  net::Router router;
  router.add("POST", "/v1/write/:category",
             [this](net::HttpRequest& req) { return handleWrite(req); });
  net::HttpServerOptions opts;
  opts.listen = "127.0.0.1:" + std::to_string(port_);
  opts.threads = 2;
  opts.max_body_bytes = 256u << 20;
  auto server = std::make_unique<net::HttpServer>(opts, std::move(router));
  SEXTANT_RETURN_IF_ERROR(server->start());
  port_ = server->port();
  server_ = std::move(server);
  return Status::ok();
}

void FakeDataway::stop() {
  if (!server_) return;
  server_->stop();
  server_.reset();
}

std::string FakeDataway::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "?token=" + token_;
}

void FakeDataway::failWith(int status, std::string body) {
  std::lock_guard lock(mu_);
  fail_status_ = status;
  fail_body_ = std::move(body);
}

net::HttpResponse FakeDataway::handleWrite(net::HttpRequest& req) {
  Body b;
  b.category = std::string(req.pathParam("category"));
  b.target = req.target;
  b.headers = req.headers;
  b.bytes = req.body.size();
  auto answer = [&](int status, std::string text) {
    b.answered = status;
    {
      std::lock_guard lock(mu_);
      bodies_.push_back(b);
    }
    cv_.notify_all();
    return net::HttpResponse::json(status, std::move(text));
  };
  {
    std::lock_guard lock(mu_);
    if (fail_status_ != 0) {
      int status = fail_status_;
      std::string body = fail_body_;
      bodies_.push_back(b);
      bodies_.back().answered = status;
      cv_.notify_all();
      return net::HttpResponse::json(status, body);
    }
  }
  if (req.queryValue("token") != token_) {
    return answer(401, R"({"error_code":"kodo.tokenNotFound","message":"token not found"})");
  }
  auto category = model::parseCategory(b.category);
  if (!category) return answer(404, R"({"error_code":"kodo.unknownCategory"})");
  std::string raw = std::move(req.body);
  if (std::string_view ce = req.header("content-encoding"); !ce.empty()) {
    auto enc = codec::parseContentEncoding(ce);
    if (!enc) return answer(400, R"({"error_code":"kodo.badContentEncoding"})");
    auto plain = codec::decompress(raw, *enc, 512u << 20);
    if (!plain.isOk()) return answer(400, R"({"error_code":"kodo.badGzip"})");
    raw = std::move(plain).value();
  }
  std::vector<model::Point> pts;
  if (req.header("content-type").starts_with("application/protobuf")) {
    auto decoded = codec::pb::decode(raw, *category);
    if (!decoded.isOk()) return answer(400, R"({"error_code":"kodo.badProtobuf"})");
    pts = std::move(decoded).value();
  } else {
    codec::lp::DecodeOptions opts;
    opts.category = *category;
    auto decoded = codec::lp::decode(raw, opts);
    if (!decoded.ok()) return answer(400, R"({"error_code":"kodo.badLineProtocol"})");
    pts = std::move(decoded.points);
  }
  b.points = pts.size();
  {
    std::lock_guard lock(mu_);
    auto& dst = points_[*category];
    for (auto& p : pts) dst.push_back(std::move(p));
    ++accepted_;
  }
  return answer(200, "{}");
}

std::vector<model::Point> FakeDataway::points(model::Category category) const {
  std::lock_guard lock(mu_);
  auto it = points_.find(category);
  return it == points_.end() ? std::vector<model::Point>{} : it->second;
}

std::size_t FakeDataway::pointCount(model::Category category) const {
  std::lock_guard lock(mu_);
  auto it = points_.find(category);
  return it == points_.end() ? 0 : it->second.size();
}

std::size_t FakeDataway::pointCount() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [c, v] : points_) n += v.size();
  return n;
}

std::vector<FakeDataway::Body> FakeDataway::bodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

std::size_t FakeDataway::bodyCount() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

std::size_t FakeDataway::requestCount() const {
  std::lock_guard lock(mu_);
  return bodies_.size();
}

FakeDataway::Body FakeDataway::lastBody() const {
  std::lock_guard lock(mu_);
  for (auto it = bodies_.rbegin(); it != bodies_.rend(); ++it) {
    if (it->answered >= 200 && it->answered < 300) return *it;
  }
  return {};
}

void FakeDataway::clear() {
  std::lock_guard lock(mu_);
  points_.clear();
  bodies_.clear();
  accepted_ = 0;
}

bool FakeDataway::waitForPoints(model::Category category, std::size_t n,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    auto it = points_.find(category);
    return it != points_.end() && it->second.size() >= n;
  });
}

bool FakeDataway::waitForRequests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return bodies_.size() >= n; });
}

}  // namespace sextant::agent::testing
