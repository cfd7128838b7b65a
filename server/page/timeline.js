// The live timeline of conflicts, alarms and faults. A line is never shown twice: entries come in log order, so one
// at or before the last shown (the stream replays history after a reconnect) is skipped, except a repeat that the
// log folded into the entry before (same sequence number, later time); the same sentence again within a second (a
// loser re-asserting at once, a repeat) counts on the line it is on.
import { describe, time } from './describe.js';
import { el } from './dom.js';

const FOLD_MS = 1000;
const MAX_LINES = 300;

export class Timeline {
  constructor(list) {
    this.list = list;
    this.last = { seq: 0, wall: 0 }; // the last entry shown
    this.lines = new Map(); // sentence -> { li, count, lastWall }
  }

  add(e) {
    if (e.seq < this.last.seq || (e.seq === this.last.seq && e.wall <= this.last.wall)) return;
    this.last = { seq: e.seq, wall: e.wall };
    const sentence = describe(e);
    const line = this.lines.get(sentence);
    if (line && line.li.isConnected && Math.abs(e.wall - line.lastWall) < FOLD_MS) {
      line.count++;
      line.lastWall = e.wall;
      line.li.querySelector('.times').textContent = ' ×' + line.count;
      return;
    }
    const li = el('li', undefined, e.type);
    li.dataset.seq = e.seq;
    li.append(el('span', time(e.wall) + '  '), el('span', sentence, 'sentence'), el('span', '', 'times'));
    this.lines.set(sentence, { li, count: 1, lastWall: e.wall });
    this.list.prepend(li);
    while (this.list.children.length > MAX_LINES) this.list.lastChild.remove();
    if (this.lines.size > 2 * MAX_LINES) for (const [text, l] of this.lines) if (!l.li.isConnected) this.lines.delete(text);
  }
}
