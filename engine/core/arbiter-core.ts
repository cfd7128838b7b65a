import { normalizeState, type ActuatorSpec, type StateValue } from './actuator';
import { admit, forbidMatches, type AdmissionContext, type CommandInput, type ForbidEffect } from './admission';
import { arbitrate } from './arbitrate';
import type { Category } from './category';
import { actuatorRow, newActuatorRecord, restoreActuator, type ActuatorRecord } from './actuator-record';
import { decideDispatch } from './dispatch-decision';
import { OperatorState } from './operator-state';
import { RuleBook } from './rule-book';
import { selectsAny } from './selector';
import { ChangeTracker } from './change-tracker';
import { isSystemClaimant, MANUAL_CLAIMANT, POLICY_PREFIX, type Claim } from './claim';
import { ClaimTable } from './claim-table';
import type { SystemSpec } from './control-system';
import { DeadlineQueue } from './deadline-queue';
import type { ArbiterEvent, DenialReason, ReleaseReason } from './events';
import { admitFactWrite, type FactWriteOutcome, type FactWriter } from './fact-admission';
import { checkRestored } from './restore-check';
import { FactTable, type FactDeclaration, type FactRecord } from './fact-table';
import { comparePriority } from './lattice';
import type { CoreSnapshot, ActuatorRow } from './snapshot';
import { explainActuator, explainClaim, type ClaimExplanation, type Explanation } from './explain';
import { FlappingMonitor } from '../monitors/flapping';
import type { Monitor, MonitorSettings } from '../monitors/monitor';
import { PersistentConflictMonitor } from '../monitors/persistent-conflict';
import { QuarantineMonitor } from '../monitors/quarantine';
import { ACTUATOR_FACT_PREFIX, type PolicyRule } from './policy-rule';

export interface CoreConfig {
  readonly actuators: readonly ActuatorSpec[];
  readonly systems: readonly SystemSpec[];
  readonly facts: readonly FactDeclaration[];
  readonly policies: readonly PolicyRule[];
  readonly monitors: MonitorSettings;
}

export type Outcome =
  | { readonly outcome: 'accepted' }
  | { readonly outcome: 'deferred'; readonly winner: string }
  | { readonly outcome: 'denied'; readonly reason: DenialReason; readonly rule?: string };

type Deadline =
  | { readonly kind: 'expire'; readonly claimant: string; readonly target: string; readonly seq: number }
  | { readonly kind: 'hold'; readonly target: string }
  | { readonly kind: 'stale'; readonly fact: string; readonly at: number };

/** A policy-loop cascade is cut after this many evaluation rounds (SPEC.md §6). */
export const MAX_POLICY_ROUNDS = 10;

/**
 * The functional core: every input is a method that takes `now` and changes only these tables; what it decided
 * comes out as events (`takeEvents`), store changes (`changes`) and the next deadline (`nextDeadline`).
 * It owns no timer, no I/O and no promise: the rxjs shell in `arbiter.ts` feeds it and carries out its decisions.
 */
export class ArbiterCore {
  readonly changes = new ChangeTracker();
  private readonly actuators = new Map<string /* actuator id */, ActuatorRecord>();
  private readonly systems = new Map<string /* system id */, SystemSpec>();
  /** The actuators each restricted system may command (null: every one), matched once per system. */
  private readonly allowed = new Map<string /* system id */, ReadonlySet<string> | null>();
  private readonly claims = new ClaimTable();
  private readonly facts: FactTable;
  private readonly rules: RuleBook;
  private readonly operatorState = new OperatorState();
  private readonly deadlines = new DeadlineQueue<Deadline>();
  private readonly monitors: Monitor[];
  private readonly quarantineMonitor: QuarantineMonitor;
  private out: ArbiterEvent[] = [];
  private seq = 0;
  /** Set when a fact a rule reads has changed since the last evaluation. */
  private factsDirty = false;

