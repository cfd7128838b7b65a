import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An Ed25519 key in a PEM file of mode 0600, kept apart from the store and generated on the first run, like the
 * secrets: the home's key that signs the off-box log's checkpoints, and the fleet's key that signs policy bundles.
 * Every signature in fleet/ goes through this module, so that one key implementation can replace it (issue 10's
 * checkpoint key, when it lands).
 */
export class SigningKey {
  private constructor(
    private readonly key: KeyObject,
    readonly file: string,
  ) {}

  /** Reads the key; a missing file is created with a new key (0600, in a folder of mode 0700). */
  static loadOrCreate(file: string): SigningKey {
    if (!existsSync(file)) {
      const { privateKey } = generateKeyPairSync('ed25519');
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    return new SigningKey(readKey(file, createPrivateKey), file);
  }

  get publicKey(): KeyObject {
    return createPublicKey(this.key);
  }

  /** The public key as PEM (SPKI): what a home pins as `fleet.publicKey`. */
  get publicPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Base64 Ed25519 signature of these bytes. */
  sign(bytes: Uint8Array): string {
    return sign(null, bytes, this.key).toString('base64');
  }
}

/** A pinned public key: a PEM file with the public key (or, as a convenience, the private key it belongs to). */
export function loadPublicKey(file: string): KeyObject {
  return readKey(file, createPublicKey);
}

export function signatureValid(bytes: Uint8Array, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, bytes, publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false; // not a key of this kind, or a signature of the wrong length: not valid either way
  }
}

function readKey(file: string, parse: (pem: Buffer) => KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = parse(readFileSync(file));
  } catch (err) {
    throw new Error(`${file}: not a readable PEM key (${err instanceof Error ? err.message : String(err)})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: an ${key.asymmetricKeyType ?? 'unknown'} key; an Ed25519 key is needed`);
  return key;
}
