import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusPage } from '../server/status-page';

/**
 * What a standby node answers while the active one serves the home: its status (role, epoch, the active peer)
 * and the status page; every other request gets 503 naming the active node, so a client can go there.
 */
export class StandbyHttp {
  private server?: Server;
  private readonly page = new StatusPage();

  constructor(private readonly status: () => Record<string, unknown>) {}

  /** Listens (unless it already does), and returns the port: the one asked for, or the kernel's pick for 0. */
  async listen(port: number, host: string): Promise<number> {
    if (this.server) return (this.server.address() as AddressInfo).port;
    const server = (this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'GET' && (path === '/' || path.startsWith('/page/'))) {
        try {
          this.page.serve(path, res);
        } catch {
          res.writeHead(404).end();
        }
        return;
      }
      const status = this.status();
      const body = req.method === 'GET' && path === '/api/status' ? status : { error: `this node is the standby; the active node is ${(status.cluster as { peer?: string }).peer ?? 'unknown'}` };
      res.writeHead(path === '/api/status' ? 200 : 503, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify(body));
    }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
