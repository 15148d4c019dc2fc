# Redis server log: "<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level char> <message>"
add_pattern("redis_date", "%{MONTHDAY} %{MONTH} %{YEAR} %{TIME}")
grok(_, "%{INT:pid:int}:%{WORD:role} %{redis_date:time} %{NOTSPACE:serverity} %{GREEDYDATA:msg}")
group_in(serverity, ["."], "debug", status)
group_in(serverity, ["-"], "info", status)
group_in(serverity, ["*"], "notice", status)
group_in(serverity, ["#"], "warning", status)
default_time_with_fmt(time, "02 Jan 2006 15:04:05.000")
