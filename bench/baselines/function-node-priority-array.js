// The body of a Node-RED `function` node, as a careful Node-RED user writes a BACnet-style priority array
// (ASHRAE 135 §19.2: 16 slots, 1 is the highest; the first non-null slot gives the present value, otherwise the
// relinquish default). It keeps one array per actuator in flow context, so that every function node of the tab
// shares it, and sends the present value only when it changes.
//
// Input:  msg.topic = actuator id, msg.priority = 1..16, msg.payload = the value, or null to relinquish the slot.
// Output: msg.topic = actuator id, msg.payload = present value, msg.priority = the slot it comes from (0: default).
const RELINQUISH_DEFAULT = 0;
const priority = Number(msg.priority);
if (!Number.isInteger(priority) || priority < 1 || priority > 16) {
    node.error(`msg.priority must be an integer from 1 to 16, not ${msg.priority}`, msg);
    return null;
}
if (typeof msg.topic !== 'string' || msg.topic === '') {
    node.error('msg.topic must name the actuator', msg);
    return null;
}
const arrays = flow.get('priorityArrays') || {};
let slots = arrays[msg.topic];
if (!slots) {
    slots = arrays[msg.topic] = { values: new Array(16).fill(null), present: RELINQUISH_DEFAULT };
}
slots.values[priority - 1] = msg.payload === undefined ? null : msg.payload;
flow.set('priorityArrays', arrays);

const active = slots.values.findIndex((v) => v !== null);
const present = active === -1 ? RELINQUISH_DEFAULT : slots.values[active];
if (present === slots.present) return null;
slots.present = present;
return { topic: msg.topic, payload: present, priority: active + 1 };
