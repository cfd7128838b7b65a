import { EMPTY_SNAPSHOT, type CoreSnapshot } from '../core/snapshot';
import type { ArbiterStore } from './arbiter-store';

/** Keeps nothing: for a replay that never restarts, where a copy of every batch would only cost time. */
export class NoStore implements ArbiterStore {
  load(): CoreSnapshot {
    return EMPTY_SNAPSHOT;
  }

  write(): void {}

  close(): void {}
}
