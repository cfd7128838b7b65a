import { createSocket, type RemoteInfo, type Socket } from 'dgram';
import { Subject, type Observable } from 'rxjs';
import { decodeFrame, encodeFrame, isFrameFault, ESV, type EchonetFrame, type EchonetProperty, type FrameFault } from './echonet-frame';
import { echonetLitePackage as EL } from './echonet-lite-package';

export interface ReceivedFrame {
  /** The sender's IPv4 address. */
  readonly from: string;
  readonly frame: EchonetFrame;
}

export interface MalformedFrame {
  readonly from: string;
  readonly fault: FrameFault;
}

export interface EchonetFacadeOptions {
  /** IPv4 address of the interface to use; the default route's interface when absent. */
  readonly interface?: string;
}

/** This process's ECHONET Lite node: instance 1 of the controller class 0x05FF (spec. Appendix, class group 0x05). */
export const CONTROLLER_EOJ = '05ff01';
/** The node profile object (spec. part II §6.11), the addressee of a search. */
const NODE_PROFILE_EOJ = '0ef001';
const INSTANCE_LIST = 'd6';

/** The package keeps one module-level instance, so one facade at a time owns it. */
let owner: EchonetFacade | undefined;

/**
 * The `echonet-lite` package behind a typed, guarded surface. The package keeps one instance per process, has
 * no timeouts and throws from a socket callback (killing the process) when it cannot join the multicast group;
 * this class owns that instance exclusively, checks the multicast join before handing over, turns socket errors
 * into `errors$`, and decodes every datagram itself (`echonet-frame.ts`). Timeouts belong to the adapter.
 */
export class EchonetFacade {
  private readonly framesSubject = new Subject<ReceivedFrame>();
  private readonly malformedSubject = new Subject<MalformedFrame>();
  private readonly errorsSubject = new Subject<Error>();
  private socket?: Socket;
  /** Our own transaction ids: the package's counter belongs to what the package sends itself. */
  private tid = 0;
  private readonly onMessage = (bytes: Buffer, rinfo: RemoteInfo) => this.receive(bytes, rinfo);
  private readonly onError = (err: Error) => this.errorsSubject.next(err);

  readonly frames$: Observable<ReceivedFrame> = this.framesSubject.asObservable();
  readonly malformed$: Observable<MalformedFrame> = this.malformedSubject.asObservable();
  /** Socket errors after start: the node keeps running, the adapter reports them. */
  readonly errors$: Observable<Error> = this.errorsSubject.asObservable();

  constructor(private readonly options: EchonetFacadeOptions = {}) {}

  async start(): Promise<void> {
    if (this.socket) throw new Error('echonet-lite: this node is already started');
    if (owner) throw new Error('echonet-lite: another adapter in this process already runs the echonet-lite package (it keeps one instance per process); stop it first');
    owner = this;
    try {
      await checkMulticast(this.options.interface);
      // The package's own listener answers Gets to our node profile (0x0EF001) as the spec requires; every
      // datagram is read again by `receive`, so its callback has nothing to do.
      const socket = await EL.initialize([CONTROLLER_EOJ], () => undefined, 4, {
        v4: this.options.interface ?? '',
        ignoreMe: true,
        autoGetProperties: false,
        debugMode: false,
      });
      // Attached before the socket's asynchronous bind can fail or deliver (both happen on a later tick).
      socket.on('error', this.onError);
      socket.on('message', this.onMessage);
      try {
        await guardedJoin(socket);
      } catch (err) {
        socket.off('message', this.onMessage);
        EL.release();
        throw multicastError(err, this.options.interface);
      }
      if (this.options.interface) socket.setMulticastInterface(this.options.interface);
      this.socket = socket;
    } catch (err) {
      owner = undefined;
      throw err;
    }
  }

  /**
   * Sends properties to `ip`/`deoj` with the next transaction id, and returns that TID. The frame leaves from
   * the long-lived socket bound to port 3610, so that a device answering to the request's source port and one
   * answering to port 3610 are both heard (the package sends from a socket it closes at once).
   */
  send(ip: string, deoj: string, esv: number, properties: readonly EchonetProperty[]): number {
    const socket = this.socket;
    if (!socket) throw new Error('echonet-lite: send before start');
    this.tid = (this.tid + 1) & 0xffff;
    const tid = this.tid;
    socket.send(encodeFrame({ tid, seoj: CONTROLLER_EOJ, deoj, esv, properties }), EL.EL_port, ip, (err) => {
      if (err) this.errorsSubject.next(new Error(`send to ${ip} (TID ${tid}): ${err.message}`));
    });
    return tid;
  }

  /** Multicast search: every node profile answers with its instance list (0xD6) on `frames$`. */
  search(): void {
    this.send(EL.EL_Multi, NODE_PROFILE_EOJ, ESV.GET, [{ epc: INSTANCE_LIST, edt: Buffer.alloc(0) }]);
  }

  /** Closes the package's socket and frees the instance; a second call does nothing. */
  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.off('message', this.onMessage);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    EL.release();
    await closed;
    socket.off('error', this.onError);
    owner = undefined;
  }

  private receive(bytes: Buffer, rinfo: RemoteInfo): void {
    if (EL.myIPaddress(rinfo)) return;
    const decoded = decodeFrame(bytes);
    if (isFrameFault(decoded)) this.malformedSubject.next({ from: rinfo.address, fault: decoded });
    else this.framesSubject.next({ from: rinfo.address, frame: decoded });
  }
}

/**
 * Joins the ECHONET Lite group (224.0.23.0) on a socket of our own first: the package joins inside its bind
 * callback, where a failure is an uncaught exception. A host with no interface or no route for 224.0.0.0/4
 * fails here, as a rejected start.
 */
async function checkMulticast(iface: string | undefined): Promise<void> {
  const probe = createSocket({ type: 'udp4', reuseAddr: true });
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind({ address: '0.0.0.0', port: 0 }, () => resolve());
    });
    probe.addMembership(EL.EL_Multi, iface);
  } catch (err) {
    throw multicastError(err, iface);
  } finally {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}

/**
 * Runs the package's bind callback (it joins the group) inside a try and waits for it. `initialize` resolves
 * before the socket is listening, so the callback is still pending here; should the network change after
 * `checkMulticast`, its throw becomes a rejected start rather than an uncaught exception.
 */
function guardedJoin(socket: Socket): Promise<void> {
  const callbacks = socket.rawListeners('listening') as ((this: Socket) => void)[];
  if (callbacks.length === 0) return Promise.resolve(); // already listening: the join ran and did not throw
  socket.removeAllListeners('listening');
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject); // the bind itself failed
    socket.once('listening', () => {
      socket.off('error', reject);
      try {
        for (const callback of callbacks) callback.call(socket);
        resolve();
      } catch (err) {
        reject(err);
      }
    });
  });
}

function multicastError(err: unknown, iface: string | undefined): Error {
  const reason = err instanceof Error ? err.message : String(err);
  return new Error(`echonet-lite: cannot join the multicast group ${EL.EL_Multi}${iface ? ` on ${iface}` : ''} (${reason}); the host needs an interface with a route for 224.0.0.0/4`);
}
