import type { Arbiter } from '../engine/arbiter';
import type { DemoStep } from './server-config';

/**
 * A demo, not a control system: it plays the example home's plugin systems (comfort ventilation, security,
 * disaster) by repeating the `demo:` lines of the configuration, so that a newcomer sees conflicts arbitrated
 * within a minute. Each line cycles through its states (or fact values) every `every`, starting after `offset`.
 * A real home deletes the `demo:` section and lets its systems call the HTTP API.
 */
export class DemoDriver {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly arbiter: Arbiter,
    private readonly steps: readonly DemoStep[],
    private readonly failed: (message: string) => void,
  ) {}

  start(): void {
    this.steps.forEach((step, i) => {
      let turn = 0;
      const play = () => {
        if (!this.arbiter.running) return;
        const values = 'system' in step ? step.states : step.values;
        const value = values[turn++ % values.length];
        if ('system' in step) {
          this.arbiter
            .command({ system: step.system, target: step.target, state: value, ...(step.ttl !== undefined ? { ttl: step.ttl } : {}) })
            .catch((err: unknown) => this.failed(`demo[${i}]: ${String(err)}`));
        } else this.arbiter.setFacts({ [step.fact]: value });
      };
      const first = setTimeout(() => {
        this.timers.delete(first);
        play();
        const every = setInterval(play, step.every);
        this.timers.add(every);
      }, step.offset ?? 0);
      this.timers.add(first);
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
