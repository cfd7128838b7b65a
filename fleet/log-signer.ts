import type { KeyObject } from 'node:crypto';
import { signatureValid, SigningKey } from './signing-key';

/** A signed statement that the log's entry `seq` has chain hash `hash`: the off-box copy checks its chain to it. */
export interface LogCheckpoint {
  readonly seq: number;
  readonly hash: string;
  readonly wall: number;
  readonly signature: string;
}

const statement = (seq: number, hash: string, wall: number) => Buffer.from(JSON.stringify(['home-arbiter log checkpoint', seq, hash, wall]));

/** Checkpoints of the off-box log, signed with the home's own Ed25519 key (`fleet.logKey`, signing-key.ts). */
export class LogSigner {
  private constructor(private readonly key: SigningKey) {}

  static load(file: string): LogSigner {
    return new LogSigner(SigningKey.loadOrCreate(file));
  }

  get publicKey(): KeyObject {
    return this.key.publicKey;
  }

  checkpoint(seq: number, hash: string, wall = Date.now()): LogCheckpoint {
    return { seq, hash, wall, signature: this.key.sign(statement(seq, hash, wall)) };
  }
}

export function checkpointValid(checkpoint: LogCheckpoint, publicKey: KeyObject): boolean {
  return signatureValid(statement(checkpoint.seq, checkpoint.hash, checkpoint.wall), checkpoint.signature, publicKey);
}
