/** A node of a Node-RED flow file, as the editor saves it. */
export type FlowNode = Record<string, unknown> & { readonly id: string; readonly type: string };

/** Shutters in the Node-RED comparison: a house's worth. */
export const SHUTTERS = 20;
export const shutterId = (i: number) => `shutter${i}`;

/** Closed at night, between civil dusk and civil dawn (at the latest 23:15, at the earliest 5:30). */
const NIGHT_RULES = [nightRule(0, 'night until dawn', 'civilDawn', 0, { timeMin: '5:30' }), nightRule(1, 'night from dusk', 'civilDusk', 1, { timeMax: '23:15' })];

/** A blind-control time rule that closes the blind on one side of a sun event, bounded by a clock time. */
function nightRule(index: number, name: string, sunEvent: string, operator: 0 | 1, bound: { timeMin?: string; timeMax?: string }) {
  const [key, value] = Object.entries(bound)[0];
  return {
    index,
    name,
    version: 3,
    isValid: true,
    conditions: [],
    level: { type: 'levelFixed', value: 'closed (min)', operator: 0 },
    slat: { type: 'none', value: '' },
    topic: '',
    importance: 0,
    resetOverwrite: false,
    time: { type: 'pdsTime', value: sunEvent, operator, offsetType: 'none', offset: '1', multiplier: 1, days: '*', months: '*' },
    [key]: { type: 'entered', value, offsetType: 'none', offset: '1', multiplier: 60000 },
  };
}

/**
 * One `blind-control` node per shutter (how the node is used: it controls one blind), configured as in the
 * package's own "overrides and sun-position" example: night rules, sun shading for a south-east window, overrides
 * by importance that expire after two hours; and the `position-config` node it needs (Berlin).
 */
export function blindControlFlow(tab: string): { flows: FlowNode[]; credentials: Record<string, unknown> } {
  const position: FlowNode = { id: 'position', type: 'position-config', name: 'home', isValide: 'true', longitude: '', latitude: '', angleType: 'deg', timeZoneOffset: 99, timeZoneDST: 0, stateTimeFormat: 3, stateDateFormat: 12, contextStore: '' };
  const blinds = Array.from({ length: SHUTTERS }, (_, i) => ({
    id: `blind-${i}`,
    type: 'blind-control',
    z: tab,
    name: shutterId(i),
    topic: shutterId(i),
    addIdType: 'none',
    addId: '',
    positionConfig: 'position',
    autoTrigger: false,
    autoTriggerTime: '1200000',
    startDelayTime: '0',
    results: [
      { p: '', pt: 'msgTopic', v: '', vt: 'topic' },
      { p: '', pt: 'msgPayload', v: '', vt: 'level' },
    ],
    blindIncrement: '0.01',
    blindOpenPos: '1',
    blindClosedPos: 0,
    blindPosDefault: 'open (max)',
    blindPosDefaultType: 'levelFixed',
    slatPosDefault: '',
    slatPosDefaultType: 'none',
    overwriteExpire: '7200000',
    rules: NIGHT_RULES,
    sunControlMode: 16,
    sunFloorLengthType: 'num',
    sunFloorLength: '0.6',
    sunMinDelta: '',
    blindPosMin: 'closed (min)',
    blindPosMinType: 'levelFixed',
    blindPosMax: 'open (max)',
    blindPosMaxType: 'levelFixed',
    sunSlat: '',
    sunSlatType: 'none',
    smoothTime: '',
    sunTopic: '',
    windowTopType: 'num',
    windowTop: '1.28',
    windowBottomType: 'num',
    windowBottom: '0',
    windowAzimuthStartType: 'numAzimuth',
    windowAzimuthStart: '70',
    windowAzimuthEndType: 'numAzimuth',
    windowAzimuthEnd: '150',
    oversteers: [],
    oversteerTopic: '',
    wires: [[], []],
  }));
  return {
    flows: [{ id: tab, type: 'tab', label: 'blind-control' }, position, ...blinds],
    credentials: { position: { posLatitude: '52.52', posLongitude: '13.40' } },
  };
}
