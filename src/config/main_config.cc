#include "config/main_config.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "core/duration.h"

namespace sextant::config {

namespace {
std::string where(const std::string& source, const toml::node& node) {
  return source + ":" + std::to_string(node.source().begin.line);
}
}  // namespace

Result<MainConfig> parseMainConfig(std::string_view toml_text, const std::string& source_name) {
  toml::parse_result parsed = toml::parse(toml_text, source_name);
  if (!parsed) {
    const auto& err = parsed.error();
    return invalidArgument(source_name + ":" + std::to_string(err.source().begin.line) + ":" +
                           std::to_string(err.source().begin.column) + ": " +
                           std::string(err.description()));
  }
  MainConfig cfg;
  const toml::table& root = parsed.table();
  if (const toml::table* http = root["http_api"].as_table()) {
    if (const toml::node* n = http->get("listen")) {
      auto v = n->value<std::string>();
      if (!v) return invalidArgument(where(source_name, *n) + ": [http_api] listen: want a string");
      cfg.http_api.listen = *v;
    }
    if (const toml::node* n = http->get("timeout")) {
      auto v = n->value<std::string>();
      if (!v)
        return invalidArgument(where(source_name, *n) + ": [http_api] timeout: want a string");
      auto d = parseDuration(*v);
      if (!d.isOk())
        return invalidArgument(where(source_name, *n) +
                               ": [http_api] timeout: " + d.status().message());
      cfg.http_api.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
    if (const toml::node* n = http->get("disable_404page")) {
      auto v = n->value<bool>();
      if (!v)
        return invalidArgument(where(source_name, *n) +
                               ": [http_api] disable_404page: want a bool");
      cfg.http_api.disable_404page = *v;
    }
    if (const toml::node* n = http->get("allowed_cors_origins")) {
      const toml::array* arr = n->as_array();
      if (!arr)
        return invalidArgument(where(source_name, *n) +
                               ": [http_api] allowed_cors_origins: want an array of strings");
      for (const toml::node& item : *arr) {
        auto v = item.value<std::string>();
        if (!v)
          return invalidArgument(where(source_name, item) +
                                 ": [http_api] allowed_cors_origins: want an array of strings");
        cfg.http_api.allowed_cors_origins.push_back(*v);
      }
    }
  }
  return cfg;
}

Result<MainConfig> loadMainConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MainConfig{};
  std::stringstream ss;
  ss << in.rdbuf();
  return parseMainConfig(ss.str(), path);
}

}  // namespace sextant::config
