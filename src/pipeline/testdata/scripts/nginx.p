# nginx access log (combined format) and error log, one script as DataKit's nginx.p does.
add_pattern("access_common", "%{NOTSPACE:client_ip} %{NOTSPACE:http_ident} %{NOTSPACE:http_auth} \\[%{HTTPDATE:time}\\] \"%{DATA:http_method} %{GREEDYDATA:http_url} HTTP/%{NUMBER:http_version}\" %{INT:status_code:int} %{INT:bytes:int}")

if grok(_, '%{access_common} "%{DATA:referrer}" "%{DATA:agent}"') {
  user_agent(agent)
  group_between(status_code, [200, 299], "OK", status)
  group_between(status_code, [300, 399], "notice", status)
  group_between(status_code, [400, 499], "warning", status)
  group_between(status_code, [500, 599], "error", status)
  nullif(http_ident, "-")
  nullif(http_auth, "-")
} elif grok(_, "%{DATA:time} \\[%{LOGLEVEL:status}\\] %{INT:pid:int}#%{INT:tid:int}: (\\*%{INT:connection_id:int} )?%{GREEDYDATA:msg}") {
  grok(msg, "client: %{DATA:client_ip}, server: %{DATA:server}, request: \"%{DATA:http_method} %{NOTSPACE:http_url} HTTP/%{NUMBER:http_version}\"")
}
default_time(time)
