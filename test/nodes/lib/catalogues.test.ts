import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS_WORDS } from '../../../nodes/lib/status-vocabulary';

/** The compiled package as Node-RED loads it: dist/nodes with the assets copied beside the .js. */
const NODES = join(__dirname, '..', '..', '..', 'nodes');
const catalogue = (set: string) => JSON.parse(readFileSync(join(NODES, 'locales', 'en-US', `${set}.json`), 'utf8'));
const lookup = (catalog: Record<string, unknown>, key: string) => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalog);

describe('editor assets and catalogues', function () {
  const sets = readdirSync(NODES).filter((f) => f.endsWith('.html')).map((f) => f.replace(/\.html$/, ''));

  it('ships an editor, help and a catalogue for each of the six node types', function () {
    assert.deepEqual([...sets].sort(), ['arbiter-actuator', 'arbiter-context', 'arbiter-events', 'arbiter-operator', 'arbiter-supervisor', 'arbiter-system']);
    for (const set of sets) {
      const html = readFileSync(join(NODES, `${set}.html`), 'utf8');
      assert.match(html, new RegExp(`registerType\\('${set}'`), `${set}: registers its type`);
      assert.match(html, new RegExp(`data-template-name="${set}"`), `${set}: has an edit template`);
      assert.match(html, new RegExp(`data-help-name="${set}"`), `${set}: has help`);
    }
  });

  it('translates every data-i18n key of every editor', function () {
    for (const set of sets) {
      const html = readFileSync(join(NODES, `${set}.html`), 'utf8');
      const keys = [...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]);
      assert.ok(keys.length > 0, `${set} uses its catalogue`);
      for (const key of keys) assert.equal(typeof lookup(catalogue(set), key), 'string', `${set}: "${key}" is in locales/en-US/${set}.json`);
    }
  });

  it("translates every message an editor's script asks for", function () {
    for (const set of sets) {
      const html = readFileSync(join(NODES, `${set}.html`), 'utf8');
      for (const [, catalogueSet, key] of html.matchAll(/RED\._\('home-arbiter\/([\w-]+):([^']+)'/g)) {
        assert.equal(typeof lookup(catalogue(catalogueSet!), key!), 'string', `${set}: "${key}" is in locales/en-US/${catalogueSet}.json`);
      }
    }
  });

  it('has a word for every status badge, in the supervisor catalogue', function () {
    const status = catalogue('arbiter-supervisor').status as Record<string, string>;
    assert.deepEqual(Object.keys(status).sort(), [...STATUS_WORDS].sort());
  });

  it('explains the lattice in the help of the supervisor and of the system node', function () {
    for (const set of ['arbiter-supervisor', 'arbiter-system']) {
      assert.match(readFileSync(join(NODES, `${set}.html`), 'utf8'), /life &gt; property &gt; comfort &gt; entertainment/, set);
    }
  });
});
