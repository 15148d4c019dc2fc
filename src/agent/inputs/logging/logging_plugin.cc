// [[inputs.logging]] parsing (DataKit's keys and defaults, Sextant's extra knobs) and the
// factory registered in src/agent/inputs/registry.cc.
#include <string>
#include <utility>
#include <vector>

#include "agent/inputs/host_common/plugin_util.h"
#include "agent/inputs/logging/logging_input.h"

namespace sextant::agent::inputs::logging {
namespace {

Status getSize(const config::ConfigTable& t, std::string_view key, size_t* out, int64_t min = 1) {
  int64_t v = static_cast<int64_t>(*out);
  SEXTANT_RETURN_IF_ERROR(t.get(key, &v));
  if (v < min) return invalidArgument(t.where(key) + ": must be >= " + std::to_string(min));
  *out = static_cast<size_t>(v);
  return Status::ok();
}

}  // namespace

Result<LoggingConfig> parseLoggingConfig(const config::ConfigTable& t, const EnvMap& env) {
  LoggingConfig c;
  SEXTANT_RETURN_IF_ERROR(t.get("logfiles", &c.logfiles));
  SEXTANT_RETURN_IF_ERROR(t.get("ignore", &c.ignore));
  SEXTANT_RETURN_IF_ERROR(t.get("source", &c.source));
  SEXTANT_RETURN_IF_ERROR(t.get("service", &c.service));
  SEXTANT_RETURN_IF_ERROR(t.get("pipeline", &c.pipeline));
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_status", &c.ignore_status));
  SEXTANT_RETURN_IF_ERROR(t.get("field_white_list", &c.field_white_list));
  SEXTANT_RETURN_IF_ERROR(t.get("storage_index", &c.storage_index));
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &c.tags));
  SEXTANT_RETURN_IF_ERROR(t.get("max_open_files", &c.max_open_files));
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_dead_log", &c.ignore_dead_log));
  SEXTANT_RETURN_IF_ERROR(t.get("from_beginning", &c.from_beginning));
  std::string encoding;
  SEXTANT_RETURN_IF_ERROR(t.get("character_encoding", &encoding));
  std::string mode;
  SEXTANT_RETURN_IF_ERROR(t.get("mode", &mode));
  DecoderOptions& d = c.decoder;
  d.auto_multiline = true;                                      // DataKit's default
  SEXTANT_RETURN_IF_ERROR(t.get("match", &d.multiline_match));  // deprecated alias
  SEXTANT_RETURN_IF_ERROR(t.get("multiline_match", &d.multiline_match));
  SEXTANT_RETURN_IF_ERROR(t.get("auto_multiline_detection", &d.auto_multiline));
  SEXTANT_RETURN_IF_ERROR(t.get("auto_multiline_extra_patterns", &d.auto_extra_patterns));
  SEXTANT_RETURN_IF_ERROR(t.get("remove_ansi_escape_codes", &d.remove_ansi));
  // Sextant's own keys.
  SEXTANT_RETURN_IF_ERROR(getSize(t, "max_line_bytes", &d.max_line_bytes, kMinLineBytes));
  SEXTANT_RETURN_IF_ERROR(getSize(t, "multiline_max_lines", &d.max_lines_per_entry));
  SEXTANT_RETURN_IF_ERROR(getSize(t, "multiline_max_bytes", &d.max_entry_bytes));
  SEXTANT_RETURN_IF_ERROR(t.get("multiline_timeout", &c.multiline_timeout));
  SEXTANT_RETURN_IF_ERROR(t.get("checkpoint_interval", &c.checkpoint_interval));
  SEXTANT_RETURN_IF_ERROR(getSize(t, "socket_max_connections", &c.socket_max_connections));
  std::vector<std::string> sockets;
  SEXTANT_RETURN_IF_ERROR(t.get("sockets", &sockets));
  c.sockets_where = t.where("sockets");
  if (sockets.empty()) {  // DataKit's sample spells the key `socket`
    SEXTANT_RETURN_IF_ERROR(t.get("socket", &sockets));
    if (!sockets.empty()) c.sockets_where = t.where("socket");
  }

  EnvOverrides e("logging", env);
  e.appendList("LOGFILES", &c.logfiles);
  e.appendList("IGNORE", &c.ignore);
  e.nonEmptyString("SOURCE", &c.source);
  e.nonEmptyString("SERVICE", &c.service);
  e.nonEmptyString("PIPELINE", &c.pipeline);
  e.appendList("SOCKETS", &sockets);
  e.appendList("IGNORE_STATUS", &c.ignore_status);
  e.appendList("FIELD_WHITE_LIST", &c.field_white_list);
  e.nonEmptyString("STORAGE_INDEX", &c.storage_index);
  e.nonEmptyString("CHARACTER_ENCODING", &encoding);
  e.nonEmptyString("MULTILINE_MATCH", &d.multiline_match);
  e.tags("TAGS", &c.tags);
  SEXTANT_RETURN_IF_ERROR(e.boolean("FROM_BEGINNING", &c.from_beginning));
  SEXTANT_RETURN_IF_ERROR(e.boolean("REMOVE_ANSI_ESCAPE_CODES", &d.remove_ansi));
  SEXTANT_RETURN_IF_ERROR(e.duration("IGNORE_DEAD_LOG", &c.ignore_dead_log));

  Result<Encoding> enc = parseEncoding(encoding);
  if (!enc.isOk())
    return invalidArgument(t.where("character_encoding") + ": " + enc.status().message());
  d.encoding = *enc;
  Result<LineMode> m = parseLineMode(mode);
  if (!m.isOk()) return invalidArgument(t.where("mode") + ": " + m.status().message());
  d.mode = *m;
  if (c.source.empty()) c.source = "default";
  // DataKit's sample has ignore = [""]: empty patterns match nothing.
  std::erase_if(c.ignore, [](const std::string& g) { return g.empty(); });
  std::erase_if(sockets, [](const std::string& s) { return s.empty(); });
  std::erase_if(c.ignore_status, [](const std::string& s) { return s.empty(); });
  std::erase_if(c.field_white_list, [](const std::string& s) { return s.empty(); });
  for (const std::string& s : sockets) {
    Result<SocketAddress> a = parseSocketUrl(s);
    if (!a.isOk()) return invalidArgument(c.sockets_where + ": " + a.status().message());
    c.sockets.push_back(std::move(*a));
  }
  if (c.logfiles.empty() && c.sockets.empty()) {
    return invalidArgument(t.where("logfiles") + ": no files to tail and no sockets");
  }
  for (const std::string& g : c.logfiles) {
    if (g.empty() || g[0] != '/') {
      return invalidArgument(t.where("logfiles") + ": '" + g + "' is not an absolute path");
    }
  }
  if (!d.multiline_match.empty()) {
    SEXTANT_RETURN_IF_ERROR(checkRegexes({d.multiline_match}, t.where("multiline_match")));
  }
  SEXTANT_RETURN_IF_ERROR(
      checkRegexes(d.auto_extra_patterns, t.where("auto_multiline_extra_patterns")));
  return c;
}

void registerLoggingInput(std::vector<InputFactory>* list) {
  list->push_back(InputFactory{
      "logging",
      [](const config::ConfigTable& table, const InputEnv& env) -> Result<std::unique_ptr<Input>> {
        Result<LoggingConfig> c = parseLoggingConfig(table, env.env);
        if (!c.isOk()) return c.status();
        Result<std::unique_ptr<LoggingInput>> in = LoggingInput::create(std::move(*c), env);
        if (!in.isOk()) return in.status();
        return std::unique_ptr<Input>(std::move(*in));
      }});
}

}  // namespace sextant::agent::inputs::logging