  constructor(config: CoreConfig) {
    for (const spec of config.actuators) this.actuators.set(spec.id, newActuatorRecord(spec));
    for (const system of config.systems) this.systems.set(system.id, system);
    this.facts = new FactTable(config.facts);
    this.rules = new RuleBook(config.policies, [...this.actuators.values()]);
    this.quarantineMonitor = new QuarantineMonitor(config.monitors.quarantine);
    this.monitors = [
      new PersistentConflictMonitor(config.monitors.persistentConflict),
      new FlappingMonitor(config.monitors.flapping),
      this.quarantineMonitor,
    ];
  }

  // ---- start-up -------------------------------------------------------------------------------------------

  /**
   * Loads what the store kept (SPEC.md §9), checked against this configuration: what does not fit is dropped
   * with `released {reason: invalid-on-restore}` and deleted from the store. Call once, before `start`.
   */
  restore(stored: CoreSnapshot, now: number): void {
    const { snapshot, dropped } = checkRestored(stored, {
      actuator: (id) => this.actuators.get(id)?.spec,
      system: (id) => this.systems.get(id),
      mayCommand: this.admissionContext.mayCommand,
      rule: (name) => this.rules.rule(name),
      ruleTargets: (name, actuator) => this.rules.targetsOf(name)?.some((rec) => rec.spec === actuator) ?? false,
    });
    for (const row of snapshot.actuators) {
      const rec = this.actuators.get(row.id);
      if (rec) restoreActuator(rec, row);
    }
    for (const claim of stored.claims) this.seq = Math.max(this.seq, claim.seq + 1);
    for (const claim of snapshot.claims) this.claims.put(claim);
    for (const d of dropped) {
      if (d.item === 'claim') this.changes.claim(d.target!, d.system!);
      else this.changes.meta();
      this.emit({ type: 'released', at: now, ...d });
    }
    for (const fact of snapshot.facts) {
      this.facts.restore(fact);
      this.scheduleStale(fact.name);
    }
    this.operatorState.restore(snapshot);
    this.rules.replace(snapshot.holding);
  }

  /**
   * Brings the tables to `now`: declared facts get their initial value, leases that ran out while the engine was
   * down expire, and every actuator whose desired state differs from its state is dispatched.
   */
  start(now: number): void {
    for (const decl of [...this.facts.missingDeclared()]) this.setFact(decl.name, decl.initial, now);
    this.factsDirty = true;
    for (const claim of [...this.claims.all()].sort((a, b) => a.seq - b.seq)) {
      if (claim.expiresAt !== null) this.deadlines.push(claim.expiresAt, { kind: 'expire', claimant: claim.claimant, target: claim.target, seq: claim.seq });
    }
    this.tick(now);
    for (const rec of this.actuators.values()) this.settle(rec, now);
  }

  /**
   * Dispatches again every desired state the store says the device already has (`start` dispatched those that
   * differ): a cluster's new leader cannot know which of the old leader's last dispatches reached the devices, nor
   * whether one it never acknowledged did (issue 15). It is no change of state, so no hold applies; a device known
   * unreachable, one with a dispatch on its way, and all but life during an emergency stop are left alone.
   */
  reassert(now: number): void {
    for (const rec of this.actuators.values()) {
      if (rec.desired === undefined || rec.desired !== rec.state || rec.inFlight !== undefined || !rec.available) continue;
      const winner = rec.winner === null ? undefined : this.claims.get(rec.winner, rec.spec.id);
      if (this.operatorState.stopped && winner?.category !== 'life') continue;
      rec.inFlight = rec.desired;
      this.changes.actuator(rec.spec.id);
      this.emit({ type: 'dispatched', at: now, target: rec.spec.id, state: rec.desired, by: rec.winner ?? 'default' });
    }
  }

  // ---- inputs ----------------------------------------------------------------------------------------------

  command(command: CommandInput, now: number): Outcome {
    const admission = admit(command, this.admissionContext);
    if (!admission.admitted) {
      this.emit({ type: 'denied', at: now, system: command.system, target: command.target, state: command.state, reason: admission.reason, ...(admission.rule ? { rule: admission.rule } : {}) });
      return { outcome: 'denied', reason: admission.reason, ...(admission.rule ? { rule: admission.rule } : {}) };
    }
    const claim = this.newClaim(command.system, command.target, admission.state, admission.category, admission.rank, false, now, command.ttl);
    const winner = this.record(claim, now);
    return winner === command.system ? { outcome: 'accepted' } : { outcome: 'deferred', winner: winner ?? '' };
  }

