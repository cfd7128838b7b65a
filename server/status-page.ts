import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { HttpError } from './http-io';

/** The page's files: `server/page/`, copied beside the compiled server by scripts/copy-assets.js. */
const PAGE_DIR = join(__dirname, 'page');
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/**
 * Scripts and styles from this server only (no inline code, so injected markup cannot run), and never inside
 * another site's frame: the page carries operator buttons, which a framing page could trick a person into pressing.
 */
const HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

/**
 * `GET /` and `GET /page/<file>`: the status page, plain HTML, CSS and JavaScript modules with no build step
 * (server/page/). It reads the JSON API and follows `/api/events`; every value from the server is inserted as text,
 * never as HTML. The files are read once, at start.
 */
export class StatusPage {
  private readonly files = new Map<string /* URL path */, { type: string; body: Buffer }>();

  constructor(dir = PAGE_DIR) {
    for (const name of readdirSync(dir)) {
      const type = CONTENT_TYPES[extname(name)];
      if (type) this.files.set(name === 'index.html' ? '/' : `/page/${name}`, { type, body: readFileSync(join(dir, name)) });
    }
    if (!this.files.has('/')) throw new Error(`status page: no index.html in ${dir} (run npm run build)`);
  }

  serve(path: string, res: ServerResponse): void {
    const file = this.files.get(path);
    if (!file) throw new HttpError(404, `no such resource: ${path}`);
    res.writeHead(200, { 'content-type': file.type, ...HEADERS });
    res.end(file.body);
  }
}
