import { createPublicKey, type KeyObject } from 'node:crypto';
import { rotationText, type KeyRotation } from './log-chain';
import type { LogProblem } from './log-verification';
import { keyIdOf, signatureValid } from './signing-key';

/** A `key-rotated` entry of the chain, where it stands. */
export interface ChainRotation extends KeyRotation {
  readonly seq: number;
  /** The chain's hash before the entry, which the previous key signed with the handover. */
  readonly prevHash: string;
}

/** The key that signs from entry `from` on; its public key only when it was given or handed over by a verified rotation. */
export interface KeyInForce {
  readonly keyId: string;
  readonly from: number;
  readonly publicKey?: KeyObject;
}

/**
 * Which key signs the decision log where (`log verify`): the chain's `key-rotated` entries hand signing over from
 * one key to the next, from the entry itself on. A key is trusted when it was given (`--public-key`, repeatable),
 * or when a trusted key handed over to it with a valid signature: a verifier who pins the oldest key follows the
 * chain forward; one who pins only the newest is told which key the earlier part needs. A given key the chain
 * never reaches means a rotation was removed (or deleted by retention with the entries before the anchor).
 */
export class KeySchedule {
  private constructor(readonly keys: readonly KeyInForce[]) {}

  /**
   * `firstKeyId` names the key in force at the start of a chain without rotations (the anchor's, or the first
   * checkpoint's); with one key given, that key is the one in force.
   */
  static of(given: readonly KeyObject[], rotations: readonly ChainRotation[], firstKeyId: string | undefined, lastSeq: number, hasAnchor: boolean, problems: LogProblem[]): KeySchedule {
    const pinned = new Map(given.map((k) => [keyIdOf(k), k]));
    const startId = rotations[0]?.previousKeyId ?? (pinned.size === 1 ? [...pinned.keys()][0] : [firstKeyId, ...pinned.keys()].find((id) => id !== undefined && pinned.has(id)));
    const keys: KeyInForce[] = [{ keyId: startId ?? 'unknown', from: 0, publicKey: startId === undefined ? undefined : pinned.get(startId) }];
    for (const r of rotations) {
      const previous = keys.at(-1)!;
      const handedOver = previous.publicKey && r.previousKeyId === previous.keyId ? handoverProblem(r, previous.publicKey) : undefined;
      if (r.previousKeyId !== previous.keyId) problems.push({ seq: r.seq, problem: `the key rotation at entry ${r.seq} hands over from key ${r.previousKeyId}, but key ${previous.keyId} signs there` });
      else if (handedOver?.problem) problems.push({ seq: r.seq, problem: `the key rotation at entry ${r.seq} to key ${r.keyId} ${handedOver.problem}` });
      keys.push({ keyId: r.keyId, from: r.seq, publicKey: handedOver?.publicKey ?? pinned.get(r.keyId) });
    }
    keys.forEach((k, i) => {
      if (k.publicKey) return;
      const to = keys[i + 1] ? keys[i + 1].from - 1 : lastSeq;
      const where = keys.length === 1 ? 'the log is' : k.from === 0 ? `entries up to ${to} are` : `entries ${k.from}..${to} are`;
      problems.push({ seq: keys[i + 1]?.from ?? k.from, problem: `${where} signed by key ${k.keyId}, which was not given nor handed over to by a verified rotation: pass its public key (\`log rotate-key\` keeps a retired one beside the signing key, named with its id)` });
    });
    for (const id of pinned.keys()) {
      if (keys.some((k) => k.keyId === id)) continue;
      const cause = hasAnchor ? 'a rotation entry was removed, or it was deleted with the entries before the anchor (then leave this key out)' : 'a rotation entry was removed';
      problems.push({ seq: lastSeq, problem: `key ${id} was given, but no key rotation in the log hands over to or from it: ${cause}` });
    }
    return new KeySchedule(keys);
  }

  /** The key that signs at entry `seq`. */
  at(seq: number): KeyInForce {
    return [...this.keys].reverse().find((k) => k.from <= seq) ?? this.keys[0];
  }

  /** The key in force at the head: the anchor is signed by it (retention and `log rotate-key` re-sign it). */
  get newest(): KeyInForce {
    return this.keys.at(-1)!;
  }

  /** Why a checkpoint at `seq` signed by `keyId` is not the schedule's, or undefined when the key is the right one. */
  wrongKey(seq: number, keyId: string): string | undefined {
    const due = this.at(seq);
    if (keyId === due.keyId) return undefined;
    const retired = this.keys.findIndex((k) => k.keyId === keyId && k.from < due.from);
    return retired >= 0
      ? `is signed by key ${keyId}, which the key rotation at entry ${this.keys[retired + 1].from} retired: key ${due.keyId} signs from there on`
      : `does not carry a valid signature of key ${due.keyId}`;
  }
}

/** The new key a rotation carries, once the previous key's signature and the key's id check out. */
function handoverProblem(r: ChainRotation, previous: KeyObject): { publicKey?: KeyObject; problem?: string } {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(r.publicKey);
  } catch {
    return { problem: 'carries no readable public key' };
  }
  if (keyIdOf(publicKey) !== r.keyId) return { problem: `carries the public key of key ${keyIdOf(publicKey)}` };
  if (!signatureValid(previous, rotationText(r), r.signature)) return { problem: `does not carry a valid signature of key ${r.previousKeyId}: it was forged` };
  return { publicKey };
}
