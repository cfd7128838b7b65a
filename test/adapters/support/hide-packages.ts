/**
 * Preloaded with `node -r` in a child process: the packages named in HIDE_PACKAGES (comma separated) cannot be
 * resolved, as on a machine where they were never installed.
 */
import Module = require('node:module');

const hidden = (process.env.HIDE_PACKAGES ?? '').split(',').filter(Boolean);
const internals = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const resolve = internals._resolveFilename;
internals._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (hidden.some((name) => request === name || request.startsWith(`${name}/`))) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
