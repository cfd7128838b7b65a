import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A signed statement that the log's entry `seq` has chain hash `hash`: the off-box copy checks its chain to it. */
export interface LogCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly wall: number;
  readonly signature: string;
}

const statement = (seq: number, hash: string, wall: number) => Buffer.from(JSON.stringify(['home-arbiter log checkpoint', seq, hash, wall]));

/**
 * The home's own Ed25519 key for the off-box log's checkpoints, kept apart from the store in a PEM file of mode
 * 0600 and generated on the first run, like the secrets.
 */
export class LogSigner {
  private constructor(private readonly key: KeyObject) {}

  static load(file: string): LogSigner {
    if (!existsSync(file)) {
      const { privateKey } = generateKeyPairSync('ed25519');
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    return new LogSigner(createPrivateKey(readFileSync(file)));
  }

  get publicKey(): KeyObject {
    return createPublicKey(this.key);
  }

  checkpoint(seq: number, hash: string, wall = Date.now()): LogCheckpoint {
    return { seq, hash, wall, signature: sign(null, statement(seq, hash, wall), this.key).toString('base64') };
  }
}

export function checkpointValid(checkpoint: LogCheckpoint, publicKey: KeyObject): boolean {
  return verify(null, statement(checkpoint.seq, checkpoint.hash, checkpoint.wall), publicKey, Buffer.from(checkpoint.signature, 'base64'));
}
