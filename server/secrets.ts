import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Per-credential secrets, kept as scrypt hashes (never the secret itself) in a JSON file of mode 0600:
 * `{"operator": {"hash": "scrypt$…"}, "systems": {"<id>": {"hash": "scrypt$…"}}}`. An entry may instead hold
 * `{"token": "…"}` typed by hand; it is checked for strength and hashed in memory, and doctor asks to hash it.
 */
export interface SecretsFile {
  operator?: SecretEntry;
  systems?: Record<string, SecretEntry>;
}
type SecretEntry = { hash: string } | { token: string };

/** `operator` or `system:<id>`: whose secret it is. */
export type CredentialId = string;
export const OPERATOR = 'operator';
/** The subject of problems with the secrets file itself rather than one credential's entry. */
export const SECRETS = 'secrets';
export const systemCredential = (id: string): CredentialId => `system:${id}`;
/** A credential as the log records it: the id comes from the request path, and a made-up one may be 8 KB long. */
export const loggedCredential = (credential: CredentialId): string => (credential.length > 80 ? `${credential.slice(0, 80)}…` : credential);

export interface SecretProblem {
  /** A credential, or `secrets` for the file and its folder. */
  readonly credential: CredentialId;
  /**
   * `mode`: the file is readable by other users; `folder`: its folder is writable by them (they could swap the
   * hashes); `unreadable`: not a JSON object; `tokens-file`: the first run's clear-text tokens are still there.
   */
  readonly kind: 'missing' | 'weak' | 'clear-text' | 'tokens-file' | 'mode' | 'folder' | 'unreadable';
  /** `error`: serve refuses to start; `warning`: it starts and says so. */
  readonly level: 'error' | 'warning';
  readonly message: string;
}

export interface LoadedSecrets {
  /** scrypt hash per credential that has a usable one. */
  readonly hashes: ReadonlyMap<CredentialId, string>;
  readonly problems: readonly SecretProblem[];
}

// OWASP's minimum for scrypt (N=2^14, r=8, p=1): about 16 MiB and a few tens of ms per hash.
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32, saltBytes: 16 } as const;
/** A stored hash may cost at most this much memory (128·N·r bytes) and parallelism per check: more is a denial of service. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_SCRYPT_P = 16;
const MIN_TOKEN_LENGTH = 24;
const MIN_TOKEN_BITS = 128;
const CHARACTER_CLASSES = [
  { re: /[a-z]/, size: 26 },
  { re: /[A-Z]/, size: 26 },
  { re: /[0-9]/, size: 10 },
  { re: /[^a-zA-Z0-9]/, size: 32 },
];

function scryptAsync(secret: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** 256 random bits, URL-safe: what a first run generates for each credential. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scryptAsync(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(hash: string): ParsedHash | undefined {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const key = Buffer.from(parts[5], 'base64');
  if (![N, r, p].every(Number.isInteger) || key.length < 16) return undefined;
  return { N, r, p, salt, key };
}

/** Why a stored hash is too cheap to brute-force offline, or undefined. */
export function hashWeakness(hash: string): string | undefined {
  const parsed = parseHash(hash);
  if (!parsed) return 'is not a scrypt hash (scrypt$N$r$p$salt$key)';
  const { N, r, p } = parsed;
  if (N < SCRYPT.N) return `scrypt cost N=${N} is below ${SCRYPT.N}`;
  // scrypt itself refuses any other N, so that every check of the credential would fail with an error.
  if ((N & (N - 1)) !== 0) return `scrypt cost N=${N} is not a power of two`;
  if (r < SCRYPT.r) return `scrypt block size r=${r} is below ${SCRYPT.r}`;
  if (p < SCRYPT.p || p > MAX_SCRYPT_P) return `scrypt parallelism p=${p} is not from ${SCRYPT.p} to ${MAX_SCRYPT_P}`;
  if (128 * N * r > MAX_SCRYPT_MEMORY) return `scrypt N=${N}, r=${r} needs ${(128 * N * r) / 2 ** 20} MiB per check, above ${MAX_SCRYPT_MEMORY / 2 ** 20}`;
  if (parsed.salt.length < SCRYPT.saltBytes) return `salt of ${parsed.salt.length} bytes is below ${SCRYPT.saltBytes}`;
  return undefined;
}

