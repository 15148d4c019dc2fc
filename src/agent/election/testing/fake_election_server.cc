#include "agent/election/testing/fake_election_server.h"

#include "codec/point_json/json_writer.h"

namespace sextant::agent::election::testing {

namespace {

net::HttpResponse message(int status, std::string_view text) {
  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  w.key("message");
  w.string(text);
  w.endObject();
  return net::HttpResponse::json(status, std::move(body));
}

}  // namespace

FakeElectionServer::FakeElectionServer(FakeElectionServerOptions options) : options_(options) {}

FakeElectionServer::~FakeElectionServer() { stop(); }

Status FakeElectionServer::start() {
  net::Router router;
  router.add("POST", "/v1/election",
             [this](net::HttpRequest& req) { return handle(req, /*heartbeat=*/false); });
  router.add("POST", "/v1/election/heartbeat",
             [this](net::HttpRequest& req) { return handle(req, /*heartbeat=*/true); });
  net::HttpServerOptions opts;
  opts.listen = "127.0.0.1:0";
  opts.threads = 2;
  server_ = std::make_unique<net::HttpServer>(std::move(opts), std::move(router));
  return server_->start();
}

void FakeElectionServer::stop() {
  if (server_) server_->stop();
}

uint16_t FakeElectionServer::port() const { return server_ ? server_->port() : 0; }

std::string FakeElectionServer::datawayUrl(std::string_view token) const {
  return "http://127.0.0.1:" + std::to_string(port()) + "?token=" + std::string(token);
}

std::string FakeElectionServer::leader(const std::string& token,
                                       const std::string& election_namespace) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seats_.find({token, election_namespace});
  if (it == seats_.end() || it->second.expires <= std::chrono::steady_clock::now()) return "";
  return it->second.holder;
}

void FakeElectionServer::failRequests(int status, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_status_ = status;
  fail_body_ = std::move(body);
}

void FakeElectionServer::setReplyInterval(int seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.reply_interval = seconds;
}

uint64_t FakeElectionServer::campaigns() const {
  std::lock_guard<std::mutex> lock(mu_);
  return campaigns_;
}

uint64_t FakeElectionServer::heartbeats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return heartbeats_;
}

net::HttpResponse FakeElectionServer::handle(const net::HttpRequest& req, bool heartbeat) {
  std::lock_guard<std::mutex> lock(mu_);
  ++(heartbeat ? heartbeats_ : campaigns_);
  if (fail_status_ != 0) return net::HttpResponse::json(fail_status_, fail_body_);

  bool has_token = false;
  std::string token(req.queryValue("token", &has_token));
  if (!has_token || token.empty()) return message(401, "token missing");
  std::string ns(req.queryValue("namespace"));
  std::string id(req.queryValue("id"));
  if (id.empty()) return message(400, "id missing");

  auto now = std::chrono::steady_clock::now();
  Seat& seat = seats_[{token, ns}];
  bool vacant = seat.holder.empty() || seat.expires <= now;
  bool won = false;
  if (heartbeat) {
    won = seat.holder == id;  // an expired lease nobody took may be renewed
  } else {
    won = vacant || seat.holder == id;
  }
  if (won) {
    seat.holder = id;
    seat.expires = now + options_.lease;
  }
  std::string incumbent = (won || !vacant) ? seat.holder : "";

  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  w.key("content");
  w.beginObject();
  w.key("status");
  w.string(won ? "success" : "defeat");
  w.key("namespace");
  w.string(ns);
  w.key("id");
  w.string(id);
  w.key("incumbency_id");
  w.string(incumbent);
  w.key("error_msg");
  w.string("");
  w.key("interval");
  w.integer(options_.reply_interval);
  w.endObject();
  w.endObject();
  return net::HttpResponse::json(200, std::move(body));
}

}  // namespace sextant::agent::election::testing
