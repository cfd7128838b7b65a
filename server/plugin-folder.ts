import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * The sha256 that pins a plugin: of its whole folder, every file and not only the entry (a module it requires
 * is code too). It is the sha256 of `sha256sum`'s lines for every file, sorted by path, as this prints:
 * `cd <folder> && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum`.
 * A symbolic link or any other special file is refused: what it points to would escape the pin (and Node's
 * permission model follows links out of the folder).
 */
export function folderDigest(folder: string): string {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true })) {
      const path = `${relative}/${entry.name}`;
      const stat = lstatSync(join(folder, path));
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push(path);
      else throw new Error(`${join(folder, path)} is not a regular file or folder (symbolic links are refused)`);
    }
  };
  walk('.');
  // Byte order, as LC_ALL=C sort does it (JavaScript compares UTF-16 code units, which differs beyond ASCII).
  const sorted = files.map((f) => Buffer.from(f)).sort(Buffer.compare).map((b) => b.toString());
  return sha256(sorted.map((f) => `${sha256(readFileSync(join(folder, f)))}  ${f}\n`).join(''));
}