/** Why a secret is guessable, or undefined: at least 24 characters and an estimated 128 bits. */
export function secretWeakness(secret: string): string | undefined {
  if (secret.length < MIN_TOKEN_LENGTH) return `is ${secret.length} characters long, below ${MIN_TOKEN_LENGTH}`;
  const classes = CHARACTER_CLASSES.filter(({ re }) => re.test(secret));
  const alphabet = classes.reduce((sum, c) => sum + c.size, 0);
  const distinct = new Set(secret).size;
  const bits = Math.min(secret.length * Math.log2(Math.max(alphabet, 2)), distinct * 8);
  if (classes.length < 2 || bits < MIN_TOKEN_BITS) return `has an estimated ${Math.floor(bits)} bits, below ${MIN_TOKEN_BITS}`;
  return undefined;
}

export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await scryptAsync(secret, parsed.salt, parsed.key.length, { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: 256 * parsed.N * parsed.r + 1024 * 1024 });
  return timingSafeEqual(key, parsed.key);
}

function readSecretsFile(file: string): SecretsFile {
  const text = readFileSync(file, 'utf8');
  const data = JSON.parse(text) as unknown;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('is not a JSON object');
  return data as SecretsFile;
}

/** Reads the secrets of the operator and of `systems`, naming each credential that is missing or weak. */
export async function loadSecrets(file: string, systems: readonly string[]): Promise<LoadedSecrets> {
  const hashes = new Map<CredentialId, string>();
  const problems: SecretProblem[] = [];
  const problem = (credential: CredentialId, kind: SecretProblem['kind'], message: string) =>
    problems.push({ credential, kind, message, level: kind === 'clear-text' || kind === 'tokens-file' ? 'warning' : 'error' });
  if (!existsSync(file)) {
    problem(OPERATOR, 'missing', `no secrets file at ${file}`);
    for (const id of systems) problem(systemCredential(id), 'missing', `no secrets file at ${file}`);
    return { hashes, problems };
  }
  const folder = dirname(file);
  if ((statSync(folder).mode & 0o022) !== 0) problem(SECRETS, 'folder', `${folder} is writable by other users, who could replace the hashes`);
  if ((statSync(file).mode & 0o077) !== 0) problem(SECRETS, 'mode', `${file} is readable by other users`);
  const tokensFile = tokensFileFor(file);
  if (existsSync(tokensFile)) problem(SECRETS, 'tokens-file', `the clear-text tokens of the first run are still in ${tokensFile}: whoever reads it can act as every system`);
  let data: SecretsFile;
  try {
    data = readSecretsFile(file);
  } catch (err) {
    problem(SECRETS, 'unreadable', `${file}: ${(err as Error).message}`);
    return { hashes, problems };
  }
  const entries: [CredentialId, SecretEntry | undefined][] = [
    [OPERATOR, data.operator],
    ...systems.map((id): [CredentialId, SecretEntry | undefined] => [systemCredential(id), data.systems?.[id]]),
  ];
  for (const [credential, entry] of entries) {
    if (!entry) {
      problem(credential, 'missing', `no secret in ${file}`);
    } else if ('token' in entry && typeof entry.token === 'string') {
      const weak = secretWeakness(entry.token);
      if (weak) problem(credential, 'weak', `its secret ${weak}`);
      else {
        problem(credential, 'clear-text', `its secret is stored in clear in ${file}; replace it by {"hash": …}`);
        hashes.set(credential, await hashSecret(entry.token));
      }
    } else if ('hash' in entry && typeof entry.hash === 'string') {
      const weak = hashWeakness(entry.hash);
      if (weak) problem(credential, 'weak', `its stored hash ${weak}`);
      else hashes.set(credential, entry.hash);
    } else {
      problem(credential, 'missing', `entry in ${file} has neither "hash" nor "token"`);
    }
  }
  return { hashes, problems };
}

/** Where the clear tokens of a first run go: beside the hashes, for the user to copy into the clients. */
export function tokensFileFor(secretsFile: string): string {
  return secretsFile.replace(/(\.json)?$/, '.tokens.json');
}

/**
 * First run: strong random secrets for the operator and every system. The hashes go to `file`, the tokens to
 * `tokensFileFor(file)`, both mode 0600; the tokens are for the user to hand to clients (and then delete).
 */
export async function generateSecretsFile(file: string, systems: readonly string[]): Promise<string> {
  const tokens: { operator: string; systems: Record<string, string> } = { operator: generateToken(), systems: {} };
  for (const id of systems) tokens.systems[id] = generateToken();
  const hashed: SecretsFile = { operator: { hash: await hashSecret(tokens.operator) }, systems: {} };
  for (const [id, token] of Object.entries(tokens.systems)) hashed.systems![id] = { hash: await hashSecret(token) };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tokensFile = tokensFileFor(file);
  writeFileSync(tokensFile, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  writeFileSync(file, `${JSON.stringify(hashed, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return tokensFile;
}
