import { z } from 'zod';
import { categorySchema, stateSchema } from '../engine/config/arbiter-config';

/**
 * What a plugin process and the server say to each other over the plugin's channel (file descriptor 3):
 * one JSON object per line. The plugin's side is untrusted input: every line is checked against
 * `pluginMessage`, and a line that does not fit ends the plugin.
 */

/** From the plugin process: its start's result, and requests that act as its own system, answered by `reply`. */
export const pluginMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('started') }),
  z.strictObject({ type: z.literal('failed'), reason: z.string().max(2000) }),
  z.strictObject({
    type: z.literal('command'),
    id: z.number().int(),
    target: z.string().min(1).max(256),
    state: stateSchema,
    category: categorySchema.optional(),
    ttl: z.number().int().positive().optional(),
  }),
  z.strictObject({ type: z.literal('release'), id: z.number().int(), target: z.string().min(1).max(256) }),
  z.strictObject({ type: z.literal('setFacts'), id: z.number().int(), facts: z.record(z.string().max(256), z.unknown()) }),
  z.strictObject({ type: z.literal('stopped') }),
]);
export type PluginMessage = z.output<typeof pluginMessage>;

/** From the server: how to start, fact values as they change, answers to requests, and the order to stop. */
export type HostMessage =
  | { readonly type: 'start'; readonly options: Readonly<Record<string, unknown>>; readonly facts: Readonly<Record<string, unknown>> }
  | { readonly type: 'facts'; readonly facts: Readonly<Record<string, unknown>> }
  | { readonly type: 'reply'; readonly id: number; readonly result?: unknown; readonly error?: string }
  | { readonly type: 'stop' };
