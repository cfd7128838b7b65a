// The panels of the status page, each rendered from the API's answers. `ops` carries the operator actions
// (each asks for confirmation first); their buttons show only to a signed-in operator (CSS `.operator-only`).
import { alarmSentence, clusterSentence, factSentence, lastCommandSentence, lifetimeSentence, plural, show, time } from './describe.js';
import { button, cell, el, fill } from './dom.js';

export function renderAlarms(alarms, ops) {
  document.getElementById('alarm-count').textContent = alarms.length ? String(alarms.length) : '';
  fill(document.getElementById('alarms'), alarms.map((a) => {
    const li = el('li');
    li.dataset.id = a.id;
    li.append(el('span', time(a.wall), 'muted'), el('span', alarmSentence(a.alarm), 'what'), button('Acknowledge', () => ops.acknowledge(a), 'operator-only'));
    return li;
  }), 'No active alarm.');
}

export function renderStop(status) {
  document.getElementById('stop-state').textContent = status.stopped
    ? 'Stopped: only life-category commands are carried out.'
    : 'Running: every category is carried out.';
  document.getElementById('stop').hidden = status.stopped;
  document.getElementById('resume').hidden = !status.stopped;
}

export function renderActuators(actuators, status, ops) {
  const locked = new Set(status.lockedTargets);
  document.querySelector('#actuators tbody').replaceChildren(...actuators.map((a) => {
    const tr = el('tr', undefined, a.available ? '' : 'degraded');
    tr.dataset.id = a.id;
    const deferred = a.claims.filter((c) => c.verdict === 'deferred').map((c) => el('div', c.claimant + ': ' + show(c.state) + ' (' + c.category + ') ' + c.reason));
    const lock = locked.has(a.id) ? button('Unlock', () => ops.unlock({ target: a.id })) : button('Lock', () => ops.lock({ target: a.id }));
    tr.append(
      cell('actuator', a.id),
      cell('state', show(a.state)),
      cell('desired', show(a.desired)),
      cell('owner', show(a.owner)),
      cell('device', a.available ? 'ok' : 'DEGRADED', a.available ? 'avail' : 'avail bad'),
      cell('deferred claims', deferred.length ? deferred : '—', deferred.length ? 'deferred' : 'deferred empty'),
      cell('lifetime', lifetimeSentence(a.lifetime)),
      cell('operator', lock, 'operator-only'),
    );
    return tr;
  }));
}

export function renderLocks(status, ops) {
  const subjects = [...status.lockedTargets.map((target) => ({ target })), ...status.lockedSystems.map((system) => ({ system }))];
  fill(document.getElementById('locks'), subjects.map((s) => {
    const li = el('li');
    const what = s.target ? s.target + ': commands below life on it are denied' : 'system ' + s.system + ': its commands below life are denied';
    li.append(el('span', what, 'what'), button('Unlock', () => ops.unlock(s), 'operator-only'));
    return li;
  }), 'No lock: commands are arbitrated as usual.');
}

export function renderQuarantines(status, ops) {
  fill(document.getElementById('quarantines'), status.quarantined.map((system) => {
    const li = el('li');
    li.dataset.system = system;
    li.append(el('span', system + ': every command is denied until the operator releases it', 'what'), button('Release', () => ops.release(system), 'operator-only'));
    return li;
  }), 'No system is quarantined.');
}

export function renderSystems(systems, status, ops) {
  const locked = new Set(status.lockedSystems);
  document.querySelector('#systems tbody').replaceChildren(...systems.map((s) => {
    const tr = el('tr');
    tr.dataset.id = s.id;
    const standing = [s.quarantined && 'QUARANTINED', locked.has(s.id) && 'locked'].filter(Boolean).join(', ') || 'ok';
    const lock = locked.has(s.id) ? button('Unlock', () => ops.unlock({ system: s.id })) : button('Lock', () => ops.lock({ system: s.id }));
    tr.append(
      cell('system', s.id),
      cell('category', s.category + (s.rank ? ', rank ' + s.rank : '')),
      cell('targets', s.targets ? s.targets.join(', ') : 'every actuator'),
      cell('last command', lastCommandSentence(s.lastCommand), 'last-command'),
      cell('standing', standing, s.quarantined ? 'bad' : ''),
      cell('operator', lock, 'operator-only'),
    );
    return tr;
  }));
}

export function renderFacts(status) {
  const declared = new Map((status.factDeclarations || []).map((d) => [d.name, d]));
  fill(document.getElementById('facts'), status.facts.map((f) => {
    const li = el('li', factSentence(f, declared.get(f.name)), f.stale ? 'stale' : '');
    li.dataset.name = f.name;
    return li;
  }), 'No fact yet.');
}

export function renderDiagnostics(status) {
  const results = status.diagnostics || [];
  document.getElementById('diagnostics-time').textContent = results.length
    ? 'Checked at start-up, ' + time(results[0].at) + '; ' + plural(results.filter((r) => !r.ok).length, 'problem') + ' then, ' + plural(results.filter((r) => !r.now.ok).length, 'problem') + ' now.'
    : '';
  document.querySelector('#diagnostics tbody').replaceChildren(...results.map((r) => {
    const tr = el('tr');
    tr.dataset.subject = r.subject;
    const back = r.readBack;
    tr.append(
      cell('subject', r.subject),
      cell('at start-up', (r.ok ? '✔ ' : '✘ ') + r.message, r.ok ? 'ok' : 'bad'),
      cell('now', (r.now.ok ? '✔ ' : '✘ ') + r.now.message, r.now.ok ? 'ok' : 'bad'),
      // Only the idle life and property paths are read back (the periodic diagnosis); the others show a dash.
      cell('last read-back', back ? (back.ok ? '✔ ' : '✘ ') + back.outcome + ', ' + back.message + ', ' + time(back.at) : '—', back ? (back.ok ? 'ok' : 'bad') : ''),
    );
    return tr;
  }));
}

export function renderBanners(status) {
  const banners = [];
  if (status.cluster) banners.push(el('div', clusterSentence(status.cluster), 'banner cluster ' + status.cluster.role));
  if (status.stopped) banners.push(el('div', 'EMERGENCY STOP: only life-category commands are carried out', 'banner stopped'));
  if (status.insecure) banners.push(el('div', 'INSECURE DEV MODE: no authentication', 'banner insecure'));
  document.getElementById('banners').replaceChildren(...banners);
}
