import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Signs the decision log's checkpoints and anchor; the private key never leaves this object. */
export interface LogSigner {
  /** The public key's id (keyIdOf), recorded with every signature. */
  readonly keyId: string;
  sign(text: string): string;
}

/** The first 16 hex digits of the sha256 of the public key (SubjectPublicKeyInfo, DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Where the public key of `privateKeyFile` is written, to be copied elsewhere for `log verify --public-key`. */
export function publicKeyFileFor(privateKeyFile: string): string {
  return privateKeyFile.replace(/(\.pem)?$/, '.pub.pem');
}

/**
 * The server's Ed25519 key (issue 10, item 9), kept apart from the store (beside the secrets by default), mode
 * 0600, generated on the first run as the secrets are: whoever can rewrite the store cannot sign what they wrote.
 */
export function loadSigningKey(file: string): { signer: LogSigner; created: boolean } {
  const pending = pendingKeyFileFor(file);
  if (existsSync(pending)) {
    throw new Error(`${file}: a key rotation was cut short (${pending} is there): run \`home-arbiter log rotate-key\` again to finish it before the server signs anything`);
  }
  let created = false;
  if (!existsSync(file)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    writeFileSync(publicKeyFileFor(file), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o600 });
    created = true;
  }
  return { signer: readSigningKey(file).signer, created };
}

/** An existing signing key, with its public key in PEM (what a key rotation hands over). */
export function readSigningKey(file: string): { signer: LogSigner; publicKey: string } {
  if ((statSync(file).mode & 0o077) !== 0) throw new Error(`${file} is readable by other users (chmod 600 ${file})`);
  const privateKey = createPrivateKey(readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} holds a ${privateKey.asymmetricKeyType} key, not an Ed25519 one`);
  return signerOf(privateKey);
}

/** A new Ed25519 key, in memory: `log rotate-key` writes it once the store names it. */
export function generateSigningKey(): { signer: LogSigner; publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...signerOf(privateKey), privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function signerOf(privateKey: KeyObject): { signer: LogSigner; publicKey: string } {
  const publicKey = createPublicKey(privateKey);
  const signer = { keyId: keyIdOf(publicKey), sign: (text: string) => sign(null, Buffer.from(text), privateKey).toString('base64') };
  return { signer, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Where `log rotate-key` keeps the public key of the key it retired, to verify what that key signed. */
export function retiredPublicKeyFileFor(privateKeyFile: string, keyId: string): string {
  return privateKeyFile.replace(/(\.pem)?$/, `.${keyId}.pub.pem`);
}

/** Where `log rotate-key` writes the new private key until the store names it (a rotation cut short leaves it). */
export const pendingKeyFileFor = (privateKeyFile: string) => `${privateKeyFile}.new`;

/** The public keys `log rotate-key` kept beside `privateKeyFile` (for `erase`). */
export function retiredPublicKeyFiles(privateKeyFile: string): string[] {
  const dir = dirname(privateKeyFile);
  if (!existsSync(dir)) return [];
  const stem = `${basename(privateKeyFile).replace(/(\.pem)?$/, '')}.`;
  const keyIdIn = (f: string) => f.slice(stem.length, -'.pub.pem'.length);
  return readdirSync(dir)
    .filter((f) => f.startsWith(stem) && f.endsWith('.pub.pem') && /^[0-9a-f]{16}$/.test(keyIdIn(f)))
    .map((f) => join(dir, f));
}

/** A public key file (PEM) for `log verify --public-key`. */
export function loadPublicKey(file: string): KeyObject {
  if (!existsSync(file)) throw new Error(`${file}: no such public key file`);
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(file));
  } catch (err) {
    throw new Error(`${file}: not a public key in PEM (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} holds a ${key.asymmetricKeyType} key, not an Ed25519 one`);
  return key;
}

export function signatureValid(publicKey: KeyObject, text: string, signature: string): boolean {
  return verify(null, Buffer.from(text), publicKey, Buffer.from(signature, 'base64'));
}
