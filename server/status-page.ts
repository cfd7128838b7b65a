/**
 * `GET /`: the status page, plain HTML and JavaScript with no build step. It reads `/api/actuators` and
 * `/api/status`, and follows `/api/events` (SSE) for the live timeline of conflicts and alarms; every value from
 * the server is inserted as text, never as HTML.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>home-arbiter</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .3em; } h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
  .banner { padding: .4em .8em; margin: .3em 0; border-radius: 4px; }
  .stopped, .insecure { background: #fdd; color: #900; font-weight: bold; }
  tr.degraded td { background: #fee; } tr.degraded td.avail { color: #b00; font-weight: bold; }
  li.stale { color: #b00; font-weight: bold; } .bad { color: #b00; } .ok { color: #070; }
  .deferred { color: #666; } .muted { color: #888; }
  #timeline { list-style: none; padding: 0; max-height: 28em; overflow-y: auto; }
  #timeline li { padding: .2em .4em; border-left: 4px solid #999; margin: .2em 0; }
  #timeline li.conflict { border-color: #e90; } #timeline li.alarm, #timeline li.fault { border-color: #d00; background: #fff3f3; }
  #timeline li.denied { border-color: #a0a; } #timeline li.adapter-problem { border-color: #a60; } #timeline li.degraded { border-color: #d00; } #timeline li.restored { border-color: #0a0; }
  .cols { display: grid; grid-template-columns: 2fr 1fr; gap: 2em; }
</style>
</head>
<body>
<h1>home-arbiter</h1>
<form id="login" hidden>
  <p>Reading this home's state needs the operator's token.</p>
  <input id="token" type="password" autocomplete="current-password" placeholder="operator token" size="50">
  <button type="submit">Sign in</button> <span id="login-error" class="bad"></span>
</form>
<div id="banners"></div>
<div class="cols">
<div>
<h2>Actuators</h2>
<table id="actuators"><thead><tr><th>actuator</th><th>state</th><th>desired</th><th>owner</th><th>device</th><th>deferred claims</th><th>lifetime</th></tr></thead><tbody></tbody></table>
<h2>Conflicts and alarms <span class="muted" id="live">(connecting)</span></h2>
<ul id="timeline"></ul>
</div>
<div>
<h2>Facts</h2><ul id="facts"></ul>
<h2>Start-up diagnostics</h2><ul id="diagnostics"></ul>
</div>
</div>
<script>
'use strict';
const TIMELINE = new Set(['conflict', 'alarm', 'denied', 'degraded', 'restored', 'revoked', 'fault', 'lifetime-warning', 'clock-jump', 'auth-lockout', 'plugin-refused', 'plugin-ended', 'adapter-problem', 'operator']);
const REFRESH = new Set(['dispatched', 'claimed', 'released', 'expired', 'revoked', 'degraded', 'restored', 'manual', 'conflict', 'operator']);
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
function show(v) { return v === undefined || v === null ? '—' : String(v); }
function describe(e) {
  switch (e.type) {
    case 'conflict': return e.target + ': ' + e.winner + ' (' + e.winnerState + ') wins over ' + e.loser + ' (' + e.loserState + '), ' + e.resolution;
    case 'alarm': return 'ALARM ' + e.kind + (e.target ? ' on ' + e.target : '') + (e.systems ? ' between ' + e.systems.join(' and ') : '') + (e.system ? ' for ' + e.system : '') + (e.rule ? ' (rule ' + e.rule + ')' : '') + (e.state !== undefined ? ': ' + e.state + ' cannot be delivered' : '');
    case 'denied': return e.system + ' denied ' + (e.fact !== undefined ? 'writing fact ' + e.fact : 'on ' + e.target) + ': ' + e.reason + (e.rule ? ' (' + e.rule + ')' : '');
    case 'degraded': return (e.target || 'fact ' + e.fact) + ' degraded' + (e.reason ? ': ' + e.reason : '');
    case 'restored': return (e.target || 'fact ' + e.fact) + ' restored';
    case 'revoked': return e.system + ' revoked on ' + e.target + ' by rule ' + e.rule;
    case 'fault': return 'fault record #' + e.id + ' (' + e.kind + '): ' + e.reason;
    case 'lifetime-warning': return e.target + ' ' + e.counter + ' at ' + e.value + ' of ' + e.limit;
    case 'clock-jump': return 'clock jumped by ' + e.jump + ' ms';
    case 'auth-lockout': return e.source + ' locked out until ' + new Date(e.until).toLocaleTimeString() + ' after failed guesses (last for ' + e.credential + ')';
    case 'adapter-problem': return 'adapter ' + e.adapter + (e.device ? ' ' + e.device : '') + (e.field ? ' ' + e.field : '') + ': ' + e.message;
    case 'operator': return 'operator ' + e.action + (e.target ? ' ' + e.target : '') + (e.system ? ' ' + e.system : '');
    default: return e.type + ' ' + JSON.stringify(e);
  }
}
class Unauthorized extends Error {}
async function getJson(path) {
  const r = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
  if (r.status === 401) throw new Unauthorized(path);
  if (!r.ok) throw new Error(path + ': ' + r.status);
  return r.json();
}
function askForToken() {
  const form = document.getElementById('login');
  form.hidden = false;
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const r = await fetch('/api/session', { method: 'POST', headers: { authorization: 'Bearer ' + document.getElementById('token').value } });
    if (r.ok) location.reload();
    else document.getElementById('login-error').textContent = r.status === 429 ? 'locked after repeated failures; try later' : 'wrong token';
  };
}
async function refreshActuators() {
  const list = await getJson('/api/actuators');
  const body = document.querySelector('#actuators tbody');
  body.replaceChildren(...list.map((a) => {
    const tr = el('tr', undefined, a.available ? '' : 'degraded');
    tr.dataset.id = a.id;
    tr.append(el('td', a.id), el('td', show(a.state)), el('td', show(a.desired)), el('td', show(a.owner)), el('td', a.available ? 'ok' : 'DEGRADED', 'avail'));
    const deferred = el('td', undefined, 'deferred');
    for (const c of a.claims.filter((c) => c.verdict === 'deferred')) deferred.append(el('div', c.claimant + ': ' + c.state + ' (' + c.category + ') ' + c.reason));
    const life = a.lifetime;
    tr.append(deferred, el('td', life.cycles + ' cycles, ' + life.hours.toFixed(2) + ' h' + (life.limit ? ' of ' + [life.limit.cycles, life.limit.hours && life.limit.hours + ' h'].filter(Boolean).join(' / ') : '')));
    return tr;
  }));
}
async function refreshStatus() {
  const s = await getJson('/api/status');
  const banners = document.getElementById('banners');
  banners.replaceChildren();
  if (s.stopped) banners.append(el('div', 'EMERGENCY STOP: only life-category commands are carried out', 'banner stopped'));
  if (s.insecure) banners.append(el('div', 'INSECURE DEV MODE: no authentication', 'banner insecure'));
  document.getElementById('facts').replaceChildren(...s.facts.map((f) => el('li', f.name + ' = ' + (f.value === undefined ? '—' : JSON.stringify(f.value)) + (f.stale ? ' (STALE)' : ''), f.stale ? 'stale' : '')));
  document.getElementById('diagnostics').replaceChildren(...(s.diagnostics || []).map((d) => el('li', (d.ok ? '✔ ' : '✘ ') + d.subject + ': ' + d.message, d.ok ? 'ok' : 'bad')));
  return s;
}
let pending;
function scheduleRefresh() { if (pending) return; pending = setTimeout(() => { pending = undefined; refreshActuators().catch(console.error); refreshStatus().catch(console.error); }, 150); }
function addToTimeline(e) {
  const li = el('li', new Date(e.wall).toLocaleTimeString() + '  ' + describe(e), e.type);
  const list = document.getElementById('timeline');
  list.prepend(li);
  while (list.children.length > 300) list.lastChild.remove();
}
(async () => {
  await refreshActuators();
  const status = await refreshStatus();
  const source = new EventSource('/api/events?since=' + Math.max(0, status.lastSeq - 500));
  source.onopen = () => { document.getElementById('live').textContent = '(live)'; };
  source.onerror = () => { document.getElementById('live').textContent = '(reconnecting)'; };
  source.onmessage = () => {};
  for (const type of new Set([...TIMELINE, ...REFRESH])) {
    source.addEventListener(type, (m) => {
      const e = JSON.parse(m.data);
      if (TIMELINE.has(e.type)) addToTimeline(e);
      if (REFRESH.has(e.type)) scheduleRefresh();
    });
  }
  setInterval(() => refreshStatus().catch(console.error), 10000);
})().catch((err) => {
  if (err instanceof Unauthorized) askForToken();
  else document.getElementById('banners').append(el('div', String(err), 'banner stopped'));
});
</script>
</body>
</html>
`;