  /** SPEC.md §2: no event, and a no-op where there is no claim. */
  release(claimant: string, target: string, now: number): void {
    this.drop(claimant, target, now, 'release');
  }

  /** SPEC.md §5: the device says what state it is in. Returns false for a state the actuator does not have. */
  report(target: string, rawState: unknown, now: number): boolean {
    const rec = this.actuators.get(target);
    const state = rec ? normalizeState(rec.spec, rawState) : undefined;
    if (!rec || state === undefined) return false;
    if (state === rec.state) return true;
    if (state === rec.inFlight || state === rec.unconfirmed) return this.confirm(target, state, now);
    rec.state = state;
    rec.unconfirmed = undefined;
    this.changes.actuator(target);
    // While a dispatch is on its way the device is still carrying it out (a cover passing 80 % on its way to 40 %,
    // a report sent just before the command arrived): its progress, not a person's change.
    if (rec.inFlight !== undefined) return true;
    if (rec.spec.manual === false) {
      this.dispatchIfNeeded(rec, now);
      return true;
    }
    const manual = rec.spec.manual;
    this.emit({ type: 'manual', at: now, target, state });
    this.record(this.newClaim(MANUAL_CLAIMANT, target, state, manual.category, 0, true, now, manual.ttl), now);
    return true;
  }

  /** The adapter carried out a dispatch. */
  confirm(target: string, state: StateValue, now: number): boolean {
    const rec = this.actuators.get(target);
    if (!rec) return false;
    rec.state = state;
    if (rec.inFlight === state) rec.inFlight = undefined;
    rec.unconfirmed = undefined;
    this.changes.actuator(target);
    this.dispatchIfNeeded(rec, now);
    return true;
  }

  /** SPEC.md §4: unreachable devices degrade; arbitration carries on. */
  setAvailable(target: string, available: boolean, now: number, reason?: string): boolean {
    const rec = this.actuators.get(target);
    if (!rec) return false;
    if (rec.available === available) return true;
    rec.available = available;
    rec.unconfirmed = rec.inFlight ?? rec.unconfirmed;
    rec.inFlight = undefined;
    this.changes.actuator(target);
    if (!available) {
      this.emit({ type: 'degraded', at: now, target, ...(reason ? { reason } : {}) });
      this.alarmIfUndeliverable(rec, now);
    } else {
      rec.undeliverable = undefined;
      this.emit({ type: 'restored', at: now, target });
      this.dispatchIfNeeded(rec, now);
    }
    return true;
  }

  /** SPEC.md §8; releasing a quarantine re-arms its monitor. */
  operator(action: { action: string; target?: string; system?: string }, now: number): void {
    const done = this.operatorState.apply(action);
    if (done.action === 'release' && done.system) this.quarantineMonitor.reset(done.system);
    this.changes.meta();
    this.emit({ type: 'operator', at: now, ...done });
    if (done.action === 'resume') for (const rec of this.actuators.values()) this.dispatchIfNeeded(rec, now);
  }

  /**
   * Facts change (SPEC.md §6): all of them, or, when a control system may not set one of them, none (`denied`,
   * which counts towards its quarantine like an unauthorized command). Rules are evaluated by the shell
   * afterwards, never inside a command.
   */
  writeFacts(facts: Readonly<Record<string, unknown>>, writer: FactWriter, now: number): FactWriteOutcome {
    const names = Object.keys(facts);
    const outcome = admitFactWrite(writer, names, this.factAdmissionContext);
    if (!outcome.accepted) {
      this.emit({ type: 'denied', at: now, system: (writer as { system: string }).system, fact: outcome.fact, reason: outcome.reason });
      return outcome;
    }
    const source = typeof writer === 'string' ? writer : 'system';
    const by = typeof writer === 'string' ? {} : { by: writer.system };
    for (const name of names) {
      this.emit({ type: 'fact', at: now, name, value: facts[name], source, ...by });
      this.setFact(name, facts[name], now);
    }
    return outcome;
  }

