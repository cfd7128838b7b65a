'use strict';
// Node-RED loads a node's .html, locales/ and icons/ from beside its compiled .js: copy them into dist/nodes.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const from = path.join(root, 'nodes');
const to = path.join(root, 'dist', 'nodes');

function copy(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const source = path.join(dir, entry.name);
    const target = path.join(to, path.relative(from, source));
    if (entry.isDirectory()) copy(source);
    else if (!/\.ts$/.test(entry.name)) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

if (fs.existsSync(from)) copy(from);
