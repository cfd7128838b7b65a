import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import packagedChromium from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';
import { isExecutableFile } from './executable-file';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/** Debian's Chromium as root in a container: no sandbox, no GPU, nothing that phones home. */
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** git-ignored; screenshots of the browser tests, for a person to look at. */
export const TEST_OUTPUT = resolve(__dirname, '../../../test-output');

let announced = false;

/**
 * The one way the browser tests start a browser: Debian's Chromium when it is installed (CI installs it),
 * otherwise the headless Chromium that the `@sparticuz/chromium` devDependency ships, unpacked on first use.
 * Either way playwright-core drives it headless; the first launch says which one it is.
 */
export async function launchBrowser(): Promise<Browser> {
  const system = isExecutableFile(SYSTEM_CHROMIUM);
  const executablePath = system ? SYSTEM_CHROMIUM : await packagedChromium.executablePath();
  if (!announced) {
    announced = true;
    console.log(
      system
        ? `    (browser: Debian's Chromium, ${SYSTEM_CHROMIUM})`
        : `    (browser: the Chromium of @sparticuz/chromium, ${executablePath}; ${SYSTEM_CHROMIUM} is not installed)`,
    );
  }
  return chromium.launch({ executablePath, args: system ? SYSTEM_ARGS : packagedChromium.args, headless: true });
}

/** `test-output/<name>.png`, its folder created. */
export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, `${name}.png`);
}