  private setFact(name: string, value: unknown, now: number): void {
    const { changed, wasStale } = this.facts.update(name, value, now);
    if (wasStale) this.emit({ type: 'restored', at: now, fact: name });
    if (changed && this.rules.reads(name)) this.factsDirty = true;
    this.changes.fact(name);
    this.scheduleStale(name);
  }

  /**
   * Fires every deadline due at or before `now`, instant by instant. Leases that run out at the same instant
   * expire together before arbitration runs (SPEC.md §3: only live claims compete), so the order in which they
   * were stored cannot make a briefly-winning claim dispatch.
   */
  tick(now: number): void {
    for (let first = this.deadlines.popDue(now); first; first = this.deadlines.popDue(now)) {
      const at = first.at;
      const due = [first.item];
      while (this.deadlines.peekTime() === at) due.push(this.deadlines.popDue(at)!.item);
      const expiring = due
        .flatMap((d) => (d.kind === 'expire' ? [this.claims.get(d.claimant, d.target)].filter((c) => c?.seq === d.seq) : []))
        .sort((a, b) => a!.seq - b!.seq) as Claim[];
      for (const claim of expiring) {
        this.claims.remove(claim.claimant, claim.target);
        this.changes.claim(claim.target, claim.claimant);
        this.emit({ type: 'expired', at, system: claim.claimant, target: claim.target });
      }
      for (const target of new Set(expiring.map((c) => c.target))) this.settle(this.actuators.get(target)!, at);
      for (const d of due) {
        if (d.kind === 'hold') {
          const rec = this.actuators.get(d.target);
          if (rec && rec.holdAt === at) {
            rec.holdAt = null;
            this.dispatchIfNeeded(rec, at);
          }
        } else if (d.kind === 'stale' && this.facts.staleAt(d.fact) === d.at) {
          const { changed } = this.facts.expire(d.fact, at);
          this.changes.fact(d.fact);
          this.emit({ type: 'degraded', at, fact: d.fact });
          if (changed && this.rules.reads(d.fact)) this.factsDirty = true;
        }
      }
    }
  }

  // ---- the store --------------------------------------------------------------------------------------------

  /** A commit failed: commands are refused until the store writes again (issue 11); what is in force stays. */
  storeFailed(reason: string, now: number): void {
    this.emit({ type: 'alarm', at: now, kind: 'store', message: `the store cannot write: ${reason}; commands are refused until it can` });
  }

  storeRecovered(now: number): void {
    this.emit({ type: 'restored', at: now, store: true });
  }

  /**
   * Commands whose commit failed are not in force: each of their claims goes back to what the store holds (no
   * claim, or the one it replaced), and with `operator` the stop flag, locks and quarantines too. Manual and policy
   * claims are observations and derivations, not commands: they stay, to be written once the store can.
   */
  revert(durable: CoreSnapshot, claims: readonly (readonly [string /* target */, string /* claimant */])[], operator: boolean, now: number): void {
    const stored = new Map(durable.claims.map((c) => [`${c.target}\u0000${c.claimant}`, c]));
    const affected = new Set<ActuatorRecord>();
    for (const [target, claimant] of claims) {
      const rec = this.actuators.get(target);
      const kept = stored.get(`${target}\u0000${claimant}`);
      // The same seq: the same claim (or none on either side).
      if (!rec || !isSystemClaimant(claimant) || this.claims.get(claimant, target)?.seq === kept?.seq) continue;
      if (kept) {
        this.claims.put(kept);
        if (kept.expiresAt !== null) this.deadlines.push(kept.expiresAt, { kind: 'expire', claimant, target, seq: kept.seq });
      } else this.claims.remove(claimant, target);
      this.changes.claim(target, claimant);
      this.emit({ type: 'reverted', at: now, claimant, target, state: kept ? kept.state : null });
      affected.add(rec);
    }
    if (operator) {
      this.operatorState.replace(durable);
      this.changes.meta();
      this.emit({ type: 'reverted', at: now, operator: true });
      for (const rec of this.actuators.values()) affected.add(rec);
    }
    for (const rec of affected) this.settle(rec, now);
    this.tick(now);
  }

  // ---- policies --------------------------------------------------------------------------------------------

