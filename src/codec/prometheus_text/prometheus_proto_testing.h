// Test and bench support: the protobuf exposition built with libprotobuf (the generated
// io::prometheus::client classes of metrics.proto), an encoder independent of parseProtobuf().
//
//   toMetricFamilies(text exposition) -> the MetricFamily messages an exporter would send for
//   the same data (samples grouped into Metrics, quantile/le labels into Quantile/Bucket);
//   delimited(messages) -> the body (each message prefixed with its varint length).
//
// Only counter, gauge, untyped, summary and histogram families (0.0.4 text); others are skipped.
// Not thread-safe beyond what libprotobuf messages are (no shared state here).
#pragma once

#include <string>
#include <vector>

#include "codec/prometheus_text/metrics.pb.h"
#include "codec/prometheus_text/prometheus_text.h"

namespace sextant::codec::prom::testing {

std::vector<io::prometheus::client::MetricFamily> toMetricFamilies(const Exposition& text);

std::string delimited(const std::vector<io::prometheus::client::MetricFamily>& families);

}  // namespace sextant::codec::prom::testing
