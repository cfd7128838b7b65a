import sinon from 'sinon';

/** One sandbox for the whole suite, restored after each test, as json-rules-engine's suite does. */
export const sandbox = sinon.createSandbox();

export const mochaHooks = {
  afterEach(): void {
    sandbox.restore();
  },
};