  /** Whether a fact rules read has changed since the last `applyHolding`. */
  get needsEvaluation(): boolean {
    return this.factsDirty && this.rules.size > 0;
  }

  /** The facts the rules read, `actuator:<id>` included, as json-rules-engine runtime facts. */
  factValues(): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const name of this.rules.factNames()) {
      if (name.startsWith(ACTUATOR_FACT_PREFIX)) values[name] = this.actuators.get(name.slice(ACTUATOR_FACT_PREFIX.length))?.desired;
      else values[name] = this.facts.value(name);
    }
    return values;
  }

  /**
   * Applies the set of rules that hold now (SPEC.md §6): rules that stopped holding release their claims, then
   * starting forbids revoke (so that no conflict is reported against a claim about to go), asserts claim and
   * notifies alarm.
   */
  applyHolding(nowHolding: ReadonlySet<string>, now: number): void {
    this.factsDirty = false;
    const { ended, started: starting } = this.rules.replace(nowHolding);
    this.changes.meta();
    for (const rule of ended) {
      if (rule.effect.type !== 'assert') continue;
      const claimant = POLICY_PREFIX + rule.name;
      for (const target of this.claims.targetsOf(claimant)) this.drop(claimant, target, now, 'policy-ended');
    }
    for (const rule of starting) if (rule.effect.type === 'forbid') this.revokeMatching(rule.name, rule.effect, now);
    for (const rule of starting) {
      const effect = rule.effect;
      if (effect.type !== 'assert') continue;
      for (const rec of this.rules.targetsOf(rule.name)!) {
        const state = normalizeState(rec.spec, effect.state);
        if (state !== undefined) this.record(this.newClaim(POLICY_PREFIX + rule.name, rec.spec.id, state, effect.category, effect.rank, false, now), now);
      }
    }
    for (const rule of starting) {
      if (rule.effect.type === 'notify') this.emit({ type: 'alarm', at: now, kind: 'policy', rule: rule.name, ...(rule.effect.message ? { message: rule.effect.message } : {}) });
    }
  }

  /** The cascade of actuator facts did not settle (SPEC.md §6). */
  reportPolicyLoop(now: number): void {
    this.factsDirty = false;
    this.emit({ type: 'alarm', at: now, kind: 'policy-loop' });
  }

  // ---- outputs ---------------------------------------------------------------------------------------------

  takeEvents(): ArbiterEvent[] {
    const events = this.out;
    this.out = [];
    return events;
  }

  nextDeadline(): number | undefined {
    return this.deadlines.peekTime();
  }

  // ---- reads -----------------------------------------------------------------------------------------------

  actuator(id: string): Readonly<ActuatorRecord> | undefined {
    return this.actuators.get(id);
  }

  actuatorIds(): IterableIterator<string> {
    return this.actuators.keys();
  }

  system(id: string): SystemSpec | undefined {
    return this.systems.get(id);
  }

  systemIds(): IterableIterator<string> {
    return this.systems.keys();
  }

  /** Adds a control system at run time (the plugin API); replaces one with the same id. */
  registerSystem(system: SystemSpec): void {
    this.systems.set(system.id, system);
    this.allowed.delete(system.id);
  }

  /** Removes a control system and its claims; later commands from it are denied `unknown-system`. */
  unregisterSystem(id: string, now: number): void {
    if (!this.systems.delete(id)) return;
    this.allowed.delete(id);
    for (const target of this.claims.targetsOf(id)) this.drop(id, target, now, 'unregistered');
  }

  claimsOn(target: string): Claim[] {
    return [...this.claims.forTarget(target)];
  }

  claim(claimant: string, target: string): Claim | undefined {
    return this.claims.get(claimant, target);
  }

  explain(target: string): Explanation | undefined {
    const rec = this.actuators.get(target);
    return rec && explainActuator(rec, this.claimsOn(target));
  }

  explainClaim(target: string, claimant: string): ClaimExplanation | undefined {
    const rec = this.actuators.get(target);
    return rec && explainClaim(rec, this.claimsOn(target), claimant);
  }

  isQuarantined(system: string): boolean {
    return this.operatorState.isQuarantined(system);
  }

  fact(name: string) {
    return this.facts.get(name);
  }

  /** Every fact with its value, update time and staleness. */
  factRecords(): FactRecord[] {
    return [...this.facts.all()];
  }

  /** Everything the store keeps, for a full write or a fault record. */
  snapshot(): CoreSnapshot {
    return {
      claims: [...this.claims.all()],
      actuators: [...this.actuators.keys()].map((id) => this.actuatorRow(id)!),
      facts: [...this.facts.all()],
      ...this.metaRow(),
    };
  }

  actuatorRow(id: string): ActuatorRow | undefined {
    const rec = this.actuators.get(id);
    return rec && actuatorRow(rec);
  }

  metaRow(): Pick<CoreSnapshot, 'quarantined' | 'lockedTargets' | 'lockedSystems' | 'stopped' | 'holding'> {
    return { ...this.operatorState.row(), holding: [...this.rules.holding()] };
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private readonly admissionContext: AdmissionContext = {
    system: (id) => this.systems.get(id),
    isQuarantined: (id) => this.operatorState.isQuarantined(id),
    actuator: (id) => this.actuators.get(id)?.spec,
    isStopped: () => this.operatorState.stopped,
    isLocked: (target, system) => this.operatorState.isLocked(target, system),
    mayCommand: (system, actuator) => {
      let allowed = this.allowed.get(system.id);
      if (allowed === undefined) {
        allowed = system.targets.includes('*') ? null : new Set([...this.actuators.values()].filter((rec) => selectsAny(system.targets, rec.spec)).map((rec) => rec.spec.id));
        this.allowed.set(system.id, allowed);
      }
      return allowed === null || allowed.has(actuator.id);
    },
    forbids: () => this.rules.forbids(),
  };

  private readonly factAdmissionContext = {
    hasSystem: (id: string) => this.systems.has(id),
    isQuarantined: (id: string) => this.operatorState.isQuarantined(id),
    declaration: (name: string) => this.facts.declaration(name),
  };

  private newClaim(claimant: string, target: string, state: StateValue, category: Category, rank: number, manual: boolean, now: number, ttl?: number): Claim {
    return { claimant, target, state, category, rank, manual, since: now, expiresAt: ttl === undefined ? null : now + ttl, seq: this.seq++ };
  }

  /** Records a claim, reports the conflict it makes (SPEC.md §3) and dispatches; returns the winner after. */
  private record(claim: Claim, now: number): string | null {
    const rec = this.actuators.get(claim.target)!;
    const incumbent = rec.winner === null ? undefined : this.claims.get(rec.winner, claim.target);
    this.claims.put(claim);
    this.changes.claim(claim.target, claim.claimant);
    if (claim.expiresAt !== null) this.deadlines.push(claim.expiresAt, { kind: 'expire', claimant: claim.claimant, target: claim.target, seq: claim.seq });
    this.rearbitrate(rec);
    this.emit({
      type: 'claimed',
      at: now,
      claimant: claim.claimant,
      target: claim.target,
      state: claim.state,
      category: claim.category,
      rank: claim.rank,
      manual: claim.manual,
      expiresAt: claim.expiresAt,
      outcome: rec.winner === claim.claimant ? 'winning' : 'deferred',
    });
    if (incumbent && incumbent.claimant !== claim.claimant && incumbent.state !== claim.state) {
      const newcomerWins = rec.winner === claim.claimant;
      const [winner, loser] = newcomerWins ? [claim, incumbent] : [incumbent, claim];
      this.emit({
      type: 'conflict',
      at: now,
        target: claim.target,
        winner: winner.claimant,
        loser: loser.claimant,
        winnerState: winner.state,
        loserState: loser.state,
        resolution: comparePriority(claim, incumbent) === 0 ? 'tie' : 'priority',
      });
    }
    this.dispatchIfNeeded(rec, now);
    return rec.winner;
  }

  private drop(claimant: string, target: string, now: number, reason: ReleaseReason): void {
    const removed = this.claims.remove(claimant, target);
    if (!removed) return;
    this.changes.claim(target, claimant);
    if (reason !== 'release') this.emit({ type: 'released', at: now, system: claimant, target, reason, item: 'claim' });
    this.settle(this.actuators.get(target)!, now);
  }

  /** A forbid that starts holding removes the claims it covers (SPEC.md §6): only on the actuators it selects. */
  private revokeMatching(rule: string, effect: ForbidEffect, now: number): void {
    const targets = this.rules.targetsOf(rule) ?? this.actuators.values();
    for (const rec of targets) {
      for (const claim of [...this.claims.forTarget(rec.spec.id)]) {
        if (!isSystemClaimant(claim.claimant) || !forbidMatches(effect, claim.claimant, rec.spec, claim.state, claim.category)) continue;
        this.claims.remove(claim.claimant, claim.target);
        this.changes.claim(claim.target, claim.claimant);
        this.emit({ type: 'revoked', at: now, system: claim.claimant, target: claim.target, rule });
        this.settle(rec, now);
      }
    }
  }

  private quarantine(system: string, now: number): void {
    this.operatorState.quarantine(system);
    this.changes.meta();
    for (const target of this.claims.targetsOf(system)) this.drop(system, target, now, 'quarantine');
  }

  private settle(rec: ActuatorRecord, now: number): void {
    this.rearbitrate(rec);
    this.dispatchIfNeeded(rec, now);
  }

  /** SPEC.md §3: the winner's state is desired; with no claim, `default`, else the desired state stays. */
  private rearbitrate(rec: ActuatorRecord): void {
    const { winner } = arbitrate(this.claims.forTarget(rec.spec.id), rec.winner, rec.spec.safe);
    const desired = winner ? winner.state : rec.spec.default ?? rec.desired;
    const winnerId = winner?.claimant ?? null;
    if (winnerId === rec.winner && desired === rec.desired) return;
    if (desired !== rec.desired && this.rules.reads(ACTUATOR_FACT_PREFIX + rec.spec.id)) this.factsDirty = true;
    rec.winner = winnerId;
    rec.desired = desired;
    this.changes.actuator(rec.spec.id);
  }

  /**
   * SPEC.md §4: a life winner that cannot reach an unavailable device (the exit may still be locked) is a person's
   * business; told once per state until the device is restored.
   */
  private alarmIfUndeliverable(rec: ActuatorRecord, now: number): void {
    // Every dispatch decision passes here: the common case, a reachable device, costs no claim lookup.
    if (rec.available || rec.winner === null) return;
    const winner = this.claims.get(rec.winner, rec.spec.id);
    if (winner?.category !== 'life' || winner.state === rec.state || winner.state === rec.undeliverable) return;
    rec.undeliverable = winner.state;
    this.emit({ type: 'alarm', at: now, kind: 'undeliverable', target: rec.spec.id, state: winner.state });
  }

  /** SPEC.md §4: dispatch the desired state once, unless unreachable, stopped, or held by minHold. */
  private dispatchIfNeeded(rec: ActuatorRecord, now: number): void {
    this.alarmIfUndeliverable(rec, now);
    const winner = rec.winner === null ? undefined : this.claims.get(rec.winner, rec.spec.id);
    const decision = decideDispatch(rec, winner, this.operatorState.stopped, now);
    if (decision.kind === 'none') return;
    if (decision.kind === 'hold') {
      if (rec.holdAt !== decision.until) this.deadlines.push(decision.until, { kind: 'hold', target: rec.spec.id });
      rec.holdAt = decision.until;
      return;
    }
    const desired = decision.state;
    rec.inFlight = desired;
    rec.unconfirmed = undefined;
    rec.lastChangeAt = now;
    this.changes.actuator(rec.spec.id);
    this.emit({ type: 'dispatched', at: now, target: rec.spec.id, state: desired, by: rec.winner ?? 'default' });
  }

  private scheduleStale(fact: string): void {
    const at = this.facts.staleAt(fact);
    if (at !== undefined) this.deadlines.push(at, { kind: 'stale', fact, at });
  }

  private emit(event: ArbiterEvent): void {
    const at = event.at;
    this.out.push(event);
    for (const monitor of this.monitors) {
      const alarm = monitor.observe(event);
      if (!alarm) continue;
      this.emit({ type: 'alarm', at, ...alarm });
      if (alarm.kind === 'quarantine' && alarm.system) this.quarantine(alarm.system, at);
    }
  }
}
