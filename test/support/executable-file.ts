import { accessSync, constants, statSync } from 'node:fs';

/** Whether `path` is a file this process may run: what the tests ask before choosing a system package. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false; // absent or not executable: the caller's fallback is the answer, not an error
  }
}
