import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../support/browser';
import type { NodeRedRuntime } from './node-red-runtime';

export interface EditorSession {
  /** The editor's page, once the suite's `before` has run. */
  page: Page;
  /** Uncaught errors of the editor's own scripts: a suite ends by asserting there were none. */
  readonly errors: string[];
}

/**
 * The Node-RED editor as a user opens it, for one `describe` block: `red` started with `flows` deployed, headless
 * Chromium on the editor until the palette shows, everything stopped after. Registers the block's hooks.
 */
export function useEditor(red: NodeRedRuntime, flows: object[], viewport: { width: number; height: number }): EditorSession {
  const session = { errors: [] as string[] } as EditorSession;
  let browser: Browser | undefined;

  before(async () => {
    await red.start();
    await red.deploy(flows);
    browser = await launchBrowser();
    session.page = await browser.newPage({ viewport });
    session.page.on('pageerror', (err) => session.errors.push(err.message));
    await session.page.goto(red.url);
    await session.page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await red.stop();
  });

  // A test that fails with a dialog open must not leave it in the way of the next one.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    await session.page.evaluate("for (const id of ['#node-config-dialog-cancel', '#node-dialog-cancel']) $(id + ':visible').trigger('click')");
  });

  return session;
}
