// Quell console (server/console/index.html): incidents with ack, silence and explain, the
// Alertmanager view of alerts, silences (create, expire), deploy gate verdicts and the noise report
// (per alertname and route: what to tune), refreshed every
// 5 s from the JSON APIs (docs/http-api.md). Every value from the APIs is written with
// textContent, never parsed as HTML: alert labels come from anyone who can send an alert.
'use strict';

const REFRESH_MS = 5000;
const state = {
  tab: 'incidents',
  detail: null,
  token: (typeof sessionStorage !== 'undefined' && sessionStorage.getItem('quell-token')) || '',
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (state.token) headers['Authorization'] = 'Bearer ' + state.token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new Error(`${method} ${path}: ${res.status}: this needs an API token with the right scope (auth.tokens_file)`);
  }
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function showError(err) {
  const box = document.getElementById('error');
  if (!err) {
    box.hidden = true;
    return;
  }
  box.textContent = err.message || String(err);
  box.hidden = false;
}

function ago(iso) {
  if (!iso) return '';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return iso;
  if (s < 0) return 'in ' + fmtSeconds(-s);
  return fmtSeconds(s) + ' ago';
}

function fmtSeconds(s) {
  if (s < 90) return s + 's';
  if (s < 5400) return Math.round(s / 60) + 'm';
  if (s < 36000) return String(Number((s / 3600).toFixed(1))) + 'h';  // 1.5h, 2h
  if (s < 172800) return Math.round(s / 3600) + 'h';
  return Math.round(s / 86400) + 'd';
}

function labels(obj) {
  const span = el('span', { class: 'labels' });
  for (const [k, v] of Object.entries(obj || {}).sort()) span.append(el('span', {}, `${k}="${v}"`));
  return span;
}

function severity(s) {
  return el('span', { class: 'sev sev-' + (s || 'unknown') }, s || 'unknown');
}

function fill(sectionId, rows) {
  const tbody = document.querySelector(`#${sectionId} tbody`);
  tbody.replaceChildren(...rows);
}

// Incidents ----------------------------------------------------------------------------------------

async function loadIncidents() {
  const data = await api('GET', '/api/v1/incidents');
  const showResolved = document.getElementById('show-resolved').checked;
  const rows = [];
  for (const inc of data.incidents || []) {
    if (!showResolved && inc.status === 'resolved') continue;
    const deploy = inc.deploy ? `${inc.deploy.service || ''} ${inc.deploy.version || ''}` : '';
    rows.push(el('tr', { class: 'clickable', onclick: () => openIncident(inc.id) },
      el('td', {}, severity(inc.severity)),
      el('td', {}, inc.status, inc.storm ? ' (storm)' : ''),
      el('td', {}, labels(inc.group_labels)),
      el('td', {}, inc.receiver, el('div', { class: 'muted' }, inc.class)),
      el('td', { title: inc.started_at }, ago(inc.started_at)),
      el('td', {}, `${inc.firing} firing`, inc.resolved ? `, ${inc.resolved} resolved` : ''),
      el('td', {}, inc.root_cause_service || ''),
      el('td', {}, deploy),
      el('td', {}, inc.acked ? `acked by ${inc.acked_by}` : '')));
  }
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '9', class: 'muted' }, 'No open incidents.')));
  fill('incidents', rows);
  if (state.detail) await openIncident(state.detail, true);
}

