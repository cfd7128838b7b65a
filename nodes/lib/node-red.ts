/**
 * The slice of Node-RED's runtime API these nodes use (Node-RED ships no types; @types/node-red is not a
 * dependency). Shapes follow @node-red/runtime's `Node` and @node-red/registry's per-module `RED` object.
 */
export interface NodeStatus {
  readonly fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  readonly shape?: 'ring' | 'dot';
  readonly text?: string;
}

export type NodeMessage = Record<string, unknown> & { payload?: unknown; topic?: unknown; _msgid?: string };
export type Send = (msg: NodeMessage | null | (NodeMessage | null)[]) => void;
export type Done = (err?: Error) => void;

/** The properties every node's configuration has, as the editor saves them. */
export interface NodeDef {
  readonly id: string;
  readonly type: string;
  readonly name?: string;
  readonly z?: string;
  readonly d?: boolean;
}

export interface Node {
  readonly id: string;
  readonly type: string;
  name?: string;
  on(event: 'input', listener: (msg: NodeMessage, send: Send, done: Done) => void): void;
  on(event: 'close', listener: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | null | (NodeMessage | null)[]): void;
  /** Hands a message to the node's input, as a wire would (the editor's buttons use it). */
  receive(msg: NodeMessage): void;
  status(status: NodeStatus | Record<string, never>): void;
  /** The node's context: in memory it ends when the node closes; in a file store (settings.js) it is kept. */
  context(): { get(key: string): unknown; set(key: string, value: unknown): void };
  log(message: unknown): void;
  debug(message: unknown): void;
  warn(message: unknown): void;
  error(message: unknown, msg?: NodeMessage): void;
}

/** An express handler of Node-RED's admin API (`RED.httpAdmin`), typed as far as these nodes use it. */
export type AdminHandler = (
  req: { readonly params: Record<string, string>; readonly body: unknown },
  res: { sendStatus(code: number): void; status(code: number): { json(body: unknown): void }; json(body: unknown): void },
  next: () => void,
) => void;

/** `RED._`: translates a message id of this module's catalogue (`locales/en-US/<set>.json`). */
export type Translate = (key: string, params?: Record<string, unknown>) => string;

export interface NodeAPI {
  readonly nodes: {
    createNode(node: Node, def: NodeDef): void;
    getNode(id: string): Node | null;
    /** Every node of the flows being started (configuration as deployed, not instances). */
    eachNode(callback: (def: NodeDef & Record<string, unknown>) => void): void;
    registerType(type: string, constructor: (this: Node, def: any) => void, options?: Record<string, unknown>): void;
  };
  readonly settings: { readonly userDir?: string } & Record<string, unknown>;
  /** The runtime's event bus (`flows:started` once a deploy has started every node). */
  readonly events: NodeJS.EventEmitter;
  /** The editor's HTTP API: node buttons and editor helpers post here, behind the admin's permissions. */
  readonly httpAdmin: { post(path: string, ...handlers: AdminHandler[]): void };
  readonly auth: { needsPermission(permission: string): AdminHandler };
  readonly _: Translate;
}
