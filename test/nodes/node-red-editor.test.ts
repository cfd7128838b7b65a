import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotPath } from '../support/browser';
import { useEditor } from './support/editor-session';
import { NodeRedRuntime, REPO_ROOT } from './support/node-red-runtime';

type FlowNode = Record<string, unknown> & { id: string; type: string };

const PALETTE_TYPES = ['arbiter-system', 'arbiter-actuator', 'arbiter-context', 'arbiter-events', 'arbiter-operator'];
const UC4: FlowNode[] = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'node-red', 'uc4-window-lock.json'), 'utf8'));
const byName = (key: string) => UC4.find((n) => n.name === key || n.systemId === key || n.target === key)!;

/**
 * The editor as a user sees it, in headless Chromium (test/support/browser.ts) driven by playwright-core against a
 * real runtime with the UC4 example deployed. A browser that cannot start fails the suite: it never passes silently.
 */
describe('home-arbiter in the Node-RED editor (Chromium)', function () {
  this.timeout(180_000);
  const red = new NodeRedRuntime();
  const editor = useEditor(red, UC4, { width: 1400, height: 900 });


  it('shows every arbiter node in the palette, and registers the supervisor config node', async () => {
    for (const type of PALETTE_TYPES) {
      const entry = editor.page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      assert.equal(await entry.count(), 1, `${type} in the palette`);
      assert.equal(await entry.getAttribute('data-palette-label'), `arbiter ${type.slice('arbiter-'.length)}`);
      assert.equal(await entry.locator('.red-ui-palette-icon-container').getAttribute('data-palette-icon'), 'icons/home-arbiter/arbiter.svg');
    }
    assert.ok(await editor.page.evaluate(() => Boolean((globalThis as any).RED.nodes.getType('arbiter-supervisor'))), 'arbiter-supervisor is a registered type');
    const icon = await fetch(`${red.url}/icons/home-arbiter/arbiter.svg`);
    assert.equal(icon.status, 200);
    assert.match(await icon.text(), /<svg/);
  });

  it('shows the live owner and state on the actuator node once a conflict has been driven through the runtime', async () => {
    await red.api('POST', `/inject/${byName('ventilate: open window').id}`);
    await red.api('POST', `/inject/${byName('night: close window').id}`);
    const window = byName('living.window');
    const label = editor.page.locator(`[id="${window.id}"] .red-ui-flow-node-status-label`);
    await editor.page.waitForFunction((id) => (globalThis as any).document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent === 'security: closed', window.id, { timeout: 30_000 });
    assert.equal(await label.textContent(), 'security: closed');
  });

  it('opens the edit dialog of a system node with its fields, and renders its help with the lattice', async () => {
    const security = byName('security');
    await editor.page.locator(`[id="${security.id}"] .red-ui-flow-node`).dblclick();
    const systemId = editor.page.locator('.red-ui-tray #node-input-systemId');
    await systemId.waitFor({ timeout: 30_000 });
    assert.equal(await systemId.inputValue(), 'security');
    assert.equal(await editor.page.locator('.red-ui-tray #node-input-category').inputValue(), 'property');
    assert.match(await editor.page.locator('.red-ui-tray label[for="node-input-targets"]').innerText(), /Targets/, 'labels come from locales/en-US');

    await editor.page.evaluate(() => (globalThis as any).RED.sidebar.help.show('arbiter-system'));
    const help = editor.page.locator('#red-ui-sidebar-content').getByText('life > property > comfort > entertainment').first();
    await help.waitFor({ timeout: 30_000 });
    assert.ok(await help.isVisible(), 'the help names the lattice');

    const screenshot = screenshotPath('node-red-editor');
    await editor.page.screenshot({ path: screenshot });
    assert.ok(statSync(screenshot).size > 10_000, 'a screenshot of the editor was written');

    // The supervisor's own dialog, through the pencil beside the config node select.
    await editor.page.locator('#node-input-btn-supervisor-edit').click();
    const actuators = editor.page.locator('.red-ui-tray #node-config-input-actuators');
    await actuators.waitFor({ state: 'attached', timeout: 30_000 });
    assert.deepEqual(JSON.parse(await actuators.inputValue()).map((a: { id: string }) => a.id), ['living.window', 'front.lock']);
    assert.equal(await editor.page.locator('.red-ui-tray #node-config-input-persistentCount').inputValue(), '3');
    await editor.page.locator('#node-config-dialog-cancel').click();
    await editor.page.locator('#node-dialog-cancel').click();
  });

  it('completes an actuator selector from the supervisor in the actuator dialog', async () => {
    await editor.page.locator(`[id="${byName('front.lock').id}"] .red-ui-flow-node`).dblclick();
    const target = editor.page.locator('.red-ui-tray #node-input-target');
    await target.waitFor({ timeout: 30_000 });
    // The completions come from the supervisor the dialog has selected: type only once it is selected.
    const supervisor = UC4.find((n) => n.type === 'arbiter-supervisor')!.id;
    await editor.page.waitForFunction((id) => (globalThis as any).$('.red-ui-tray #node-input-supervisor').val() === id, supervisor, { timeout: 30_000 });
    await target.fill('');
    await target.pressSequentially('kind:');
    const completion = editor.page.locator('.red-ui-autoComplete-container').getByText('kind:window');
    await completion.first().waitFor({ timeout: 30_000 });
    assert.ok(await editor.page.locator('.red-ui-autoComplete-container').getByText('kind:lock').first().isVisible());
    await editor.page.locator('#node-dialog-cancel').click();
  });

  it("names the supervisor's declared facts in the context dialog", async () => {
    await editor.page.locator(`[id="${byName('smoke detector').id}"] .red-ui-flow-node`).dblclick();
    // The tip is filled once the runtime has answered the dialog's check: until then it is there and empty.
    const tip = editor.page.locator('.red-ui-tray #node-input-facts-tip', { hasText: /\S/ });
    await tip.waitFor({ timeout: 30_000 });
    assert.match(await tip.innerText(), /^Declared facts: smoke\./);
    await editor.page.locator('#node-dialog-cancel').click();
  });

  it('marks a supervisor the runtime refuses, and the nodes using it, as soon as the flows load', async () => {
    const supervisor = UC4.find((n) => n.type === 'arbiter-supervisor')!;
    const broken = UC4.map((n) => (n === supervisor ? { ...n, actuators: '[{"id": "living.window", "kind": "window", "colour": "red"}]' } : n));
    const isValid = (id: string) => editor.page.evaluate((node) => (globalThis as any).RED.nodes.node(node).valid as boolean | undefined, id);
    try {
      await red.deploy(broken);
      await editor.page.reload();
      await editor.page.waitForSelector('#red-ui-palette .red-ui-palette-node', { timeout: 30_000 });
      await editor.page.waitForFunction((id) => (globalThis as any).RED.nodes.node(id)?.valid === false, supervisor.id, { timeout: 30_000 });
      assert.equal(await isValid(byName('front.lock').id), false, 'a node using the refused supervisor is marked too');
      await editor.page.locator(`[id="${byName('front.lock').id}"] .red-ui-flow-node-error`).waitFor({ state: 'visible', timeout: 30_000 });
    } finally {
      await red.deploy(UC4);
    }
    await editor.page.reload();
    await editor.page.waitForFunction((id) => (globalThis as any).RED.nodes.node(id)?.valid === true, supervisor.id, { timeout: 30_000 });
    assert.equal(await isValid(byName('front.lock').id), true, 'the example itself is valid');
  });

  it('raised no script error in the editor', function () {
    assert.deepEqual(editor.errors, []);
  });
});
