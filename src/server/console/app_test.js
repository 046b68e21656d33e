// Tests of the console script under node (run by src/server/console_assets_test.cc): the matcher
// and duration parsers, and every tab rendered against a small fake DOM and fake API answers,
// including hostile label values, which must come out as text. Prints "ok" when all hold.
'use strict';
const assert = require('assert');

class Node {
  constructor() { this.children = []; this.parent = null; }
  get textContent() { return this.children.map((c) => c.textContent).join(''); }
  set textContent(v) { this.children = [new Text(String(v))]; }
}
class Text extends Node {
  constructor(t) { super(); this.text = t; }
  get textContent() { return this.text; }
}
class Element extends Node {
  constructor(tag) {
    super();
    this.tagName = tag;
    this.attributes = {};
    this.listeners = {};
    this.className = '';
    this.hidden = false;
    this.value = '';
    this.checked = false;
    this.dataset = {};
    const self = this;
    this.classList = { toggle(c, on) { self.className = on ? c : ''; } };
  }
  // As the DOM does: anything that is not a node becomes text (null becomes "null").
  append(...cs) {
    for (let c of cs) {
      if (!(c instanceof Node)) c = new Text(String(c));
      c.parent = this;
      this.children.push(c);
    }
  }
  replaceChildren(...cs) { this.children = []; this.append(...cs); }
  setAttribute(k, v) { this.attributes[k] = v; if (k === 'id') ids[v] = this; }
  addEventListener(ev, fn) { this.listeners[ev] = fn; }
  focus() {}
  // Every element under this one, depth first.
  all() { return this.children.flatMap((c) => (c instanceof Element ? [c, ...c.all()] : [])); }
}
global.Node = Node;

