// The Zipkin v2 query API over stored tracing points (routes listed in trace_api.h, semantics in
// docs/api/apm.md), and the conversion of a stored span back to a model::Span. Internal to this
// folder: registerTraceApi() registers the routes.
//
// Thread-safety: the handlers may run concurrently; engine and store are borrowed.
#pragma once

#include <string_view>
#include <vector>

#include "model/span.h"
#include "net/router.h"
#include "server/api_common/api_common.h"
#include "server/trace_api/trace_model.h"
#include "server/workspace/workspace_store.h"
#include "storage/engine/storage_engine.h"

namespace sextant::server::trace_api {

void registerZipkinApi(net::Router& r, storage::StorageEngine& engine,
                       const workspace::WorkspaceStore& store, api::NowNs now_ns);

// The span a stored row stands for. When `message` is one Zipkin v2 JSON span it is used as is
// (full fidelity); otherwise the span is rebuilt from the row: service -> localEndpoint,
// resource -> name, start/duration, ids, status error/critical -> error (and an "error" tag),
// every other point tag (but service, source, span_type, status, operation...) -> tags.
model::Span spanFromRow(const SpanRow& row);

// Whether a span satisfies every term of an annotationQuery: `key=value` needs a tag with that
// value, a bare word an annotation with that value or a tag with that key. Keys also match their
// stored form with '.' replaced by '_' (DataKit's tag key rule), and `error` matches an error
// span.
bool matchesAnnotationQuery(const model::Span& span, const std::vector<AnnotationTerm>& terms);

}  // namespace sextant::server::trace_api
