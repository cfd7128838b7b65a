import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

// Compiled to dist/test/engine: the sources stay in the tree.
const repo = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative module a source file imports, exports from or requires, as a path from the repository root. */
function relativeImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => relative(repo, resolve(dirname(file), name)).split(sep).join('/'));
}

/** The arrows that point outward from `folder`: imports of anything in the repository outside it. */
function outwardImports(folder: string): string[] {
  return sources(join(repo, folder)).flatMap((file) =>
    relativeImports(file)
      .filter((target) => !target.startsWith(`${folder}/`))
      .map((target) => `${relative(repo, file)} imports ${target}`),
  );
}

describe('import direction: the engine depends on nothing else in the repository', () => {
  it('finds the engine\'s own imports (the scan reads real sources)', () => {
    const imports = relativeImports(join(repo, 'engine', 'arbiter.ts'));
    assert.ok(imports.includes('engine/core/arbiter-core'), imports.join(', '));
    assert.ok(imports.includes('engine/rule-evaluator'), imports.join(', '));
  });

  it('no file in engine/ imports policies/, check/, scenario/, adapters/, nodes/, server/ or cli/', () => {
    // The rule model is engine/core/policy-rule.ts, its parsing engine/config/parse-policies.ts, its evaluation
    // engine/rule-evaluator.ts: policies/ (the packs) and everything else import the engine, never the reverse.
    assert.deepEqual(outwardImports('engine'), []);
  });

  it('the pure core imports no shell: no store, clock, logger or rule evaluator', () => {
    const shell = outwardImports('engine/core').filter((line) => !/ imports engine\/monitors\//.test(line));
    assert.deepEqual(shell, []);
  });
});
