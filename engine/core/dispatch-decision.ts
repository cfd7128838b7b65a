import type { StateValue } from './actuator';
import type { ActuatorRecord } from './actuator-record';
import { isHoldable } from './category';
import type { Claim } from './claim';

export type DispatchDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'hold'; readonly until: number }
  | { readonly kind: 'dispatch'; readonly state: StateValue };

const NONE: DispatchDecision = { kind: 'none' };

/**
 * SPEC.md §4 and §8, as a pure function: dispatch the desired state once, not while the device is unreachable or
 * a dispatch of it is on its way, only life during an emergency stop, and a comfort, entertainment or default
 * change not before `minHold` has passed since the last change (like BACnet's minimum on/off time).
 */
export function decideDispatch(rec: Readonly<ActuatorRecord>, winner: Claim | undefined, stopped: boolean, now: number): DispatchDecision {
  const desired = rec.desired;
  if (desired === undefined || desired === rec.state || desired === rec.inFlight || !rec.available) return NONE;
  if (stopped && winner?.category !== 'life') return NONE;
  const holdable = winner === undefined || isHoldable(winner.category);
  if (holdable && rec.lastChangeAt !== null && rec.spec.minHold > 0 && now < rec.lastChangeAt + rec.spec.minHold) {
    return { kind: 'hold', until: rec.lastChangeAt + rec.spec.minHold };
  }
  return { kind: 'dispatch', state: desired };
}
