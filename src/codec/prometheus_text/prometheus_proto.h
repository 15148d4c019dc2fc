// Prometheus protobuf exposition -> the same families of samples the text parser produces.
//
// The body is a sequence of io.prometheus.client.MetricFamily messages (metrics.proto beside this
// file), each preceded by its byte length as a varint: what an exporter answers to
// `Accept: application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;
// encoding=delimited`. Every family becomes the samples the text format writes for it (Go's
// `expfmt` text writer): counter, gauge and untyped one sample named like the family; a summary
// one sample per quantile (label `quantile` last), then `<name>_sum` and `<name>_count`; a
// histogram one `<name>_bucket` sample per classic bucket (label `le` last; a `+Inf` bucket with
// the sample count is added when missing), then `<name>_sum` and `<name>_count`. `le` and
// `quantile` values are spelled as Go writes them (formatGoFloat: "0.005", "1e+06", "+Inf").
// Details and what is skipped: README.md.
//
// Ownership: as parse(): names, label names and values and HELP texts are views into the body;
// generated sample names and `le`/`quantile` values are owned by the Exposition.
// Thread-safety: a pure function over caller-owned data.
#pragma once

#include <string_view>

#include "codec/prometheus_text/prometheus_text.h"

namespace sextant::codec::prom {

// The Content-Type of the delimited protobuf exposition.
inline constexpr std::string_view kProtobufContentType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
    "encoding=delimited";

// The Accept header of a scraper that prefers protobuf and takes the text format 0.0.4 otherwise
// (no OpenMetrics: DataKit's family names are the text format's).
inline constexpr std::string_view kProtobufAcceptHeader =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

// True when a response's Content-Type is the delimited protobuf exposition: media type
// `application/vnd.google.protobuf` (case-insensitive) with
// `proto=io.prometheus.client.MetricFamily` and `encoding=delimited` among its parameters (any
// order, blanks allowed).
bool isProtobufContentType(std::string_view content_type);

// Decodes a delimited protobuf exposition. Families keep the order of their first message;
// messages with the same family name are merged (the first one's type, help and unit win).
// kStrict: the first malformed message fails with InvalidArgument ("protobuf exposition: message
// 3 at byte 120: ..."). kLenient: a malformed message whose length prefix is intact is dropped
// whole and counted; a broken length prefix ends the decode (one more error); never fails.
Result<Exposition> parseProtobuf(std::string_view body, ErrorPolicy policy = ErrorPolicy::kStrict);

}  // namespace sextant::codec::prom