async function openIncident(id, refresh) {
  state.detail = id;
  const box = document.getElementById('incident-detail');
  let inc;
  try {
    inc = await api('GET', '/api/v1/incidents/' + encodeURIComponent(id));
  } catch (e) {
    if (!refresh) showError(e);
    box.hidden = true;
    state.detail = null;
    return;
  }
  const members = el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'state'), el('th', {}, 'labels'),
    el('th', {}, 'summary'), el('th', {}, 'since'), el('th', {}, ''))));
  const mbody = el('tbody');
  for (const a of inc.members || []) {
    mbody.append(el('tr', {},
      el('td', {}, (a.status && a.status.state) || ''),
      el('td', {}, labels(a.labels)),
      el('td', {}, (a.annotations && (a.annotations.summary || a.annotations.description)) || ''),
      el('td', { title: a.startsAt }, ago(a.startsAt)),
      el('td', {}, el('button', { onclick: () => explain(a.fingerprint) }, 'explain'))));
  }
  members.append(mbody);
  const notes = el('ul');
  for (const n of inc.notifications || []) {
    notes.append(el('li', {}, `${n.time}  #${n.sequence} ${n.status} to ${n.receiver} (${n.firing} firing, ${n.resolved} resolved)`));
  }
  const timeline = el('ul');
  for (const t of inc.timeline || []) timeline.append(el('li', {}, `${t.time}  ${t.what}`));
  box.replaceChildren(...[
    el('h2', {}, severity(inc.severity), ' ', inc.group_key || inc.id),
    el('p', {}, `Incident ${inc.id}, ${inc.status}, receiver ${inc.receiver}, started ${inc.started_at}`,
      inc.runbook ? `, runbook ${inc.runbook}` : '',
      inc.acked ? `, acked by ${inc.acked_by}${inc.ack_comment ? ': ' + inc.ack_comment : ''}` : ''),
    inc.root_cause_service ? el('p', {}, 'Root cause: ', inc.root_cause_service,
      (inc.impacted_services || []).length ? ' (impacts ' + inc.impacted_services.join(', ') + ')' : '') : null,
    inc.deploy ? el('p', {}, `Attributed to the deploy of ${inc.deploy.service} ${inc.deploy.version}`,
      inc.deploy.time ? ` at ${inc.deploy.time}` : '') : null,
    el('div', { class: 'actions' },
      inc.acked || inc.status === 'resolved' ? null : el('button', { onclick: () => ack(inc.id) }, 'Acknowledge'),
      el('button', { onclick: () => silenceFrom(inc.group_labels) }, 'Silence this group'),
      el('button', { onclick: () => { state.detail = null; box.hidden = true; } }, 'Close')),
    el('h3', {}, 'Alerts'), members,
    el('h3', {}, 'Notifications'), notes,
    el('h3', {}, 'Timeline'), timeline,
    el('div', { id: 'explain' })].filter((x) => x !== null));
  box.hidden = false;
}

async function ack(id) {
  const by = prompt('Acknowledged by (your name):');
  if (!by) return;
  const comment = prompt('Comment (optional):') || '';
  try {
    await api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/ack`, { by, comment });
    showError(null);
    await loadIncidents();
  } catch (e) {
    showError(e);
  }
}

async function explain(fingerprint) {
  const box = document.getElementById('explain');
  try {
    const data = await api('GET', `/api/v1/alerts/${encodeURIComponent(fingerprint)}/explain`);
    const list = el('ol');
    for (const d of data.decisions || []) {
      list.append(el('li', {}, `${d.time}  ${d.decision} (${d.rule}): ${d.detail}`, d.where ? ` [${d.where}]` : ''));
    }
    box.replaceChildren(el('h3', {}, `Decisions for alert ${fingerprint}`), list);
  } catch (e) {
    showError(e);
  }
}

// Alerts -------------------------------------------------------------------------------------------

async function loadAlerts() {
  const data = await api('GET', '/api/v2/alerts');
  const filter = document.getElementById('alert-filter').value.trim();
  const rows = [];
  for (const a of data || []) {
    const text = Object.entries(a.labels || {}).map(([k, v]) => `${k}="${v}"`).join(',');
    if (filter && !text.includes(filter)) continue;
    rows.push(el('tr', {},
      el('td', {}, (a.status && a.status.state) || ''),
      el('td', {}, labels(a.labels)),
      el('td', {}, (a.annotations && a.annotations.summary) || ''),
      el('td', { title: a.startsAt }, ago(a.startsAt)),
      el('td', {}, (a.receivers || []).map((r) => r.name).join(', '))));
  }
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'No alerts.')));
  fill('alerts', rows);
}

// Silences -----------------------------------------------------------------------------------------

// 'alertname="X", service=~"web.*"' -> Alertmanager matchers; throws on a bad one. Names are any
// a label can have, as the server takes them (ADR 0054): bare (no space, braces, comma, = ! ~ or ")
// such as availability-zone or service.name, or double-quoted.
function parseMatchers(text) {
  const out = [];
  const re = /\s*(?:([^\s{},=!~"]+)|"((?:[^"\\]|\\.)+)")\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
  let m;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    const name = m[1] !== undefined ? m[1] : m[2].replace(/\\(.)/g, '$1');
    out.push({ name, value: m[4].replace(/\\(.)/g, '$1'), isRegex: m[3].includes('~'), isEqual: !m[3].startsWith('!') });
  }
  if (out.length === 0 || re.lastIndex < text.trim().length) {
    throw new Error('matchers: expected name="value", name=~"regex", name!="value" or name!~"regex", separated by commas');
  }
  return out;
}

function parseDuration(text) {
  const m = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (!m) throw new Error('duration: expected a number and m, h or d (30m, 2h, 1d)');
  return Number(m[1]) * { m: 60e3, h: 3600e3, d: 86400e3 }[m[2]];
}

function silenceFrom(groupLabels) {
  document.getElementById('silence-matchers').value =
    Object.entries(groupLabels || {}).map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`).join(', ');
  switchTab('silences');
  document.getElementById('silence-by').focus();
}

