import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import net from 'node:net';

/** What the guard refused, for the process to report. */
export type Refusal = (what: string) => void;

/** 127.0.0.0/8, ::1, localhost and IPv4 mapped into IPv6; anything else is beyond this machine. */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined || host === '' || host === 'localhost') return true; // node's default host is localhost
  const address = host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

/**
 * Keeps a process we do not write (the zigbee2mqtt bridge in the tests) on this machine: TCP and UDP to any address
 * but loopback and every DNS lookup of a name other than `localhost` fail with EACCES before a packet leaves, and
 * each refusal is told to `refused`. Unix sockets (no host) pass. It covers what Node's JavaScript offers
 * (net, and through it http, https, mqtt and ws; dgram; dns); the bridge's native serial port is never opened,
 * as the fake coordinator stands in for it.
 */
export function loopbackOnly(refused: Refusal): void {
  const deny = (what: string): Error => {
    refused(what);
    return Object.assign(new Error(`the test bridge may reach loopback only: ${what} refused`), { code: 'EACCES' });
  };

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const options = connectOptions(args);
    // A Unix socket names a path and no host or port (http's options carry the URL's path beside host and port).
    const unixSocket = options.path !== undefined && options.host === undefined && options.port === undefined;
    if (!unixSocket && !isLoopback(options.host)) {
      const err = deny(`TCP to ${options.host}:${String(options.port)}`);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;

  const send = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    const host = args.find((a, i) => i > 0 && typeof a === 'string') as string | undefined;
    if (!isLoopback(host)) throw deny(`UDP to ${host}`);
    return (send as (...a: unknown[]) => void).apply(this, args);
  } as typeof send;

  const lookup = dns.lookup;
  dns.lookup = function (hostname: string, ...rest: unknown[]) {
    if (isLoopback(hostname) || isIP(hostname) !== 0) return (lookup as (...a: unknown[]) => void).call(dns, hostname, ...rest);
    const callback = rest.at(-1) as (err: Error) => void;
    const err = deny(`DNS lookup of ${hostname}`);
    process.nextTick(() => callback(err));
    return;
  } as typeof lookup;
  const promised = dns.promises.lookup;
  dns.promises.lookup = function (hostname: string, ...rest: unknown[]) {
    if (isLoopback(hostname) || isIP(hostname) !== 0) return (promised as (...a: unknown[]) => Promise<unknown>).call(dns.promises, hostname, ...rest);
    return Promise.reject(deny(`DNS lookup of ${hostname}`));
  } as typeof promised;
}

/**
 * What `socket.connect(...)` was asked for: `(options)`, `(port, host)`, `(path)`, or the normalised `[options,
 * callback]` array that `net.connect()` and `http` hand it.
 */
function connectOptions(args: readonly unknown[]): { path?: string; host?: string; port?: unknown } {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) return first as { path?: string; host?: string; port?: unknown };
  if (typeof first === 'string' && Number.isNaN(Number(first))) return { path: first };
  return { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
}
