import { strict as assert } from 'node:assert';
import type { ActuatorSpec } from '../../../engine/core/actuator';
import { newActuatorRecord } from '../../../engine/core/actuator-record';
import type { Claim } from '../../../engine/core/claim';
import { decideDispatch } from '../../../engine/core/dispatch-decision';
import { OperatorState } from '../../../engine/core/operator-state';

const light: ActuatorSpec = { id: 'hall.light', kind: 'light', states: ['on', 'off'], initial: 'off', tags: [], minHold: 30_000, manual: false };
const claim = (category: Claim['category']): Claim => ({ claimant: 'x', target: 'hall.light', state: 'on', category, rank: 0, manual: false, since: 0, expiresAt: null, seq: 0 });

describe('dispatch decision (SPEC.md §4, §8)', () => {
  it('dispatches the desired state once, and not while it is on its way or the device is unreachable', () => {
    const rec = { ...newActuatorRecord(light), desired: 'on' };
    assert.deepEqual(decideDispatch(rec, claim('comfort'), false, 0), { kind: 'dispatch', state: 'on' });
    assert.deepEqual(decideDispatch({ ...rec, inFlight: 'on' }, claim('comfort'), false, 0), { kind: 'none' });
    assert.deepEqual(decideDispatch({ ...rec, available: false }, claim('comfort'), false, 0), { kind: 'none' });
    assert.deepEqual(decideDispatch({ ...rec, state: 'on' }, claim('comfort'), false, 0), { kind: 'none' });
  });

  it('holds comfort and default changes for minHold after the last change, never property or life ones', () => {
    const rec = { ...newActuatorRecord(light), desired: 'on', lastChangeAt: 10_000 };
    assert.deepEqual(decideDispatch(rec, claim('comfort'), false, 20_000), { kind: 'hold', until: 40_000 });
    assert.deepEqual(decideDispatch(rec, undefined, false, 20_000), { kind: 'hold', until: 40_000 });
    assert.deepEqual(decideDispatch(rec, claim('comfort'), false, 40_000), { kind: 'dispatch', state: 'on' });
    assert.deepEqual(decideDispatch(rec, claim('property'), false, 20_000), { kind: 'dispatch', state: 'on' });
  });

  it('dispatches only life winners during an emergency stop', () => {
    const rec = { ...newActuatorRecord(light), desired: 'on' };
    assert.deepEqual(decideDispatch(rec, claim('property'), true, 0), { kind: 'none' });
    assert.deepEqual(decideDispatch(rec, claim('life'), true, 0), { kind: 'dispatch', state: 'on' });
  });
});

describe('operator state (SPEC.md §8)', () => {
  it('locks and unlocks targets and systems, stops and resumes, and lifts quarantines', () => {
    const state = new OperatorState();
    state.apply({ action: 'lock', target: 'w' });
    state.apply({ action: 'lock', system: 's' });
    assert.deepEqual([state.isLocked('w', 'x'), state.isLocked('v', 's'), state.isLocked('v', 'x')], [true, true, false]);
    state.apply({ action: 'unlock', target: 'w' });
    assert.equal(state.isLocked('w', 'x'), false);
    state.apply({ action: 'stop' });
    assert.equal(state.stopped, true);
    state.quarantine('media');
    state.apply({ action: 'release', system: 'media' });
    assert.deepEqual(state.row(), { quarantined: [], lockedTargets: [], lockedSystems: ['s'], stopped: true });
  });

  it('refuses an action it does not know, naming it', () => {
    assert.throws(() => new OperatorState().apply({ action: 'reboot' }), /unknown operator action "reboot"/);
  });
});
