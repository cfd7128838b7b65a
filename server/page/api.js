// The JSON API as the page uses it. The operator's token, once signed in, stays in this tab's sessionStorage
// (gone when the tab closes) and goes as a bearer header on operator actions; reads use the session cookie.

const TOKEN_KEY = 'home-arbiter-operator-token';

export class Unauthorized extends Error {}
/** The server did not answer at all (stopped, restarting, network gone). */
export class Unreachable extends Error {}

export const operator = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) { if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY); },
};

async function request(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'same-origin' });
  } catch (err) {
    throw new Unreachable(path + ': ' + err.message);
  }
  if (r.status === 401) throw new Unauthorized(path);
  const text = await r.text();
  const json = text && (r.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : undefined;
  if (!r.ok) throw new Error((json && json.error) || path + ': HTTP ' + r.status);
  return json;
}

export const getJson = (path) => request('GET', path);

/** Trades the token for a read session (`POST /api/session`); resolves false for a wrong token. */
export async function signIn(token) {
  try {
    await request('POST', '/api/session', { token });
    return true;
  } catch (err) {
    if (err instanceof Unauthorized) return false;
    throw err;
  }
}

/** An operator action with the signed-in token (none in `--insecure-dev`). */
export const act = (path, body) => request('POST', path, { token: operator.token, body: body || {} });
