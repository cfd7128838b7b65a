// Sentences for what the server says: events, alarms, facts, lifetime counters. Pure functions of their input.

/** `1 cycle`, `20,000 cycles`. */
export function plural(n, word, many = word + 's') {
  return n.toLocaleString('en') + ' ' + (n === 1 ? word : many);
}

export function show(v) {
  return v === undefined || v === null ? '—' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** A wall-clock time: the time of day for today, with the date before that. */
export function time(wall) {
  const d = new Date(wall);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

export function duration(ms) {
  if (ms < 1000) return ms + ' ms';
  const s = Math.round(ms / 1000);
  if (s < 120) return plural(s, 'second');
  const m = Math.round(s / 60);
  return m < 120 ? plural(m, 'minute') : plural(Math.round(m / 60), 'hour');
}

/** What an alarm means, for a person (SPEC.md §4, §6, §7). */
export function alarmSentence(a) {
  switch (a.kind) {
    case 'persistent-conflict':
      return (a.target || '') + ': ' + (a.systems || []).join(' and ') + ' keep contradicting each other (persistent conflict)';
    case 'flapping':
      return a.target + ' is changing too often (flapping)';
    case 'quarantine':
      return a.system + ' was quarantined after repeated unauthorized commands';
    case 'policy':
      return 'rule ' + a.rule + (a.message ? ': ' + a.message : ' holds');
    case 'policy-loop':
      return 'the policies did not settle and were cut' + (a.rule ? ' (rule ' + a.rule + ')' : '') + ' (policy loop)';
    case 'undeliverable':
      return a.target + ' cannot be put ' + show(a.state) + ' for life safety: its device is unreachable';
    case 'lifetime-exceeded':
      return a.target + ' has reached the end of its life: ' + a.message;
    default:
      return [a.kind, a.target, a.system, a.rule, a.message].filter(Boolean).join(' ');
  }
}

/** One line of the timeline. */
export function describe(e) {
  switch (e.type) {
    case 'conflict': return e.target + ': ' + e.winner + ' (' + show(e.winnerState) + ') wins over ' + e.loser + ' (' + show(e.loserState) + '), ' + e.resolution;
    case 'alarm': return 'ALARM ' + alarmSentence(e);
    case 'alarm-acknowledged': return 'operator acknowledged the ' + e.kind + ' alarm' + (e.target ? ' on ' + e.target : '') + (e.system ? ' for ' + e.system : '');
    case 'denied': return e.system + ' denied ' + (e.fact !== undefined ? 'writing fact ' + e.fact : 'on ' + e.target) + ': ' + e.reason + (e.rule ? ' (' + e.rule + ')' : '');
    case 'degraded': return (e.target || 'fact ' + e.fact) + ' degraded' + (e.reason ? ': ' + e.reason : '');
    case 'restored': return (e.target || 'fact ' + e.fact) + ' restored';
    case 'revoked': return e.system + ' revoked on ' + e.target + ' by rule ' + e.rule;
    case 'fault': return 'fault record #' + e.id + ' (' + e.kind + '): ' + e.reason;
    case 'lifetime-warning': return e.target + ' ' + e.counter + ' at ' + e.value + ' of ' + e.limit;
    case 'trend-warning': return 'TREND ' + e.subject + ' ' + e.measure + ' at ' + e.value + ' (baseline ' + e.baseline + ')';
    case 'diagnostics': return 'diagnosis: ' + e.results.map((r) => (r.ok ? 'ok ' : 'FAILED ') + r.subject + ': ' + r.message).join('; ');
    case 'clock-jump': return 'clock jumped by ' + duration(Math.abs(e.jump));
    case 'auth-lockout': return e.source + ' locked out until ' + time(e.until) + ' after failed guesses (the last for ' + e.credential + ')';
    case 'adapter-problem': return 'adapter ' + e.adapter + (e.device ? ' ' + e.device : '') + (e.field ? ' ' + e.field : '') + ': ' + e.message;
    case 'operator': return 'operator ' + e.action + (e.target ? ' ' + e.target : '') + (e.system ? ' ' + e.system : '');
    default: return e.type + ' ' + JSON.stringify(e);
  }
}

/** A fact as a person reads it: a stale fact shows as the fail-safe value of a silent sensor, and since when. */
export function factSentence(f, declaration) {
  if (!f.stale) return f.name + ' = ' + show(f.value) + ' (read ' + time(f.updatedAt) + ')';
  const silent = declaration && declaration.maxAge !== undefined ? ', stale since ' + time(f.updatedAt + declaration.maxAge) : '';
  const value = f.value === undefined ? 'no value (no fail-safe value declared)' : show(f.value) + ' (fail-safe value)';
  return f.name + ' = ' + value + ': no reading since ' + time(f.updatedAt) + silent;
}

/** Lifetime counters: `1 cycle, 0.01 h of 20000 cycles`. */
export function lifetimeSentence(life) {
  const limits = life.limit ? [life.limit.cycles && plural(life.limit.cycles, 'cycle'), life.limit.hours && life.limit.hours.toLocaleString('en') + ' h'].filter(Boolean) : [];
  return plural(life.cycles, 'cycle') + ', ' + life.hours.toFixed(2) + ' h' + (limits.length ? ' (limit ' + limits.join(' / ') + ')' : '');
}

export function lastCommandSentence(c) {
  if (!c) return '—';
  return c.target + ' = ' + show(c.state) + ', ' + c.outcome + (c.reason ? ' (' + c.reason + ')' : '') + ', ' + time(c.wall);
}

/** Cluster mode (docs/cluster.md): which node this is, its role and epoch, and its peer. */
export function clusterSentence(c) {
  const node = 'Node ' + c.node + ' of home ' + c.home;
  if (c.role === 'active') return node + ': ACTIVE (epoch ' + c.epoch + '); ' + (c.peer ? 'standby: ' + c.peer : 'no standby node is seen');
  const standby = node + ': STANDBY (epoch ' + c.epoch + '); ' + (c.peer ? 'the active node is ' + c.peer + '. This node takes over if ' + c.peer + ' stops renewing its lease.' : 'no node holds the lease now.');
  return c.warm === false ? standby + ' It is still preparing its server: a take-over now would wait for that.' : standby;
}
