import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

/**
 * aedes, an MQTT 3.1.1 broker from the npm registry, in this process on 127.0.0.1: what the MQTT suites use on a
 * machine without Debian's mosquitto. It listens on a port the kernel picks (or on `port` again, for a broker
 * restart), and `stop()` drops every client as a broker going down does.
 */
export class AedesBroker {
  private broker?: Aedes;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /**
   * Every PUBLISH a client sent, with that client's id and when (`performance.now()`): who published is what no
   * subscriber can see, and a test of the cluster's fence must know which node dispatched.
   */
  readonly published: { clientId: string; topic: string; at: number }[] = [];
  port = 0;

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(port?: number): Promise<void> {
    if (this.server) throw new Error('aedes: already started');
    const broker = await Aedes.createBroker();
    broker.on('publish', (packet, client) => {
      if (client) this.published.push({ clientId: client.id, topic: packet.topic, at: performance.now() });
    });
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
    [this.broker, this.server] = [broker, server];
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(new Error(`aedes: cannot listen on 127.0.0.1:${port ?? 0}: ${err.message}`)));
        server.listen(port ?? 0, '127.0.0.1', resolve);
      });
    } catch (err) {
      await this.stop();
      throw err;
    }
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /** Closes the listener, every client connection and the broker; a second call does nothing. */
  async stop(): Promise<void> {
    const [broker, server] = [this.broker, this.server];
    this.broker = this.server = undefined;
    if (!server || !broker) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A socket still in the MQTT handshake is not yet a client of aedes: destroy it here, or close() waits for it.
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
  }
}
