# MySQL slow query log entries (multi-line, joined by the tailer's multiline_match).
grok(_, "(?s)# Time: %{TIMESTAMP_ISO8601:time}\n# User@Host: %{WORD:db_user}\\[%{DATA}\\] @ %{DATA:db_host} \\[%{DATA:db_ip}\\]\\s+Id:\\s+%{INT:thread_id:int}\n# Query_time: %{NUMBER:query_time:float}\\s+Lock_time: %{NUMBER:lock_time:float}\\s+Rows_sent: %{INT:rows_sent:int}\\s+Rows_examined: %{INT:rows_examined:int}\n%{GREEDYDATA:db_slow_statement}")
nullif(db_ip, "")
if query_time != nil && query_time > 1.0 {
  add_key(slow, true)
}
default_time(time)
