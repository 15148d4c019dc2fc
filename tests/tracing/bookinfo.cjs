// Emits Bookinfo-shaped traces into a Sextant (or DataKit) agent with real tracing clients:
//   productpage -> details; productpage -> reviews v1 (9 of 10) or v2 (1 of 10);
//   reviews v2 -> ratings (reviews v1 never calls ratings); every second ratings call fails
//   (traces 19, 39, ...).
// Families (each with its own trace ids):
//   zipkin-js   zipkin + zipkin-transport-http, JSON v2 to <agent>/api/v2/spans, B3 shared
//               client/server span ids (supportsJoin), as Istio's Envoy sidecars send them;
//   otel-zipkin @opentelemetry/sdk-trace-base + @opentelemetry/exporter-zipkin to /api/v2/spans;
//   otel-otlp   @opentelemetry/sdk-trace-base + @opentelemetry/exporter-trace-otlp-proto to
//               /otel/v1/traces.
// Usage: node bookinfo.cjs --agent http://127.0.0.1:9529 --traces 100 --base-us <epoch µs>
//        [--families zipkin-js,otel-zipkin,otel-otlp]
// Prints one JSON line: {"family": {"traces": n, "v1": a, "v2": b, "errors": e,
// "trace_ids": [...first 5]}} and exits non-zero when any export failed.
'use strict';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const agent = args.agent;
const traces = Number(args.traces || 100);
const baseUs = Number(args['base-us'] || Date.now() * 1000);
const families = (args.families || 'zipkin-js,otel-zipkin,otel-otlp').split(',');
if (!agent) {
  console.error('usage: node bookinfo.cjs --agent URL [--traces N] [--base-us T]');
  process.exit(2);
}

const SERVICES = {
  productpage: 'v1', details: 'v1', ratings: 'v1',
};
// One trace's calls, times in µs relative to its start. reviewsVersion picks the canary.
function plan(i) {
  const reviews = i % 10 === 9 ? 'v2' : 'v1';
  return {
    reviews,
    ratingsError: reviews === 'v2' && (i % 20 === 19),
  };
}

let failures = 0;

// ---------------------------------------------------------------- zipkin-js
async function zipkinJs() {
  const {Tracer, BatchRecorder, ExplicitContext, Annotation, InetAddress, jsonEncoder} = require('zipkin');
  const {HttpLogger} = require('zipkin-transport-http');
  const pending = [];
  const fetchImpl = (url, opts) => {
    const p = fetch(url, {method: opts.method, body: opts.body, headers: opts.headers})
      .then((r) => { if (r.status !== 200 && r.status !== 202) { failures++; console.error('zipkin-js: HTTP', r.status); } return r; })
      .catch((e) => { failures++; console.error('zipkin-js:', e.message); throw e; });
    pending.push(p);
    return p;
  };
  const logger = new HttpLogger({
    endpoint: agent + '/api/v2/spans', jsonEncoder: jsonEncoder.JSON_V2, httpInterval: 60000,
    fetchImplementation: fetchImpl, log: {error: (m) => { failures++; console.error(m); }},
  });
  const tracers = {};
  const tracerFor = (service) => {
    if (!tracers[service]) {
      tracers[service] = new Tracer({
        ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({logger}),
        localServiceName: service, supportsJoin: true, traceId128Bit: true,
      });
    }
    return tracers[service];
  };
  const tags = (t, version) => {
    t.recordBinary('version', version);
    t.recordBinary('env', 'prod');
    t.recordBinary('project', 'bookinfo');
  };
  // A server span of `service` (version) from `from` to `to` µs, on id.
  const server = (service, version, id, name, from, to, error) => {
    const t = tracerFor(service);
    t.setId(id);
    t.recordServiceName(service);
    t.recordRpc(name);
    t.recordAnnotation(new Annotation.ServerRecv(), from);
    t.recordAnnotation(new Annotation.LocalAddr({host: new InetAddress('127.0.0.1'), port: 9080}), from);
    tags(t, version);
    t.recordBinary('http.method', 'GET');
    t.recordBinary('http.status_code', error ? '500' : '200');
    if (error) t.recordBinary('error', 'ratings backend returned 500');
    t.recordAnnotation(new Annotation.ServerSend(), to);
  };
  // A client span of `service` calling `remote`; returns its id (shared by the callee's server span).
  const client = (service, version, parent, remote, name, from, to) => {
    const t = tracerFor(service);
    const id = t.createChildId(parent);
    t.setId(id);
    t.recordServiceName(service);
    t.recordRpc(name);
    t.recordAnnotation(new Annotation.ClientSend(), from);
    t.recordAnnotation(new Annotation.ServerAddr({serviceName: remote}), from);
    tags(t, version);
    t.recordAnnotation(new Annotation.ClientRecv(), to);
    return id;
  };
  const out = {traces, v1: 0, v2: 0, errors: 0, trace_ids: []};
  for (let i = 0; i < traces; i++) {
    const p = plan(i);
    const t0 = baseUs + i * 1000;
    const pp = tracerFor('productpage');
    const root = pp.createRootId();
    const c1 = client('productpage', 'v1', root, 'details', 'get /details', t0 + 2000, t0 + 9000);
    server('details', 'v1', tracerFor('details').join(c1), 'get /details', t0 + 2500, t0 + 8500, false);
    const c2 = client('productpage', 'v1', root, 'reviews', 'get /reviews', t0 + 10000, t0 + 45000);
    server('reviews', p.reviews, tracerFor('reviews').join(c2), 'get /reviews', t0 + 10500, t0 + 44500, false);
    if (p.reviews === 'v2') {
      const c3 = client('reviews', 'v2', c2, 'ratings', 'get /ratings', t0 + 20000, t0 + 30000);
      server('ratings', 'v1', tracerFor('ratings').join(c3), 'get /ratings', t0 + 20500, t0 + 29500, p.ratingsError);
      if (p.ratingsError) out.errors++;
    }
    server('productpage', 'v1', root, 'get /productpage', t0, t0 + 50000, false);
    out[p.reviews]++;
    if (out.trace_ids.length < 5) out.trace_ids.push(root.traceId);
  }
  logger.processQueue(fetchImpl);
  await Promise.allSettled(pending);
  return out;
}

