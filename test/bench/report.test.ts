import { strict as assert } from 'node:assert';
import type { Row } from '../../bench/measure';
import { formatRatios, formatTable, formatTargets, ratios, targets } from '../../bench/report';

const row = (id: string, value: number | null, unit = '/s'): Row => ({ section: 's', case: id, metric: 'm', value, unit, id });

describe('bench report', () => {
  const rows = [row('decisions.memory.rate', 300_000), row('decisions.sqlite.rate', 150_000), row('naive.rate', 10_000), row('decisions.sqlite.p99', 0.4, 'ms'), row('nodered.function', 8_000)];

  it('divides ours by theirs, and says "not measured" where a side is missing', () => {
    const list = ratios(rows);
    assert.equal(list.find((r) => r.label.startsWith('decisions/s vs naive (store off'))?.value, 30);
    assert.equal(list.find((r) => r.label.startsWith('decisions/s vs naive (store on'))?.value, 15);
    assert.equal(list.find((r) => r.label.includes('function-node'))?.value, null);
    const lines = formatRatios(list).split('\n');
    assert.equal(lines.length, list.length);
    for (const line of lines) assert.match(line, /^[^\n]+: (\d+(\.\d+)?x|not measured)$/);
  });

  it('checks each target against its figure: met, missed or not measured', () => {
    const byTarget = new Map(targets(rows).map((t) => [t.target, t.met]));
    assert.equal(byTarget.get('>= 20x the naive arbiter (decisions/s, both in memory)'), true);
    assert.equal(byTarget.get('>= 200,000 decisions/s on one core with the store on'), false);
    assert.equal(byTarget.get('p99 < 1 ms at 10,000 commands/s (store on)'), true);
    assert.equal(byTarget.get('1,000,000-step replay in < 10 s'), null);
    assert.match(formatTargets(targets(rows)), /MISSED {2}>= 200,000 decisions\/s on one core with the store on: 150,000 \/s/);
  });

  it("puts the disk's floor beside the store-on targets when it was measured", () => {
    const withDisk = [...rows, row('decisions.fsync.rate', 170_000), row('decisions.fsync.p99', 3.5, 'ms')];
    const text = formatTargets(targets(withDisk));
    assert.match(text, /with the store on: 150,000 \/s \(the disk's floor in this run: 170,000 \/s\)/);
    assert.match(text, /\(store on\): 0\.4 ms \(the disk's floor in this run: 3\.5 ms\)/);
    assert.doesNotMatch(formatTargets(targets(rows)), /floor/);
    const withSyncs = formatTargets(targets([...withDisk, row('decisions.disk.p99', 1.2, 'ms')]));
    assert.match(withSyncs, /\(store on\): 0\.4 ms \(the disk's floor in this run: 3\.5 ms; one write \+ fdatasync alone: p99 1\.2 ms\)/);
  });

  it('prints one table line per figure under a header', () => {
    const table = formatTable(rows).split('\n');
    assert.equal(table.length, rows.length + 2);
    assert.match(table[2], /300,000 \/s/);
  });
});