const ids = {};
const page = {};
for (const id of ['error', 'updated', 'token', 'token-form', 'incident-detail', 'show-resolved', 'alert-filter', 'noise-window',
                  'silence-form', 'silence-matchers', 'silence-duration', 'silence-by', 'silence-comment']) {
  ids[id] = new Element('div');
}
for (const section of ['incidents', 'alerts', 'silences', 'gates', 'noise']) {
  page[section] = new Element('tbody');
  ids[section] = new Element('section');
  ids[section].id = section;
}
global.document = {
  createElement: (t) => new Element(t),
  createTextNode: (t) => new Text(t),
  getElementById: (id) => ids[id],
  querySelector: (sel) => page[/^#([a-z]+) tbody$/.exec(sel)[1]],
  querySelectorAll: (sel) => (sel === '.panel' ? Object.keys(page).map((k) => ids[k]) : []),
  addEventListener: () => {},
};

const EVIL = '<img src=x onerror=alert(1)>';
const answers = {
  'GET /api/v1/incidents': { incidents: [
    { id: 'i1', status: 'firing', severity: 'critical', receiver: 'pages', class: 'actionable',
      group_labels: { alertname: 'DiskFull', service: EVIL }, started_at: new Date(Date.now() - 120e3).toISOString(),
      firing: 2, resolved: 1, root_cause_service: 'db', deploy: { service: 'db', version: 'v2' }, acked: true,
      acked_by: 'alice', storm: false },
    { id: 'i2', status: 'resolved', severity: 'warning', group_labels: { alertname: 'Old' } }] },
  'GET /api/v1/incidents/i1': { id: 'i1', status: 'firing', severity: 'critical', receiver: 'pages', group_key: 'k',
    started_at: '2026-01-01T00:00:00Z', members: [{ labels: { alertname: 'DiskFull' }, annotations: { summary: 'disk 97%' },
      status: { state: 'active' }, startsAt: '2026-01-01T00:00:00Z', fingerprint: 'f1' }],
    notifications: [{ time: 't', sequence: 1, status: 'firing', receiver: 'pages', firing: 1, resolved: 0 }],
    timeline: [{ time: 't', what: 'opened' }] },
  'GET /api/v2/alerts': [{ labels: { alertname: 'DiskFull', team: 'db' }, annotations: { summary: 'disk 97%' },
    status: { state: 'active' }, startsAt: '2026-01-01T00:00:00Z', receivers: [{ name: 'pages' }] }],
  'GET /api/v2/silences': [{ id: 's1', status: { state: 'active' }, endsAt: '2099-01-01T00:00:00Z', createdBy: 'bob',
    comment: 'maintenance', matchers: [{ name: 'service', value: 'db', isRegex: false, isEqual: true }] }],
  'GET /api/v1/noise?window=24h': { window: '24h', rows: [{ alertname: 'DiskFull', route: '{}', signals: 40, alerts: 4,
    incidents: 2, pages: 2, suppressed: { silenced: 3, inhibited: 0 }, median_time_to_resolve_seconds: 5400 }] },
  'GET /api/v1/gates': [{ verdict: 'fail', service: 'checkout', env: 'prod', version: 'v2', baseline_version: 'v1',
    gate: 'errors', reasons: ['error rate 5% vs 1%'] }],
};
const calls = [];
global.fetch = async (path, opts) => {
  calls.push({ method: opts.method, path, headers: opts.headers, body: opts.body });
  const key = `${opts.method} ${path}`;
  if (opts.method === 'POST' && path === '/api/v2/silences') {
    return { status: 200, ok: true, text: async () => '{"silenceID":"s2"}' };
  }
  if (!(key in answers)) return { status: 404, ok: false, text: async () => 'not found' };
  return { status: 200, ok: true, text: async () => JSON.stringify(answers[key]) };
};

const c = require(process.argv[2]);

(async () => {
  // Parsers.
  assert.deepStrictEqual(c.parseMatchers('alertname="Disk \\"full\\"", service=~"web.*",env!="qa", x!~"y"'), [
    { name: 'alertname', value: 'Disk "full"', isRegex: false, isEqual: true },
    { name: 'service', value: 'web.*', isRegex: true, isEqual: true },
    { name: 'env', value: 'qa', isRegex: false, isEqual: false },
    { name: 'x', value: 'y', isRegex: true, isEqual: false }]);
  assert.deepStrictEqual(c.parseMatchers('availability-zone="us-east-1a", "service.name"=~"api.*"'), [
    { name: 'availability-zone', value: 'us-east-1a', isRegex: false, isEqual: true },
    { name: 'service.name', value: 'api.*', isRegex: true, isEqual: true }]);
  for (const bad of ['alertname', 'a="x" junk', '', '="x"', 'a b="x"']) assert.throws(() => c.parseMatchers(bad), /matchers:/);
  assert.strictEqual(c.parseDuration('2h'), 7200e3);
  assert.strictEqual(c.parseDuration('30m'), 1800e3);
  assert.throws(() => c.parseDuration('2 hours'), /duration:/);
  assert.strictEqual(c.fmtSeconds(7200), '2h');
  assert.strictEqual(c.fmtSeconds(45), '45s');
  assert.strictEqual(c.fmtSeconds(5400), '1.5h');
  assert.strictEqual(c.fmtSeconds(200000), '2d');

  // Incidents: the resolved one is hidden; the hostile label is text, not an element.
  c.state.token = 'tok';
  await c.refresh();
  assert.strictEqual(ids.error.hidden, true, ids.error.textContent);
  assert.strictEqual(page.incidents.children.length, 1);
  const row = page.incidents.children[0].textContent;
  for (const want of ['critical', 'firing', 'DiskFull', EVIL, 'pages', '2 firing, 1 resolved', 'db v2', 'acked by alice']) {
    assert.ok(row.includes(want), `incident row lacks ${want}: ${row}`);
  }
  assert.ok(!page.incidents.all().some((e) => e.tagName === 'img'));
  assert.strictEqual(calls[0].headers.Authorization, 'Bearer tok');
  ids['show-resolved'].checked = true;
  await c.refresh();
  assert.strictEqual(page.incidents.children.length, 2);

  // Detail: members, notifications, timeline; explain of a member.
  await c.openIncident('i1');
  const detail = ids['incident-detail'];
  assert.strictEqual(detail.hidden, false);
  for (const want of ['disk 97%', '#1 firing to pages', 'opened', 'Silence this group']) {
    assert.ok(detail.textContent.includes(want), `detail lacks ${want}`);
  }
  assert.ok(!/null|undefined/.test(detail.textContent), detail.textContent);

  // Alerts, silences (list and create), gates.
  ids['noise-window'].value = '24h';
  for (const [tab, want] of [['alerts', 'disk 97%'], ['silences', 'maintenance'], ['gates', 'error rate 5% vs 1%'],
                             ['noise', 'silenced 3']]) {
    c.state.tab = tab;
    c.state.detail = null;
    await c.refresh();
    assert.strictEqual(ids.error.hidden, true, ids.error.textContent);
    assert.ok(page[tab].textContent.includes(want), `${tab} lacks ${want}: ${page[tab].textContent}`);
  }
  ids['silence-matchers'].value = 'service="db"';
  ids['silence-duration'].value = '1h';
  ids['silence-by'].value = 'carol';
  ids['silence-comment'].value = 'disk swap';
  await c.createSilence({ preventDefault() {} });
  const post = calls.find((x) => x.method === 'POST');
  const body = JSON.parse(post.body);
  assert.deepStrictEqual(body.matchers, [{ name: 'service', value: 'db', isRegex: false, isEqual: true }]);
  assert.strictEqual(Date.parse(body.endsAt) - Date.parse(body.startsAt), 3600e3);
  assert.strictEqual(body.createdBy, 'carol');
  assert.ok(page.noise.textContent.includes('1.5h'), page.noise.textContent);  // Median time to resolve.

  // An API answering 401 shows why.
  global.fetch = async () => ({ status: 401, ok: false, text: async () => 'unauthorized' });
  c.state.tab = 'gates';
  await c.refresh();
  assert.strictEqual(ids.error.hidden, false);
  assert.ok(ids.error.textContent.includes('API token'), ids.error.textContent);
  console.log('ok');
})().catch((e) => {
  console.log(e.stack || String(e));
  process.exit(1);
});
