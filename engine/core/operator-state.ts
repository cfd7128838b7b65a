import type { OperatorAction } from './events';
import type { CoreSnapshot } from './snapshot';

export interface OperatorCommand {
  readonly action: OperatorAction;
  readonly target?: string;
  readonly system?: string;
}

const ACTIONS: readonly string[] = ['stop', 'resume', 'lock', 'unlock', 'release'];

/** The operator's hand on the engine (SPEC.md §8): the emergency stop, operation locks and quarantines. */
export class OperatorState {
  private readonly quarantined = new Set<string /* system id */>();
  private readonly lockedTargets = new Set<string /* actuator id */>();
  private readonly lockedSystems = new Set<string /* system id */>();
  private stop = false;

  get stopped(): boolean {
    return this.stop;
  }

  isQuarantined(system: string): boolean {
    return this.quarantined.has(system);
  }

  isLocked(target: string, system: string): boolean {
    return this.lockedTargets.has(target) || this.lockedSystems.has(system);
  }

  quarantine(system: string): void {
    this.quarantined.add(system);
  }

  /** Carries out an action; throws for one SPEC.md §8 does not know, naming it. */
  apply({ action, target, system }: { action: string; target?: string; system?: string }): OperatorCommand {
    if (!ACTIONS.includes(action)) throw new RangeError(`unknown operator action "${action}" (one of ${ACTIONS.join(', ')})`);
    if (action === 'stop' || action === 'resume') this.stop = action === 'stop';
    const locks = action === 'lock' ? 'add' : action === 'unlock' ? 'delete' : undefined;
    if (locks && target) this.lockedTargets[locks](target);
    if (locks && system) this.lockedSystems[locks](system);
    if (action === 'release' && system) this.quarantined.delete(system);
    return { action: action as OperatorAction, ...(target ? { target } : {}), ...(system ? { system } : {}) };
  }

  restore(snapshot: Pick<CoreSnapshot, 'quarantined' | 'lockedTargets' | 'lockedSystems' | 'stopped'>): void {
    for (const s of snapshot.quarantined) this.quarantined.add(s);
    for (const t of snapshot.lockedTargets) this.lockedTargets.add(t);
    for (const s of snapshot.lockedSystems) this.lockedSystems.add(s);
    this.stop = snapshot.stopped;
  }

  /** Back to a stored state exactly (a commit that failed is undone). */
  replace(snapshot: Pick<CoreSnapshot, 'quarantined' | 'lockedTargets' | 'lockedSystems' | 'stopped'>): void {
    this.quarantined.clear();
    this.lockedTargets.clear();
    this.lockedSystems.clear();
    this.restore(snapshot);
  }

  row(): Pick<CoreSnapshot, 'quarantined' | 'lockedTargets' | 'lockedSystems' | 'stopped'> {
    return { quarantined: [...this.quarantined], lockedTargets: [...this.lockedTargets], lockedSystems: [...this.lockedSystems], stopped: this.stop };
  }
}
