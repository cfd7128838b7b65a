import { existsSync, linkSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreLock } from '../engine/store/store-lock';
import { DecisionLog } from './decision-log';
import { eraseFiles } from './erase';
import { KEY_ROTATED, migrateLog, type KeyRotation } from './log-chain';
import type { LogRetention } from './server-config';
import { generateSigningKey, pendingKeyFileFor, publicKeyFileFor, readSigningKey, retiredPublicKeyFileFor, type LogSigner } from './signing-key';

export interface KeyRotated {
  readonly previousKeyId: string;
  readonly keyId: string;
  /** The `key-rotated` entry; undefined when an interrupted rotation was finished (its entry was written then). */
  readonly seq?: number;
  /** The retired key's public key, kept to verify what it signed. */
  readonly retiredPublicKeyFile: string;
}

/**
 * `home-arbiter log rotate-key`: a new signing key for the decision log, for a private key that may have leaked.
 * The server must be stopped (the store's lock, as for `restore`): a running server keeps its key in memory and
 * would sign on with the retired one. In order, each step safe to stop after: the new key is written beside the
 * old one (`<key>.new`); the store records the handover in one transaction (decision-log.ts `rotateSigner`); the
 * retired public key is kept as `<key>.<id>.pub.pem`, the new one takes the old one's files, and the old private
 * key is overwritten. A rotation stopped after the store's transaction is finished by the next run; `serve`
 * refuses to start while `<key>.new` is there (it would sign on with the retired key).
 */
export function rotateSigningKey(storeFile: string, keyFile: string, retention: LogRetention): KeyRotated {
  if (!existsSync(keyFile)) throw new Error(`${keyFile}: no signing key to rotate (serve makes it at its first run with a store on disk)`);
  if (!existsSync(storeFile)) throw new Error(`no store at ${storeFile} (has the server run yet?)`);
  const lock = StoreLock.acquire(storeFile, 'log rotate-key');
  try {
    const retired = `${keyFile}.retired`;
    // Left by a run cut short: still the key in use (before the swap: drop the name only), or the retired key (after
    // it: erase it, as the run would have).
    if (existsSync(retired)) {
      if (statSync(retired).ino === statSync(keyFile).ino) unlinkSync(retired);
      else return finishErasure(storeFile, keyFile, retired);
    }
    const previous = readSigningKey(keyFile);
    const pending = pendingKeyFileFor(keyFile);
    const db = new Database(storeFile, { fileMustExist: true });
    let next: { signer: LogSigner; publicKey: string };
    let seq: number | undefined;
    try {
      migrateLog(db);
      const interrupted = existsSync(pending) ? readSigningKey(pending) : undefined;
      if (interrupted && newestRotation(db)?.keyId === interrupted.signer.keyId) next = interrupted;
      else {
        const signing = newestCheckpointKey(db);
        if (signing !== undefined && signing !== previous.signer.keyId) {
          throw new Error(`${keyFile} holds key ${previous.signer.keyId}, but the decision log's newest checkpoint is signed by key ${signing}: this is not the key that signs this store`);
        }
        const fresh = generateSigningKey();
        writeFileSync(pending, fresh.privateKey, { mode: 0o600 });
        next = fresh;
        seq = new DecisionLog(db, retention, previous.signer).rotateSigner(next.signer, next.publicKey);
      }
    } finally {
      db.close();
    }
    const retiredPublicKeyFile = retiredPublicKeyFileFor(keyFile, previous.signer.keyId);
    writeFileSync(retiredPublicKeyFile, previous.publicKey, { mode: 0o600 });
    writeFileSync(publicKeyFileFor(keyFile), next.publicKey, { mode: 0o600 });
    // The key file is the old key or the new one at every moment (a rename over it is atomic), never missing: a
    // server started meanwhile must not make a key of its own. A second name keeps the old key's bytes to overwrite.
    linkSync(keyFile, retired);
    renameSync(pending, keyFile);
    eraseFiles([retired]);
    return { previousKeyId: previous.signer.keyId, keyId: next.signer.keyId, ...(seq !== undefined ? { seq } : {}), retiredPublicKeyFile };
  } finally {
    lock.release();
  }
}

/** A run cut short after the swap: the new key is in place and the chain names it; the old key is left to erase. */
function finishErasure(storeFile: string, keyFile: string, retired: string): KeyRotated {
  eraseFiles([retired]);
  const keyId = readSigningKey(keyFile).signer.keyId;
  const db = new Database(storeFile, { fileMustExist: true });
  try {
    const rotation = newestRotation(db);
    if (rotation?.keyId !== keyId) throw new Error(`${retired} was left by a key rotation, but the decision log's newest rotation does not hand over to ${keyFile}'s key ${keyId}`);
    return { previousKeyId: rotation.previousKeyId, keyId, retiredPublicKeyFile: retiredPublicKeyFileFor(keyFile, rotation.previousKeyId) };
  } finally {
    db.close();
  }
}

function newestRotation(db: Database.Database): KeyRotation | undefined {
  const row = db.prepare('SELECT body FROM decision_log WHERE type = ? AND body IS NOT NULL ORDER BY seq DESC LIMIT 1').get(KEY_ROTATED) as { body: string } | undefined;
  return row && (JSON.parse(row.body) as KeyRotation);
}

function newestCheckpointKey(db: Database.Database): string | undefined {
  return (db.prepare('SELECT key_id FROM decision_log_checkpoint ORDER BY seq DESC LIMIT 1').get() as { key_id: string } | undefined)?.key_id;
}