// ---------------------------------------------------------------- OpenTelemetry
async function otel(family) {
  const api = require('@opentelemetry/api');
  const {BasicTracerProvider, BatchSpanProcessor} = require('@opentelemetry/sdk-trace-base');
  const {resourceFromAttributes} = require('@opentelemetry/resources');
  let makeExporter;
  if (family === 'otel-zipkin') {
    const {ZipkinExporter} = require('@opentelemetry/exporter-zipkin');
    makeExporter = () => new ZipkinExporter({url: agent + '/api/v2/spans'});
  } else {
    const {OTLPTraceExporter} = require('@opentelemetry/exporter-trace-otlp-proto');
    makeExporter = () => new OTLPTraceExporter({url: agent + '/otel/v1/traces'});
  }
  const providers = {};
  const tracerFor = (service, version) => {
    const key = service + ':' + version;
    if (!providers[key]) {
      const exporter = makeExporter();
      const origExport = exporter.export.bind(exporter);
      exporter.export = (spans, cb) => origExport(spans, (res) => {
        if (res.code !== 0) { failures++; console.error(family + ': export failed', res.error && res.error.message); }
        cb(res);
      });
      providers[key] = new BasicTracerProvider({
        resource: resourceFromAttributes({
          'service.name': service, 'service.version': version, 'deployment.environment': 'prod',
        }),
        spanProcessors: [new BatchSpanProcessor(exporter, {maxExportBatchSize: 256, scheduledDelayMillis: 200})],
      });
    }
    return providers[key].getTracer('bookinfo');
  };
  const hr = (us) => [Math.floor(us / 1e6), (us % 1e6) * 1000];
  const span = (service, version, parentSpan, name, kind, from, to, error) => {
    const ctx = parentSpan ? api.trace.setSpan(api.context.active(), parentSpan) : api.ROOT_CONTEXT;
    const s = tracerFor(service, version).startSpan(name, {
      kind, startTime: hr(from),
      attributes: {version, env: 'prod', project: 'bookinfo', 'http.method': 'GET',
                   'http.status_code': error ? 500 : 200},
    }, ctx);
    if (error) s.setStatus({code: api.SpanStatusCode.ERROR, message: 'ratings backend returned 500'});
    return {s, end: () => s.end(hr(to))};
  };
  const {SERVER, CLIENT} = api.SpanKind;
  const out = {traces, v1: 0, v2: 0, errors: 0, trace_ids: []};
  for (let i = 0; i < traces; i++) {
    const p = plan(i);
    const t0 = baseUs + i * 1000 + 500;
    const root = span('productpage', 'v1', null, 'GET /productpage', SERVER, t0, t0 + 50000);
    const c1 = span('productpage', 'v1', root.s, 'GET /details', CLIENT, t0 + 2000, t0 + 9000);
    const s1 = span('details', 'v1', c1.s, 'GET /details', SERVER, t0 + 2500, t0 + 8500);
    s1.end(); c1.end();
    const c2 = span('productpage', 'v1', root.s, 'GET /reviews', CLIENT, t0 + 10000, t0 + 45000);
    const s2 = span('reviews', p.reviews, c2.s, 'GET /reviews', SERVER, t0 + 10500, t0 + 44500);
    if (p.reviews === 'v2') {
      const c3 = span('reviews', 'v2', s2.s, 'GET /ratings', CLIENT, t0 + 20000, t0 + 30000);
      const s3 = span('ratings', 'v1', c3.s, 'GET /ratings', SERVER, t0 + 20500, t0 + 29500, p.ratingsError);
      s3.end(); c3.end();
      if (p.ratingsError) out.errors++;
    }
    s2.end(); c2.end(); root.end();
    out[p.reviews]++;
    if (out.trace_ids.length < 5) out.trace_ids.push(root.s.spanContext().traceId);
  }
  for (const p of Object.values(providers)) await p.shutdown();
  return out;
}

(async () => {
  const result = {};
  for (const f of families) result[f] = f === 'zipkin-js' ? await zipkinJs() : await otel(f);
  console.log(JSON.stringify(result));
  process.exit(failures ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
