// [[inputs.prom]] -> PromInput: the table's keys with DataKit's defaults and semantics
// (reference §1.1), the pod annotation's variant, and the registration.
#include <algorithm>
#include <cctype>

#include "agent/inputs/prom/prom_input.h"
#include "codec/point_json/base64.h"

namespace sextant::agent::inputs::prom {

namespace {

Status regexes(const config::ConfigTable& t, std::string_view key,
               std::vector<std::shared_ptr<const re2::RE2>>* out) {
  std::vector<std::string> exprs;
  SEXTANT_RETURN_IF_ERROR(t.get(key, &exprs));
  auto compiled = compileRegexes(exprs);
  if (!compiled.isOk()) return invalidArgument(t.where(key) + ": " + compiled.status().message());
  *out = std::move(*compiled);
  return Status::ok();
}

// The PEM text of a *_base64 option (whitespace in the base64 is ignored).
Result<std::string> pemFromBase64(const config::ConfigTable& t, std::string_view key,
                                  std::string_view b64) {
  std::string compact;
  for (char ch : b64) {
    if (!std::isspace(static_cast<unsigned char>(ch))) compact += ch;
  }
  std::string pem;
  if (!codec::json::base64Decode(compact, &pem)) {
    return invalidArgument(t.where(key) + ": not valid base64");
  }
  return pem;
}

}  // namespace

Result<PromConfig> parsePromConfig(const config::ConfigTable& t, const PromConfig& defaults) {
  PromConfig c = defaults;
  ConvertOptions& o = c.convert;
  SEXTANT_RETURN_IF_ERROR(t.get("urls", &c.urls));
  std::string url;
  SEXTANT_RETURN_IF_ERROR(t.get("url", &url));
  if (c.urls.empty() && !url.empty()) c.urls.push_back(url);  // deprecated `url`
  if (c.urls.empty()) return invalidArgument(t.where("urls") + ": no URL configured");
  SEXTANT_RETURN_IF_ERROR(t.get("source", &c.source));
  SEXTANT_RETURN_IF_ERROR(t.get("interval", &c.interval));
  c.interval = std::clamp<std::chrono::nanoseconds>(c.interval, std::chrono::seconds(1),
                                                    std::chrono::minutes(5));
  SEXTANT_RETURN_IF_ERROR(t.get("timeout", &c.timeout));
  if (c.timeout < std::chrono::seconds(3)) c.timeout = std::chrono::seconds(3);
  SEXTANT_RETURN_IF_ERROR(t.get("ignore_req_err", &c.ignore_req_err));
  SEXTANT_RETURN_IF_ERROR(t.get("election", &c.election));
  SEXTANT_RETURN_IF_ERROR(t.get("disable_instance_tag", &c.disable_instance_tag));
  SEXTANT_RETURN_IF_ERROR(t.get("prefer_protobuf", &c.prefer_protobuf));
  SEXTANT_RETURN_IF_ERROR(t.get("uds_path", &c.uds_path));

  // What is kept and how it is named.
  SEXTANT_RETURN_IF_ERROR(t.get("metric_types", &o.metric_types));
  for (std::string& s : o.metric_types)
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
  SEXTANT_RETURN_IF_ERROR(regexes(t, "metric_name_filter", &o.metric_name_filter));
  SEXTANT_RETURN_IF_ERROR(regexes(t, "metric_name_filter_ignore", &o.metric_name_filter_ignore));
  SEXTANT_RETURN_IF_ERROR(t.get("measurement_prefix", &o.measurement_prefix));
  SEXTANT_RETURN_IF_ERROR(t.get("measurement_name", &o.measurement_name));
  auto rules = t.tableArray("measurements");
  if (!rules.isOk()) return rules.status();
  for (const config::ConfigTable& r : *rules) {
    MeasurementRule rule;
    SEXTANT_RETURN_IF_ERROR(r.get("prefix", &rule.prefix));
    SEXTANT_RETURN_IF_ERROR(r.get("name", &rule.name));
    o.measurements.push_back(std::move(rule));
  }
  SEXTANT_RETURN_IF_ERROR(t.get("keep_exist_metric_name", &o.keep_exist_metric_name));
  SEXTANT_RETURN_IF_ERROR(t.get("honor_timestamps", &o.honor_timestamps));
  SEXTANT_RETURN_IF_ERROR(t.get("disable_info_tag", &o.disable_info_tag));

  // Tags.
  std::map<std::string, std::string> tags;
  SEXTANT_RETURN_IF_ERROR(t.get("tags", &tags));
  for (auto& [k, v] : tags) o.tags.emplace_back(k, v);
  SEXTANT_RETURN_IF_ERROR(t.get("tags_ignore", &o.tags_ignore));
  auto rename = t.table("tags_rename");
  if (!rename.isOk()) return rename.status();
  if (*rename) {
    SEXTANT_RETURN_IF_ERROR((*rename)->get("overwrite_exist_tags", &o.overwrite_exist_tags));
    SEXTANT_RETURN_IF_ERROR((*rename)->get("mapping", &o.tags_rename));
  }
  auto kv = t.table("ignore_tag_kv_match");
  if (!kv.isOk()) return kv.status();
  if (*kv) {
    for (const std::string& key : (*kv)->keys()) {
      std::vector<std::shared_ptr<const re2::RE2>> res;
      SEXTANT_RETURN_IF_ERROR(regexes(**kv, key, &res));
      o.ignore_tag_kv_match.emplace_back(key, std::move(res));
    }
  }
  auto logging = t.table("as_logging");
  if (!logging.isOk()) return logging.status();
  if (*logging) {
    SEXTANT_RETURN_IF_ERROR((*logging)->get("enable", &o.as_logging));
    SEXTANT_RETURN_IF_ERROR((*logging)->get("service", &o.logging_service));
  }

  // TLS: the deprecated tls_* keys with tls_open (no CA = no verification), else the new ones.
  bool tls_open = false;
  SEXTANT_RETURN_IF_ERROR(t.get("tls_open", &tls_open));
  SEXTANT_RETURN_IF_ERROR(t.get("insecure_skip_verify", &c.tls.insecure_skip_verify));
  SEXTANT_RETURN_IF_ERROR(t.get("server_name", &c.tls.server_name));
  if (tls_open) {
    std::string ca;
    SEXTANT_RETURN_IF_ERROR(t.get("tls_ca", &ca));
    if (!ca.empty()) c.tls.ca_files = {ca};
    SEXTANT_RETURN_IF_ERROR(t.get("tls_cert", &c.tls.cert_file));
    SEXTANT_RETURN_IF_ERROR(t.get("tls_key", &c.tls.key_file));
    if (c.tls.ca_files.empty()) c.tls.insecure_skip_verify = true;
  } else {
    SEXTANT_RETURN_IF_ERROR(t.get("ca_certs", &c.tls.ca_files));
    SEXTANT_RETURN_IF_ERROR(t.get("cert", &c.tls.cert_file));
    SEXTANT_RETURN_IF_ERROR(t.get("cert_key", &c.tls.key_file));
    // The *_base64 variants: PEM text, base64-encoded (whitespace ignored).
    std::vector<std::string> cas64;
    SEXTANT_RETURN_IF_ERROR(t.get("ca_certs_base64", &cas64));
    for (const std::string& ca : cas64) {
      auto pem = pemFromBase64(t, "ca_certs_base64", ca);
      if (!pem.isOk()) return pem.status();
      c.tls.ca_pem += *pem + "\n";
    }
    for (auto [key, out] : {std::pair{"cert_base64", &c.tls.cert_pem},
                            std::pair{"cert_key_base64", &c.tls.key_pem}}) {
      std::string b64;
      SEXTANT_RETURN_IF_ERROR(t.get(key, &b64));
      if (b64.empty()) continue;
      auto pem = pemFromBase64(t, key, b64);
      if (!pem.isOk()) return pem.status();
      *out = std::move(pem).value();
    }
  }

  // Request headers and authentication.
  SEXTANT_RETURN_IF_ERROR(t.get("http_headers", &c.http_headers));
  SEXTANT_RETURN_IF_ERROR(t.get("bearer_token_file", &c.bearer_token_file));
  auto auth = t.table("auth");
  if (!auth.isOk()) return auth.status();
  if (*auth) {
    std::string type;
    SEXTANT_RETURN_IF_ERROR((*auth)->get("type", &type));
    if (type == "bearer_token") {  // any other type: a plain GET, as DataKit
      SEXTANT_RETURN_IF_ERROR((*auth)->get("token", &c.bearer_token));
      SEXTANT_RETURN_IF_ERROR((*auth)->get("token_file", &c.bearer_token_file));
    }
  }
  return c;
}

Result<std::vector<PromConfig>> parsePromInstancesAnnotation(std::string_view annotation,
                                                             const PodFacts& pod) {
  std::string text = expandPromInstancesTemplate(annotation, pod);
  auto doc = config::ConfigTable::parse(
      text, "annotation " + pod.ns + "/" + pod.name + " datakit/prom.instances");
  if (!doc.isOk()) return doc.status();
  auto inputs = doc->table("inputs");
  if (!inputs.isOk()) return inputs.status();
  std::vector<PromConfig> out;
  if (!*inputs) return out;
  auto blocks = (*inputs)->tableArray("prom");
  if (!blocks.isOk()) return blocks.status();
  PromConfig defaults;
  defaults.election = false;  // every node scrapes its own pods
  defaults.source = pod.ns + "/" + pod.name;
  for (const config::ConfigTable& b : *blocks) {
    auto c = parsePromConfig(b, defaults);
    if (!c.isOk()) return c.status();
    out.push_back(std::move(*c));
  }
  return out;
}

void registerPromInput(std::vector<InputFactory>* list) {
  list->push_back(InputFactory{
      "prom",
      [](const config::ConfigTable& table, const InputEnv&) -> Result<std::unique_ptr<Input>> {
        auto c = parsePromConfig(table);
        if (!c.isOk()) return c.status();
        return std::unique_ptr<Input>(new PromInput(std::move(*c)));
      }});
}

}  // namespace sextant::agent::inputs::prom
