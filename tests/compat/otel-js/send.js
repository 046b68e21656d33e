// Sends a fixed set of logs, spans and metrics through the real OpenTelemetry JS OTLP exporters
// to QUELL_URL (e.g. http://127.0.0.1:PORT): the JSON exporters (*-otlp-http), with
// QUELL_OTLP_PROTOCOL=http/protobuf the binary protobuf ones (*-otlp-proto), with
// QUELL_OTLP_PROTOCOL=grpc the gRPC ones (*-otlp-grpc, the Collector's and many SDKs' default;
// QUELL_URL is then the gRPC port). Exits 0 only if every export succeeded.
// Run by tests/compat/otel_js_compat_test.cc; what it sends is asserted there.
'use strict';
const { SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const protocol = process.env.QUELL_OTLP_PROTOCOL || 'http/json';
const flavour = { 'http/json': 'otlp-http', 'http/protobuf': 'otlp-proto', grpc: 'otlp-grpc' }[protocol];
if (!flavour) {
  console.error(`unknown QUELL_OTLP_PROTOCOL ${protocol}`);
  process.exit(2);
}
const grpc = protocol === 'grpc';
const { OTLPLogExporter } = require(`@opentelemetry/exporter-logs-${flavour}`);
const { OTLPTraceExporter } = require(`@opentelemetry/exporter-trace-${flavour}`);
const { OTLPMetricExporter } = require(`@opentelemetry/exporter-metrics-${flavour}`);
// gRPC exporters take the server's address; HTTP ones the signal's URL.
const urlFor = (path) => (grpc ? base : `${base}${path}`);

const base = process.env.QUELL_URL;
if (!base) {
  console.error('QUELL_URL is not set');
  process.exit(2);
}
const resource = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'deployment.environment.name': 'prod',
  'host.name': 'web-1',
});

let failures = 0;
function check(kind) {
  return (err) => {
    if (err) {
      failures++;
      console.error(`${kind} export failed: ${err && err.message}`);
    }
  };
}

async function sendLogs() {
  const exporter = new OTLPLogExporter({ url: urlFor('/v1/logs') });
  const origExport = exporter.export.bind(exporter);
  exporter.export = (items, cb) => origExport(items, (r) => { if (r.code !== 0) check('logs')(r.error || new Error('code ' + r.code)); cb(r); });
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('quell-compat', '0.1.0');
  logger.emit({ severityNumber: 17, severityText: 'ERROR', body: 'payment failed', attributes: { 'http.route': '/pay', 'error.type': 'timeout' } });
  logger.emit({ severityNumber: 9, severityText: 'INFO', body: 'payment ok', attributes: { 'http.route': '/pay' } });
  await provider.forceFlush();
  await provider.shutdown();
}

async function sendTraces() {
  // gzip on this exporter: over HTTP the body arrives chunked and Content-Encoding: gzip; over gRPC
  // as a compressed message.
  const exporter = new OTLPTraceExporter({ url: urlFor('/v1/traces'), compression: 'gzip' });
  const origExport = exporter.export.bind(exporter);
  exporter.export = (items, cb) => origExport(items, (r) => { if (r.code !== 0) check('traces')(r.error || new Error('code ' + r.code)); cb(r); });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('quell-compat', '0.1.0');
  const ok = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 } });
  ok.end();
  const bad = tracer.startSpan('POST /pay', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 503 } });
  bad.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
  bad.end();
  await provider.forceFlush();
  await provider.shutdown();
}

async function sendMetrics() {
  const exporter = new OTLPMetricExporter({ url: urlFor('/v1/metrics') });
  const origExport = exporter.export.bind(exporter);
  exporter.export = (items, cb) => origExport(items, (r) => { if (r.code !== 0) check('metrics')(r.error || new Error('code ' + r.code)); cb(r); });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600000 });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('quell-compat', '0.1.0');
  meter.createCounter('http.server.errors').add(3, { 'http.route': '/pay' });
  meter.createHistogram('http.server.duration', { unit: 'ms' }).record(120, { 'http.route': '/pay' });
  // shutdown() collects and exports once (forceFlush() first would export the cumulative points twice).
  await provider.shutdown();
}

(async () => {
  await sendLogs();
  await sendTraces();
  await sendMetrics();
  if (failures > 0) {
    console.error(`${failures} export(s) failed`);
    process.exit(1);
  }
  console.log(`sent logs, traces and metrics (${protocol})`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
