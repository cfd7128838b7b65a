import type pino from 'pino';

/** The logger shape zigbee-herdsman and zigbee-herdsman-converters accept through their `setLogger`. */
export interface HerdsmanLogger {
  debug(message: string | (() => string), namespace: string): void;
  info(message: string | (() => string), namespace: string): void;
  warning(message: string | (() => string), namespace: string): void;
  error(message: string | (() => string), namespace: string): void;
}

/**
 * Routes herdsman's log lines into pino. Both packages log to the console by default, debug included; they keep one
 * logger per process, so the last adapter started sets it. Lazy messages are only built when the level is on.
 */
export function herdsmanLogger(logger: pino.Logger): HerdsmanLogger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string | (() => string), namespace: string) => {
    if (logger.isLevelEnabled(level)) logger[level]({ namespace }, typeof message === 'function' ? message() : message);
  };
  return { debug: at('debug'), info: at('info'), warning: at('warn'), error: at('error') };
}
