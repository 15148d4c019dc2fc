// Sextant's standard grok pattern library: the usual names (as in Logstash and DataKit scripts),
// written by us for RE2 (no lookaround, no backreferences; `\b` is used where other libraries
// use lookaround guards). One `NAME pattern` per line; `#` starts a comment line.
//
// Kept small on purpose: RE2 extracts submatches with its NFA, whose cost grows with the program
// size, so IPV6 and HOSTNAME avoid large counted repetitions (a label's 63-byte limit and the
// exact IPv6 group count are not enforced; they still reject what is not an address or a name).
#include "pipeline/funcs/grok_patterns.h"

namespace sextant::pipeline::funcs {

namespace {

constexpr std::string_view kPatterns = R"GROK(
# --- basic tokens
USERNAME [a-zA-Z0-9._-]+
USER %{USERNAME}
EMAILLOCALPART [a-zA-Z0-9._+-]+
EMAILADDRESS %{EMAILLOCALPART}@%{HOSTNAME}
HTTPDUSER %{EMAILADDRESS}|%{USER}
INT [+-]?[0-9]+
BASE10NUM [+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
NUMBER %{BASE10NUM}
BASE16NUM [+-]?(?:0[xX])?[0-9A-Fa-f]+
BASE16FLOAT [+-]?(?:0[xX])?(?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?|\.[0-9A-Fa-f]+)
POSINT \b[1-9][0-9]*\b
NONNEGINT \b[0-9]+\b
WORD \b\w+\b
NOTSPACE \S+
SPACE \s*
DATA .*?
GREEDYDATA .*
QUOTEDSTRING "(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`
QS %{QUOTEDSTRING}
UUID [A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}
URN urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:[0-9A-Za-z()+,.:=@;$_!*'%/?#-]+

# --- networking
CISCOMAC (?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4}
WINDOWSMAC (?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2}
COMMONMAC (?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2}
MAC %{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC}
IPV4OCTET 25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]
IPV4 %{IPV4OCTET}\.%{IPV4OCTET}\.%{IPV4OCTET}\.%{IPV4OCTET}
IPV6H16 [0-9A-Fa-f]{1,4}
IPV6 (?:(?:%{IPV6H16}:){1,7}(?::|(?::%{IPV6H16}){1,7}|%{IPV6H16}|%{IPV4})|::(?:%{IPV6H16}:){0,6}(?:%{IPV6H16}|%{IPV4})?)(?:%[0-9A-Za-z._~-]+)?
IP %{IPV6}|%{IPV4}
HOSTNAME \b[0-9A-Za-z][0-9A-Za-z_-]*(?:\.[0-9A-Za-z][0-9A-Za-z_-]*)*\b\.?
IPORHOST %{IP}|%{HOSTNAME}
HOST %{HOSTNAME}
HOSTPORT %{IPORHOST}:%{POSINT}

# --- paths and URIs
UNIXPATH (?:/(?:[\w%!$@:.,+~-]|\\.)*)+
TTY /dev/(?:pts|tty(?:[pq])?)(?:\w+)?/?(?:[0-9]+)
WINPATH (?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+
PATH %{UNIXPATH}|%{WINPATH}
URIPROTO [A-Za-z][A-Za-z0-9+.-]*
URIHOST %{IPORHOST}(?::%{POSINT})?
URIPATH (?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+
URIPARAM \?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]<>-]*
URIPATHPARAM %{URIPATH}(?:%{URIPARAM})?
URI %{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?

# --- dates and times
MONTH \b(?i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b
MONTHNUM 1[0-2]|0?[1-9]
MONTHNUM2 1[0-2]|0[1-9]
MONTHDAY 3[01]|[12][0-9]|0?[1-9]
DAY \b(?i:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:rs(?:day)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)\b
YEAR [0-9]{4}|[0-9]{2}
HOUR 2[0-3]|[01]?[0-9]
MINUTE [0-5][0-9]
SECOND (?:60|[0-5]?[0-9])(?:[:.,][0-9]+)?
TIME %{HOUR}:%{MINUTE}(?::%{SECOND})?
DATE_US %{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}
DATE_EU %{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}
DATE_CN %{YEAR}[./-]%{MONTHNUM}[./-]%{MONTHDAY}
DATE %{DATE_CN}|%{DATE_US}|%{DATE_EU}
ISO8601_TIMEZONE Z|[+-]%{HOUR}(?::?%{MINUTE})?
ISO8601_SECOND %{SECOND}
TIMESTAMP_ISO8601 %{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?(?:%{ISO8601_TIMEZONE})?
DATESTAMP %{DATE}[- T]%{TIME}
TZ \b(?:[PMCE][SD]T|UTC|GMT|CST|HKT|JST|KST|IST)\b
DATESTAMP_RFC822 %{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}
DATESTAMP_RFC2822 %{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}
DATESTAMP_OTHER %{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}
DATESTAMP_EVENTLOG %{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}
HTTPDATE %{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} [+-]?[0-9]{4}
SYSLOGTIMESTAMP %{MONTH} +%{MONTHDAY} %{TIME}
# DataKit scripts' "date2" shape (nginx error log, 2021/04/29 16:24:38)
NGINXERRTIME %{YEAR}/%{MONTHNUM2}/%{MONTHDAY} %{TIME}

# --- levels and programs
LOGLEVEL \b(?i:alert|trace|debug|notice|information|info|warning|warn|error|err|critical|crit|fatal|severe|emergency|emerg|panic|verbose|[DIWEF])\b
PROG [\x21-\x5a\x5c\x5e-\x7e]+
SYSLOGPROG %{PROG:program}(?:\[%{POSINT:pid}\])?
SYSLOGHOST %{IPORHOST}
SYSLOGFACILITY <%{NONNEGINT:facility}.%{NONNEGINT:priority}>
SYSLOGPRI <%{NONNEGINT:syslog_pri}>
SYSLOGBASE %{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:
SYSLOGLINE %{SYSLOGBASE} %{GREEDYDATA:message}

# --- web servers
COMMONAPACHELOG %{IPORHOST:clientip} %{HTTPDUSER:ident} %{USER:auth} \[%{HTTPDATE:timestamp}\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" %{NUMBER:response} (?:%{NUMBER:bytes}|-)
COMBINEDAPACHELOG %{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}
# nginx default "combined" access log, with the field names DataKit's nginx script produces
NGINXACCESS %{IPORHOST:client_ip} %{NOTSPACE:http_ident} %{NOTSPACE:http_auth} \[%{HTTPDATE:time}\] "(?:%{WORD:http_method} %{NOTSPACE:http_url}(?: HTTP/%{NUMBER:http_version})?|%{DATA:http_request})" %{INT:status_code:int} (?:%{INT:bytes:int}|-)(?: "%{DATA:referrer}" "%{DATA:agent}")?
# nginx error log: 2021/04/29 16:24:38 [error] 1234#1234: *1 message
NGINXERROR %{NGINXERRTIME:time} \[%{LOGLEVEL:status}\] %{INT:pid}#%{INT:tid}: (?:\*%{INT:connection_id} )?%{GREEDYDATA:msg}

# --- databases
# redis: 1:M 29 Apr 2021 16:24:38.123 * Ready to accept connections
REDISTIMESTAMP %{MONTHDAY} %{MONTH} %{YEAR} %{TIME}
REDISLOG %{INT:pid}:%{WORD:role} %{REDISTIMESTAMP:time} %{NOTSPACE:serverity} %{GREEDYDATA:msg}
# mysql 5.7+/8 error log: 2021-04-29T08:24:38.123456Z 0 [Note] [MY-010311] [Server] message
MYSQLERROR %{TIMESTAMP_ISO8601:time} %{INT:thread_id} \[%{WORD:status}\](?: \[%{NOTSPACE:code}\])?(?: \[%{WORD:subsystem}\])? %{GREEDYDATA:msg}
)GROK";

}  // namespace

std::string_view builtinGrokPatternText() { return kPatterns; }

}  // namespace sextant::pipeline::funcs
