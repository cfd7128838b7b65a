'use strict';
// Files the compiled code reads from beside itself: Node-RED loads a node's .html, locales/ and icons/ from beside
// its .js (dist/nodes), and the edge server serves its status page from dist/server/page.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function copy(from, to, dir = from) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const source = path.join(dir, entry.name);
    const target = path.join(to, path.relative(from, source));
    if (entry.isDirectory()) copy(from, to, source);
    else if (!/\.ts$/.test(entry.name)) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

for (const folder of ['nodes', 'server/page']) {
  const from = path.join(root, folder);
  if (fs.existsSync(from)) copy(from, path.join(root, 'dist', folder));
}
