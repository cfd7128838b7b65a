import sinon from 'sinon';
// zod keeps its registry on the global object: load it before mocha lists the globals, so that checkLeaks does
// not report it in a test file that happens to load zod first.
import 'zod';

// Arbiters log every decision through pino by default; keep the test output readable.
process.env.HOME_ARBITER_LOG_LEVEL ??= 'silent';

/** One sandbox for the whole suite, restored after each test, as json-rules-engine's suite does. */
export const sandbox = sinon.createSandbox();

export const mochaHooks = {
  afterEach(): void {
    sandbox.restore();
  },
};
