// The status page: reads the JSON API, follows /api/events (SSE) and re-reads what an event changes; says so at
// once when the server stops answering, and catches up when it is back.
import { getJson, Unauthorized } from './api.js';
import { time } from './describe.js';
import { askForToken, operatorActions, showOperator, signOut } from './operator.js';
import * as panels from './panels.js';
import { Timeline } from './timeline.js';

const TIMELINE = new Set(['conflict', 'alarm', 'alarm-acknowledged', 'denied', 'degraded', 'restored', 'revoked', 'fault', 'lifetime-warning', 'trend-warning', 'diagnostics', 'clock-jump', 'auth-lockout', 'plugin-refused', 'plugin-ended', 'adapter-problem', 'operator']);
const REFRESH = new Set(['dispatched', 'claimed', 'fact', 'released', 'expired', 'revoked', 'denied', 'degraded', 'restored', 'manual', 'conflict', 'operator', 'alarm', 'alarm-acknowledged', 'diagnostics']);
const POLL_MS = 10000;
const RECONNECT_MS = 3000;
/** Entries of history the timeline starts with. */
const HISTORY = 500;

const $ = (id) => document.getElementById(id);
const timeline = new Timeline($('timeline'));
let insecure = false;
let goneSince;
/** The newest event seen; the stream starts HISTORY entries before the log's end as first read. */
let lastSeq;
/** Cluster mode: this node is the standby, which answers its status only (docs/cluster.md). */
let standby = false;

async function refresh() {
  const status = await getJson('/api/status');
  standby = status.cluster !== undefined && status.cluster.role === 'standby';
  document.querySelector('main').hidden = standby;
  if (standby) {
    panels.renderBanners(status);
    $('live').textContent = '(standby)';
    serverBack();
    return status;
  }
  const [actuators, systems] = await Promise.all([getJson('/api/actuators'), getJson('/api/systems')]);
  lastSeq ??= Math.max(0, status.lastSeq - HISTORY);
  insecure = status.insecure;
  showOperator(insecure);
  const ops = operatorActions(scheduleRefresh, insecure);
  panels.renderBanners(status);
  panels.renderAlarms(status.alarms || [], ops);
  panels.renderStop(status);
  panels.renderActuators(actuators, status, ops);
  panels.renderLocks(status, ops);
  panels.renderQuarantines(status, ops);
  panels.renderSystems(systems, status, ops);
  panels.renderFacts(status);
  panels.renderDiagnostics(status);
  $('stop').onclick = ops.stop;
  $('resume').onclick = ops.resume;
  serverBack();
  return status;
}

let pending;
function scheduleRefresh() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = undefined;
    refresh().catch(failed);
  }, 150);
}

function failed(err) {
  if (err instanceof Unauthorized) askForToken("Reading this home's state needs the operator's token.", () => location.reload());
  else serverGone();
}

/** The banner that says the page shows old news: from the first failed request until one succeeds. */
function serverGone() {
  goneSince ??= Date.now();
  const banner = $('server-gone');
  banner.textContent = 'The server has not answered since ' + time(goneSince) + '. Everything below is what it said last; trying again every few seconds.';
  banner.hidden = false;
  $('live').textContent = '(server gone)';
}

function serverBack() {
  if (goneSince === undefined) return;
  goneSince = undefined;
  $('server-gone').hidden = true;
}

function follow() {
  // A standby has no event stream: look again until it is the active node.
  if (standby) return void setTimeout(() => refresh().then(follow, (err) => (failed(err), setTimeout(follow, RECONNECT_MS))), RECONNECT_MS);
  const source = new EventSource('/api/events?since=' + lastSeq);
  source.onopen = () => {
    const wasGone = goneSince !== undefined;
    $('live').textContent = '(live)';
    if (wasGone) scheduleRefresh();
  };
  source.onerror = () => {
    serverGone();
    // The browser retries by itself after a dropped connection; an answer other than the stream (401 after a
    // restart forgot the session, 503) closes it for good, so start a new one.
    if (source.readyState === EventSource.CLOSED) setTimeout(() => refresh().then(follow, (err) => (failed(err), setTimeout(follow, RECONNECT_MS))), RECONNECT_MS);
  };
  const onEvent = (m) => {
    const e = JSON.parse(m.data);
    lastSeq = Math.max(lastSeq, e.seq);
    // A read-back that found the device as the engine holds it is news for the diagnostics table, not the timeline.
    if (TIMELINE.has(e.type) && !(e.type === 'diagnostics' && e.results.every((r) => r.ok))) timeline.add(e);
    if (REFRESH.has(e.type)) scheduleRefresh();
  };
  for (const type of new Set([...TIMELINE, ...REFRESH])) source.addEventListener(type, onEvent);
}

$('sign-in').onclick = () => askForToken(undefined, scheduleRefresh);
$('sign-out').onclick = () => {
  signOut();
  showOperator(insecure);
};

(async () => {
  for (;;) {
    try {
      await refresh();
      break;
    } catch (err) {
      failed(err);
      if (err instanceof Unauthorized) return; // signing in reloads the page
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }
  follow();
  setInterval(() => refresh().catch(failed), POLL_MS);
})();
