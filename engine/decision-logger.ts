import pino from 'pino';
import type { ArbiterEvent } from './core/events';
import { describeEvent } from './describe';

/**
 * Receives every decision the engine makes (the log-collection function). `sentence()` builds the readable
 * sentence, with why the winner won, on demand: a logger that drops the decision pays nothing for it.
 */
export interface DecisionLogger {
  decision(event: ArbiterEvent, sentence: () => string): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const SAFETY = new Set(['alarm', 'denied', 'degraded', 'revoked']);

/** The default: structured JSON lines through pino; alarms, denials and degradations at warn, claims at debug. */
export function pinoDecisionLogger(logger: pino.Logger = pino({ name: 'home-arbiter' })): DecisionLogger {
  return {
    decision(event, sentence) {
      // Every command is a `claimed` event: at info it would triple the log; the dispatches and conflicts it
      // leads to are logged at info.
      const level = SAFETY.has(event.type) ? 'warn' : event.type === 'claimed' ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) logger[level]({ event }, sentence());
    },
    error(message, context) {
      logger.error(context ?? {}, message);
    },
  };
}

export const silentLogger: DecisionLogger = { decision() {}, error() {} };

/** What an Arbiter logs to when given no logger: pino at `HOME_ARBITER_LOG_LEVEL` (default `info`). */
export function defaultDecisionLogger(): DecisionLogger {
  return pinoDecisionLogger(pino({ name: 'home-arbiter', level: process.env.HOME_ARBITER_LOG_LEVEL ?? 'info' }));
}

/** Logs one decision; `because()` says why the winner won, for the events that name one. */
export function logDecision(logger: DecisionLogger, event: ArbiterEvent, because: () => string | undefined): void {
  logger.decision(event, () => {
    const reason = because();
    return reason ? `${describeEvent(event)}, because ${reason}` : describeEvent(event);
  });
}
