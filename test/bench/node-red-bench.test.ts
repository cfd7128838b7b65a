import { strict as assert } from 'node:assert';
import { NodeRedBench, VARIANTS } from '../../bench/node-red-bench';

// node-red-contrib-sun-position loads tslib and regenerator-runtime in their script forms, which assign their
// helpers to the global object. They are the runtime's, not leaks of ours: declared before mocha takes its list
// of globals (it does once every test file is loaded), so that checkLeaks still sees anything else.
const THIRD_PARTY_GLOBALS = [
  '__extends', '__assign', '__rest', '__decorate', '__param', '__esDecorate', '__runInitializers', '__propKey',
  '__setFunctionName', '__metadata', '__awaiter', '__generator', '__exportStar', '__createBinding', '__values',
  '__read', '__spread', '__spreadArrays', '__spreadArray', '__await', '__asyncGenerator', '__asyncDelegator',
  '__asyncValues', '__makeTemplateObject', '__importStar', '__importDefault', '__classPrivateFieldGet',
  '__classPrivateFieldSet', '__classPrivateFieldIn', '__addDisposableResource', '__disposeResources',
  '__rewriteRelativeImportExtension', 'regeneratorRuntime',
];
for (const name of THIRD_PARTY_GLOBALS) if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = undefined;

describe('bench Node-RED comparison', () => {
  const bench = new NodeRedBench();
  after(() => bench.stop());

  it('starts one real runtime with the three variants and gets every message of each done without an error', async () => {
    await bench.start();
    assert.deepEqual(
      VARIANTS.map((v) => v.key),
      ['ours', 'function', 'blind'],
    );
    for (const variant of VARIANTS) {
      const rate = await bench.messagesPerSecond(variant, 150, 50);
      assert.ok(rate.perSecond > 0 && Number.isFinite(rate.perSecond), `${variant.key}: ${rate.perSecond} msgs/s`);
      assert.ok(rate.perCpuSecond > 0, `${variant.key}: ${rate.perCpuSecond} msgs per CPU-second`);
    }
  });
});
