#include "agent/api_error.h"

#include "codec/point_json/json_writer.h"

namespace sextant::agent {

net::HttpResponse apiError(int status, std::string_view code, std::string_view message) {
  std::string body;
  codec::json::JsonWriter w(&body);
  w.beginObject();
  w.key("error_code");
  w.string(code);
  w.key("message");
  w.string(message);
  w.endObject();
  net::HttpResponse resp = net::HttpResponse::json(status, std::move(body));
  resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return resp;
}

}  // namespace sextant::agent
