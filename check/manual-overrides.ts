import type { ActuatorSpec } from '../engine/core/actuator';
import { categoryLevel } from '../engine/core/category';
import { canDiffer, type Capability, type ClaimCapabilities } from './claim-capabilities';
import { finding, type Finding } from './finding';
import { describeClaim, listed } from './finding-text';

/** An actuator where a person's change by hand ranks below some automation that can claim another state. */
export interface ManualOverride {
  readonly target: string;
  readonly manual: Capability;
  /** Systems first, then rules: the order in which a witness is looked for. */
  readonly overriders: readonly Capability[];
}

/**
 * SPEC.md §11 `manual-overridden`: the manual claim's category (`manual.category`, default comfort) is below that
 * of a system or an `assert` rule targeting the actuator, so the higher claim wins back at once (SPEC.md §5).
 */
export function manualOverrides(actuators: readonly ActuatorSpec[], capabilities: ClaimCapabilities, together: (actuator: ActuatorSpec, a: Capability, b: Capability) => boolean): ManualOverride[] {
  return actuators.flatMap((actuator) => {
    const caps = capabilities.on(actuator.id);
    const manual = caps.find((c) => c.manual);
    if (!manual) return [];
    const overriders = caps
      .filter((c) => !c.manual && categoryLevel(c.category) > categoryLevel(manual.category) && canDiffer(actuator, c, manual) && together(actuator, c, manual))
      .sort((a, b) => Number(!!a.rule) - Number(!!b.rule) || a.claimant.localeCompare(b.claimant));
    return overriders.length > 0 ? [{ target: actuator.id, manual, overriders }] : [];
  });
}

export function manualOverrideFinding(o: ManualOverride): Finding {
  return finding('manual-overridden', {
    targets: [o.target],
    claimants: [o.manual.claimant, ...o.overriders.map((c) => c.claimant)],
    rules: o.overriders.flatMap((c) => (c.rule ? [c.rule.name] : [])),
    message: `a person's change by hand on ${o.target} is recorded at ${o.manual.category}, below ${listed(o.overriders.map(describeClaim))}, which can revert it at once`,
  });
}