async function createSilence(ev) {
  ev.preventDefault();
  try {
    const now = Date.now();
    const body = {
      matchers: parseMatchers(document.getElementById('silence-matchers').value),
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + parseDuration(document.getElementById('silence-duration').value)).toISOString(),
      createdBy: document.getElementById('silence-by').value,
      comment: document.getElementById('silence-comment').value,
    };
    await api('POST', '/api/v2/silences', body);
    showError(null);
    await loadSilences();
  } catch (e) {
    showError(e);
  }
}

async function expireSilence(id) {
  try {
    await api('DELETE', '/api/v2/silence/' + encodeURIComponent(id));
    await loadSilences();
  } catch (e) {
    showError(e);
  }
}

async function loadSilences() {
  const data = await api('GET', '/api/v2/silences');
  const rows = [];
  for (const s of data || []) {
    const st = (s.status && s.status.state) || '';
    const matchers = (s.matchers || []).map((m) =>
      `${m.name}${m.isEqual === false ? '!' : '='}${m.isRegex ? '~' : ''}"${m.value}"`).join(', ');
    rows.push(el('tr', {},
      el('td', {}, st),
      el('td', {}, el('span', { class: 'labels' }, el('span', {}, matchers))),
      el('td', { title: s.endsAt }, ago(s.endsAt)),
      el('td', {}, s.createdBy || ''),
      el('td', {}, s.comment || ''),
      el('td', {}, st === 'expired' ? null : el('button', { onclick: () => expireSilence(s.id) }, 'expire'))));
  }
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '6', class: 'muted' }, 'No silences.')));
  fill('silences', rows);
}

// Gates --------------------------------------------------------------------------------------------

async function loadGates() {
  const data = await api('GET', '/api/v1/gates');
  const rows = [];
  for (const g of data || []) {
    rows.push(el('tr', {},
      el('td', { class: 'verdict-' + g.verdict }, g.verdict, g.override ? ' (override)' : ''),
      el('td', {}, g.service), el('td', {}, g.env), el('td', {}, g.version), el('td', {}, g.baseline_version || ''),
      el('td', {}, g.gate),
      el('td', {}, (g.reasons || []).join('; '))));
  }
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '7', class: 'muted' }, 'No canary is tracked.')));
  fill('gates', rows);
}

// Noise (the platform team's view: which alerts to tune) -----------------------------------------

async function loadNoise() {
  const win = document.getElementById('noise-window').value || '24h';
  const data = await api('GET', '/api/v1/noise?window=' + encodeURIComponent(win));
  const rows = [];
  for (const n of data.rows || []) {
    const suppressed = Object.entries(n.suppressed || {}).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
    const ttr = n.median_time_to_resolve_seconds;
    rows.push(el('tr', {},
      el('td', {}, n.alertname), el('td', {}, n.route), el('td', {}, n.signals), el('td', {}, n.alerts),
      el('td', {}, n.incidents), el('td', {}, n.pages), el('td', {}, suppressed.join(', ')),
      el('td', {}, ttr === null || ttr === undefined ? '' : fmtSeconds(Math.round(ttr)))));
  }
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '8', class: 'muted' }, 'Nothing in this window.')));
  fill('noise', rows);
}

// Tabs and refresh -------------------------------------------------------------------------------

const loaders = { incidents: loadIncidents, alerts: loadAlerts, silences: loadSilences, gates: loadGates, noise: loadNoise };

async function refresh() {
  try {
    await loaders[state.tab]();
    showError(null);
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    showError(e);
  }
}

function switchTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll('nav .tab')) b.classList.toggle('active', b.dataset.tab === tab);
  for (const p of document.querySelectorAll('.panel')) p.hidden = p.id !== tab;
  refresh();
}

if (typeof document !== 'undefined') document.addEventListener('DOMContentLoaded', () => {
  for (const b of document.querySelectorAll('nav .tab')) b.addEventListener('click', () => switchTab(b.dataset.tab));
  document.getElementById('token').value = state.token;
  document.getElementById('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = document.getElementById('token').value.trim();
    sessionStorage.setItem('quell-token', state.token);
    refresh();
  });
  document.getElementById('silence-form').addEventListener('submit', createSilence);
  document.getElementById('show-resolved').addEventListener('change', refresh);
  document.getElementById('alert-filter').addEventListener('input', refresh);
  document.getElementById('noise-window').addEventListener('change', refresh);
  refresh();
  setInterval(refresh, REFRESH_MS);
});

// For the tests under node (console/app_test.js, run by server/console_assets_test.cc).
if (typeof module !== 'undefined') {
  module.exports = { state, refresh, openIncident, createSilence, parseMatchers, parseDuration, fmtSeconds };
}
