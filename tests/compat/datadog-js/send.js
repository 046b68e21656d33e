// Sends events and logs through Datadog's official Node.js API client (@datadog/datadog-api-client,
// pinned in package.json) to QUELL_URL (e.g. http://127.0.0.1:PORT), with DD_API_KEY as `apiKeyAuth`:
//   1. EventsApi.createEvent (v1) with every documented field;
//   2. LogsApi.submitLog (v2): a plain batch with `?ddtags=`, then batches with contentEncoding gzip
//      and deflate;
//   3. both calls again with a wrong API key: each must throw ApiException 403.
// The client is pointed at Quell with its own server configuration (`serverIndex: 1` selects the
// `{protocol}://{name}` server of every operation; the variables set protocol http and the host).
// Requests go through a recording subclass of the client's own HTTP library (the extension point
// the client documents for proxies), which notes what went on the wire: method, URL, headers, the
// JSON body before compression, and the HTTP status. SUMMARY_FILE receives
//   {"calls":[{"api":"events"|"logs","key":"good"|"bad","method":"POST","url":...,"headers":{...},
//              "body":<the JSON sent>,"status":202,"result":<what the client returned>|null,
//              "error":{"code":403,"body":...}|null}, ...]}
// Exits 0 iff every good-key call succeeded and every bad-key call was refused with 403.
// Run by tests/compat/datadog_js_compat_test.cc, which compares the summary with what Quell received.
'use strict';
const fs = require('fs');
const { client, v1, v2 } = require('@datadog/datadog-api-client');

const base = process.env.QUELL_URL;
const apiKey = process.env.DD_API_KEY;
const summaryFile = process.env.SUMMARY_FILE;
if (!base || !apiKey || !summaryFile) {
  console.error('QUELL_URL, DD_API_KEY and SUMMARY_FILE must be set');
  process.exit(2);
}
const url = new URL(base);

const calls = [];
class RecordingHttpLibrary extends client.IsomorphicFetchHttpLibrary {
  send(request) {
    const body = request.getBody();
    const call = {
      method: request.getHttpMethod().toString(),
      url: request.getUrl(),
      headers: Object.assign({}, request.getHeaders()),
      body: typeof body === 'string' ? JSON.parse(body) : null,
      status: null,
    };
    calls.push(call);
    return super.send(request).then((response) => {
      call.status = response.httpStatusCode;
      return response;
    });
  }
}

function configuration(key) {
  const conf = client.createConfiguration({
    authMethods: { apiKeyAuth: key },
    serverIndex: 1,  // "{protocol}://{name}" for v1 and v2 operations alike.
    httpApi: new RecordingHttpLibrary(),
  });
  conf.setServerVariables({ protocol: url.protocol.replace(':', ''), name: url.host });
  return conf;
}

const now = Math.floor(Date.now() / 1000);
const event = {
  title: 'Deploy of checkout failed on web-1',
  text: '%%%\nRollback started: **checkout** 1.4.2 health checks failed\n%%%',
  alertType: 'error',
  aggregationKey: 'checkout-deploy-1.4.2',
  tags: ['service:checkout', 'env:prod', 'version:1.4.2', 'team:payments', 'canary'],
  host: 'web-1',
  dateHappened: now - 120,
  priority: 'normal',
  sourceTypeName: 'my_apps',
};

const plainLogs = [
  {
    ddsource: 'nodejs',
    ddtags: 'env:prod,version:1.4.2,team:payments',
    hostname: 'web-1',
    message: 'payment failed: upstream timeout',
    service: 'checkout',
    additionalProperties: {
      status: 'error',
      timestamp: (now - 30) * 1000,
      'http': { 'status_code': 504, 'method': 'POST' },
      'order_id': 'A-1001',
      'retry': 2,
    },
  },
  {
    ddsource: 'nodejs',
    ddtags: 'env:prod',
    hostname: 'web-2',
    message: 'payment slow',
    service: 'checkout',
    additionalProperties: { status: 'warn', duration_ms: 2400 },
  },
  {
    ddsource: 'python',
    hostname: 'worker-1',
    message: 'ledger synced',
    service: 'ledger',
    additionalProperties: { status: 'info' },
  },
];
const gzipLogs = [
  {
    ddsource: 'java',
    ddtags: 'env:staging',
    hostname: 'db-1',
    message: 'disk almost full',
    service: 'postgres',
    additionalProperties: { status: 'critical', 'disk.used_pct': 97.5 },
  },
  {
    ddsource: 'java',
    ddtags: 'env:staging',
    hostname: 'db-1',
    message: 'checkpoint complete',
    service: 'postgres',
    additionalProperties: { status: 'info' },
  },
];
const deflateLogs = [
  {
    ddsource: 'go',
    ddtags: 'env:prod,team:edge',
    hostname: 'lb-1',
    message: 'backend marked down',
    service: 'edge-proxy',
    additionalProperties: { status: 'error', backend: { name: 'pay-2', port: 8443 } },
  },
];

async function run(api, key, fn) {
  const first = calls.length;
  let result = null;
  let error = null;
  try {
    result = await fn();
  } catch (e) {
    if (!(e instanceof client.ApiException)) throw e;
    error = { code: e.code, body: e.body };
  }
  if (calls.length !== first + 1) throw new Error(`${api}: expected 1 HTTP request, saw ${calls.length - first}`);
  Object.assign(calls[first], { api, key, result, error });
  return calls[first];
}

(async () => {
  const good = configuration(apiKey);
  const bad = configuration(apiKey + '-wrong');
  await run('events', 'good', () => new v1.EventsApi(good).createEvent({ body: event }));
  await run('logs', 'good', () => new v2.LogsApi(good).submitLog({ body: plainLogs, ddtags: 'region:eu-west-1,team:platform' }));
  await run('logs', 'good', () => new v2.LogsApi(good).submitLog({ body: gzipLogs, contentEncoding: 'gzip' }));
  await run('logs', 'good', () => new v2.LogsApi(good).submitLog({ body: deflateLogs, contentEncoding: 'deflate' }));
  await run('events', 'bad', () => new v1.EventsApi(bad).createEvent({ body: Object.assign({}, event, { title: 'wrong key event' }) }));
  await run('logs', 'bad', () => new v2.LogsApi(bad).submitLog({ body: [{ message: 'wrong key log', service: 'intruder' }] }));

  fs.writeFileSync(summaryFile, JSON.stringify({ calls }, null, 1));
  let failures = 0;
  for (const c of calls) {
    const want = c.key === 'good' ? 202 : 403;
    const ok = c.key === 'good' ? c.error === null && c.status === want : c.error !== null && c.error.code === want;
    if (!ok) {
      failures++;
      console.error(`${c.api} (${c.key} key): status ${c.status}, error ${JSON.stringify(c.error)}; wanted ${want}`);
    }
  }
  if (failures > 0) process.exit(1);
  console.log(`sent ${calls.length} requests; ${JSON.stringify(calls.map((c) => [c.api, c.key, c.status]))}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
