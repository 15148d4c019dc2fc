// MainConfig: the agent's datakit.conf (TOML), as far as Sextant reads it today.
//
// Only [http_api] is read for now; every other DataKit section is accepted and ignored
// (the full model arrives with the agent runtime). Missing keys keep DataKit's defaults.
// Plain values; thread-compatible.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"

namespace sextant::config {

struct HttpApiConfig {
  std::string listen = "localhost:9529";
  std::chrono::milliseconds timeout{30'000};
  bool disable_404page = false;
  // Origins whose CORS requests are answered; empty = every origin (DataKit's default).
  std::vector<std::string> allowed_cors_origins;
};

struct MainConfig {
  HttpApiConfig http_api;
};

// Parses datakit.conf text. Errors name `source_name`, the line and the key, e.g.
// "datakit.conf:3: [http_api] timeout: bad duration '3x': unknown unit 'x' ...".
Result<MainConfig> parseMainConfig(std::string_view toml_text, const std::string& source_name);

// Reads and parses a file; a missing file gives the defaults.
Result<MainConfig> loadMainConfig(const std::string& path);

}  // namespace sextant::config
