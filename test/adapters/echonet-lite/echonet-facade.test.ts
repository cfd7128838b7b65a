import { strict as assert } from 'assert';
import { needsNetworkNamespaces } from './support/needs-netns';
import { NetnsPair } from './support/netns-pair';
import type { ChildError, NetnsChild } from './support/netns-child';
import { HOST_SCRIPT, startChild } from './support/fixtures';

describe('echonet-lite adapter: guards around the echonet-lite package', function () {
  this.timeout(20_000);
  before(needsNetworkNamespaces);
  let namespace: string | undefined;
  let host: NetnsChild | undefined;

  after(async () => {
    try {
      await host?.close();
    } finally {
      if (namespace) await NetnsPair.removeNamespace(namespace);
    }
  });

  it('rejects start with the reason where the multicast group cannot be joined, and the process keeps running', async () => {
    // The package would throw from its bind callback here and take the process down.
    namespace = await NetnsPair.isolated();
    host = await startChild('adapter host without multicast', namespace, HOST_SCRIPT);
    const binding = { actuatorId: 'living.window', kind: 'window', adapter: 'echonet-lite', address: '10.72.0.2/026501' };
    await assert.rejects(host.request('start', { bindings: [binding] }), /cannot join the multicast group 224\.0\.23\.0 .*route for 224\.0\.0\.0\/4/);
    await assert.rejects(host.request('apply', { actuatorId: 'living.window', state: 'open' }), (err: ChildError) => err.code === 'OFFLINE');
  });
});
