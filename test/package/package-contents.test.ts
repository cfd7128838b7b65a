import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
/** The contract beside the repository: `../shared` in CI's clone, `../../shared` from a worktree under /work/wt. */
const SHARED_SPEC = [join(ROOT, '..', 'shared', 'SPEC.md'), join(ROOT, '..', '..', 'shared', 'SPEC.md')].find((p) => existsSync(p));

/** The files `npm pack` would put in the package, as npm itself lists them (the build's dist/ included). */
function packedFiles(): Set<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const [report] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as { files: { path: string }[] }[];
  return new Set(report!.files.map((f) => f.path));
}

describe('package: what an npm install brings', function () {
  this.timeout(60_000);
  let files: Set<string>;
  before(() => {
    files = packedFiles();
  });

  it('resolves every relative link of every packaged Markdown file to a packaged file', () => {
    const broken: string[] = [];
    for (const file of [...files].filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = normalize(join(dirname(file), target!.replace(/#.*$/, '')));
        if (!files.has(path) && ![...files].some((f) => f.startsWith(`${path}/`))) broken.push(`${file}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('ships the examples and the documents, and no store, secret or test', () => {
    for (const file of ['README.md', 'docs/SPEC.md', 'docs/node-red.md', 'examples/node-red/uc4-window-lock.json', 'scenario/examples/uc4-an-evening-at-home.yaml', 'dist/nodes/arbiter-supervisor.html', 'dist/server/page/index.html']) {
      assert.ok(files.has(file), file);
    }
    assert.deepEqual([...files].filter((f) => /\.sqlite|\.secrets|^dist\/test\/|^test\//.test(f)), []);
  });

  it('carries the behaviour contract as it stands beside the repository', function () {
    if (!SHARED_SPEC) this.skip(); // a clone without the shared folder: nothing to compare with
    assert.equal(readFileSync(join(ROOT, 'docs', 'SPEC.md'), 'utf8'), readFileSync(SHARED_SPEC, 'utf8'), `docs/SPEC.md is a copy of ${SHARED_SPEC}: copy it again`);
  });
});
