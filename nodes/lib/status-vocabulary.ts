import type { NodeStatus, Translate } from './node-red';

/**
 * The fixed set of status badges every arbiter node may show. The words live once, in the supervisor's catalogue
 * (`locales/en-US/arbiter-supervisor.json`, section `status`); Node-RED names a node set's catalogue
 * `<module>/<set>`, so every node translates them with the qualified key.
 */
const CATALOGUE = 'home-arbiter/arbiter-supervisor';

const LOOK = {
  starting: { fill: 'grey', shape: 'ring' },
  ready: { fill: 'green', shape: 'ring' },
  checked: { fill: 'yellow', shape: 'ring' },
  invalid: { fill: 'red', shape: 'ring' },
  'no-supervisor': { fill: 'red', shape: 'ring' },
  failed: { fill: 'red', shape: 'dot' },
  closed: { fill: 'grey', shape: 'ring' },
  owned: { fill: 'green', shape: 'dot' },
  unowned: { fill: 'grey', shape: 'dot' },
  unavailable: { fill: 'red', shape: 'ring' },
  watching: { fill: 'green', shape: 'ring' },
  dispatched: { fill: 'green', shape: 'dot' },
  accepted: { fill: 'green', shape: 'dot' },
  deferred: { fill: 'yellow', shape: 'dot' },
  denied: { fill: 'red', shape: 'ring' },
  released: { fill: 'grey', shape: 'dot' },
  winning: { fill: 'green', shape: 'dot' },
  expired: { fill: 'grey', shape: 'dot' },
  revoked: { fill: 'red', shape: 'ring' },
  quarantined: { fill: 'red', shape: 'dot' },
  conflict: { fill: 'yellow', shape: 'dot' },
  alarm: { fill: 'red', shape: 'dot' },
  alarms: { fill: 'red', shape: 'dot' },
  fact: { fill: 'blue', shape: 'dot' },
  stopped: { fill: 'red', shape: 'dot' },
  running: { fill: 'green', shape: 'dot' },
  operator: { fill: 'blue', shape: 'dot' },
} as const satisfies Record<string, Pick<NodeStatus, 'fill' | 'shape'>>;

export type StatusWord = keyof typeof LOOK;
export const STATUS_WORDS = Object.keys(LOOK) as StatusWord[];

const MARK = '\u0001';
/** Translated texts with a marker where each value goes, per translate function, word and set of value names. */
const templates = new WeakMap<Translate, Map<string, string>>();

/**
 * A badge: the word's colour and shape, its text translated with the values it names. A system node badges every
 * message, so each word is translated once, with markers in place of the values, and the values are put in after:
 * i18next per message was a third of a message's path through an `arbiter-system` node.
 */
export function statusOf(translate: Translate, word: StatusWord, params: Record<string, unknown> = {}): NodeStatus {
  const names = Object.keys(params);
  const key = `${word}${MARK}${names.join(MARK)}`;
  let byKey = templates.get(translate);
  if (!byKey) templates.set(translate, (byKey = new Map()));
  let template = byKey.get(key);
  if (template === undefined) {
    template = translate(`${CATALOGUE}:status.${word}`, Object.fromEntries(names.map((n) => [n, `${MARK}${n}${MARK}`])));
    byKey.set(key, template);
  }
  const text = names.length === 0 ? template : template.replace(/\u0001(\w+)\u0001/g, (_, name: string) => String(params[name]));
  return { ...LOOK[word], text };
}
