import type { Arbiter } from '../engine/arbiter';
import type { DemoStep } from './server-config';

/** What the demo does to the virtual adapter's devices. */
export interface DemoDevices {
  /** Makes a virtual device unreachable or reachable again. */
  setReachable(actuator: string, reachable: boolean): void;
  /** Makes a virtual device take `latency` ms per command from now on. */
  slowDown(actuator: string, latency: number): void;
}

/**
 * A demo, not a control system: it plays the example home's plugin systems (comfort ventilation, security,
 * disaster) by repeating the `demo:` lines of the configuration, so that a newcomer sees conflicts arbitrated
 * within a minute. Each line cycles through its states (or fact values) every `every`, starting after `offset`;
 * a `fault` line takes a virtual device off the network for a while; a `slow` line makes one slow for good, once.
 * A real home deletes the `demo:` section and lets its systems call the HTTP API.
 */
export class DemoDriver {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly arbiter: Arbiter,
    private readonly steps: readonly DemoStep[],
    private readonly devices: DemoDevices,
    private readonly failed: (message: string) => void,
  ) {}

  start(): void {
    this.steps.forEach((step, i) => {
      if ('slow' in step) {
        this.after(step.offset ?? 0, () => this.devices.slowDown(step.slow, step.latency));
        return;
      }
      let turn = 0;
      const play = () => {
        if (!this.arbiter.running) return;
        if ('fault' in step) {
          this.devices.setReachable(step.fault, false);
          this.after(step.for, () => this.devices.setReachable(step.fault, true));
        } else if ('system' in step) {
          const state = step.states[turn++ % step.states.length];
          this.arbiter
            .command({ system: step.system, target: step.target, state, ...(step.ttl !== undefined ? { ttl: step.ttl } : {}) })
            .catch((err: unknown) => this.failed(`demo[${i}]: ${String(err)}`));
        } else this.arbiter.setFacts({ [step.fact]: step.values[turn++ % step.values.length] });
      };
      this.after(step.offset ?? 0, () => {
        play();
        const every = setInterval(play, step.every);
        this.timers.add(every);
      });
    });
  }

  private after(ms: number, callback: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, ms);
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
