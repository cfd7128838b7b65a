import { fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** Written once before the first batch and then overwritten in a ring. */
const SIZE = 64 << 20;

/**
 * FsyncOnlyStore's thread: writes each batch's text and fdatasyncs it, then answers, one batch at a time. The file
 * is allocated and written in full first, so that a batch overwrites blocks the file already has and fdatasync has
 * only the data to flush, never the file's size or its extents: the least any durable append can cost on this disk.
 */
const fd = openSync((workerData as { file: string }).file, 'w', 0o600);
const zeros = Buffer.alloc(1 << 20);
for (let at = 0; at < SIZE; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at);
fsyncSync(fd);
let offset = 0;
/** How long each write and its fdatasync took, in ms: what the disk alone costs an acknowledgement. */
const syncs: number[] = [];
parentPort!.on('message', (message: { text: string } | 'syncs') => {
  if (message === 'syncs') return parentPort!.postMessage({ syncs });
  const bytes = Buffer.from(`${message.text}\n`);
  if (offset + bytes.length > SIZE) offset = 0;
  const started = performance.now();
  writeSync(fd, bytes, 0, bytes.length, offset);
  offset += bytes.length;
  fdatasyncSync(fd);
  syncs.push(performance.now() - started);
  parentPort!.postMessage(null);
});
parentPort!.postMessage('ready');
