import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotPath } from '../support/browser';
import { useEditor } from './support/editor-session';
import { NodeRedRuntime, REPO_ROOT } from './support/node-red-runtime';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string };
interface Box {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const example = (file: string): FlowNode[] => JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'node-red', file), 'utf8'));
const UC4 = example('uc4-window-lock.json');
const UC5 = example('uc5-alarm.json');
const find = (flow: FlowNode[], key: string) => {
  const node = flow.find((n) => n.name === key || n.systemId === key || n.target === key);
  if (!node) throw new Error(`no node "${key}" in the example`);
  return node;
};
const tabOf = (flow: FlowNode[]) => flow.find((n) => n.type === 'tab')!.id;
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * The nodes explaining themselves, as a user sees them in the editor (headless Chromium, a real Node-RED runtime
 * with both examples deployed): badges that follow a claim, an alarm that stays until acknowledged, the answer to
 * "explain", the supervisor's configuration checked while it is written, and example flows whose badges are all
 * readable. Screenshots go to test-output/.
 */
describe('home-arbiter nodes explain themselves in the Node-RED editor (Chromium)', function () {
  this.timeout(180_000);
  const red = new NodeRedRuntime();
  const editor = useEditor(red, [...UC4, ...UC5], { width: 1600, height: 1000 });

  const inject = (flow: FlowNode[], name: string) => red.api('POST', `/inject/${find(flow, name).id}`);
  const badgeReads = (flow: FlowNode[], name: string, text: string) =>
    editor.page.waitForFunction(([id, want]) => (globalThis as any).document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent === want, [find(flow, name).id, text], { timeout: 30_000 });
  const showTab = (flow: FlowNode[]) => editor.page.evaluate((tab) => (globalThis as any).RED.workspaces.show(tab), tabOf(flow));


  it("follows comfort ventilation's claim on its badge: deferred at night, winning again in the morning", async () => {
    await showTab(UC4);
    await inject(UC4, 'ventilate: open window');
    await badgeReads(UC4, 'comfort-vent', 'accepted: living.window = open');
    await inject(UC4, 'night: close window');
    await badgeReads(UC4, 'comfort-vent', 'deferred to security on living.window');
    await editor.page.screenshot({ path: screenshotPath('node-red-deferred') });
    await inject(UC4, 'morning: release window');
    await badgeReads(UC4, 'comfort-vent', 'winning: living.window = open');
    await badgeReads(UC4, 'living.window', 'comfort-vent: open');
  });

  it('answers "explain" on the actuator node: who owns the window and why', async () => {
    await editor.page.evaluate(() => (globalThis as any).RED.sidebar.show('debug'));
    await inject(UC4, 'explain window');
    const message = editor.page.locator('.red-ui-debug-msg', { hasText: 'explain' }).last();
    await message.waitFor({ timeout: 30_000 });
    assert.match(await message.textContent() ?? '', /topic: "explain", payload: object, description: "living\.window is open/);
  });

  it('keeps the UC5 alarm on the events node through later conflicts and a redeploy, until its button acknowledges it', async () => {
    await showTab(UC5);
    await inject(UC5, 'power cap: AC off');
    for (let i = 0; i < 3; i++) await inject(UC5, 'robot line: AC on');
    const events = UC5.find((n) => n.type === 'arbiter-events' && !n.name)!;
    await editor.page.waitForFunction((id) => /^alarm: persistent-conflict factory\.ac$/.test((globalThis as any).document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent ?? ''), events.id, { timeout: 30_000 });
    await inject(UC5, 'robot line: AC on');
    // The fourth conflict reaches the node (its debug says so) but not its badge.
    await editor.page.evaluate(() => (globalThis as any).RED.sidebar.show('debug'));
    await editor.page.locator('.red-ui-debug-msg', { hasText: 'conflict' }).nth(3).waitFor({ timeout: 30_000 });
    assert.equal(await editor.page.locator(`[id="${events.id}"] .red-ui-flow-node-status-label`).textContent(), 'alarm: persistent-conflict factory.ac');
    await editor.page.screenshot({ path: screenshotPath('node-red-alarm') });

    // A redeploy does not acknowledge it: the new node starts with the alarm, and a conflict after does not hide it.
    const label = `[id="${events.id}"] .red-ui-flow-node-status-label`;
    await editor.page.evaluate((selector) => ((globalThis as any).document.querySelector(selector).textContent = ''), label);
    await red.deploy([...UC4, ...UC5]);
    await editor.page.waitForFunction((selector) => (globalThis as any).document.querySelector(selector)?.textContent === 'alarm: persistent-conflict factory.ac', label, { timeout: 30_000 });
    await inject(UC5, 'robot line: AC on');
    await editor.page.locator('.red-ui-debug-msg', { hasText: 'conflict' }).nth(4).waitFor({ timeout: 30_000 });
    assert.equal(await editor.page.locator(label).textContent(), 'alarm: persistent-conflict factory.ac');

    await editor.page.locator(`[id="${events.id}"] .red-ui-flow-node-button`).click();
    await editor.page.waitForFunction((id) => /^conflict on factory\.ac/.test((globalThis as any).document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent ?? ''), events.id, { timeout: 30_000 });
  });

  it('lays out both examples so that every badge is readable: no badge under another node or badge', async () => {
    // Give every node that has a badge something to say (the tests above drove UC4 and UC5).
    await inject(UC4, 'smoke detected');
    await inject(UC4, 'lock front door');
    for (const flow of [UC4, UC5]) {
      await showTab(flow);
      const ids = flow.filter((n) => n.z === tabOf(flow)).map((n) => n.id);
      const { nodes, badges } = await editor.page.evaluate((all: string[]) => {
        const doc = (globalThis as any).document;
        const boxes = (selector: string): Box[] =>
          all.flatMap((id) => {
            const el = doc.querySelector(`[id="${id}"] ${selector}`);
            const box = el?.getBoundingClientRect();
            return box && box.width > 0 ? [{ id, x: box.x, y: box.y, width: box.width, height: box.height }] : [];
          });
        return { nodes: boxes('.red-ui-flow-node'), badges: boxes('.red-ui-flow-node-status-label') };
      }, ids);
      const arbiterNodes = flow.filter((n) => /^arbiter-(system|actuator|context|events)$/.test(n.type)).map((n) => n.id);
      assert.deepEqual(arbiterNodes.filter((id) => !badges.some((b) => b.id === id)), [], `every arbiter node on ${tabOf(flow)} shows a badge`);
      for (const b of badges) {
        for (const n of nodes) if (n.id !== b.id) assert.ok(!overlap(b, n), `the badge of ${b.id} is under node ${n.id}`);
        for (const other of badges) if (other.id !== b.id) assert.ok(!overlap(b, other), `the badges of ${b.id} and ${other.id} overlap`);
      }
      await editor.page.screenshot({ path: screenshotPath(`node-red-${flow === UC4 ? 'uc4' : 'uc5'}-layout`) });
    }
  });

  it("checks the supervisor's configuration while it is written: YAML or JSON, every problem at once, before deploy", async () => {
    await showTab(UC4);
    await editor.page.locator(`[id="${find(UC4, 'security').id}"] .red-ui-flow-node`).dblclick();
    await editor.page.locator('.red-ui-tray #node-input-systemId').waitFor({ timeout: 30_000 });
    await editor.page.locator('#node-input-btn-supervisor-edit').click();
    const problems = editor.page.locator('#node-config-problems li');
    await problems.first().waitFor({ timeout: 30_000 });
    assert.equal(await problems.first().textContent(), 'No problem found (actuators: 2, facts: 1).');

    const supervisor = UC4.find((n) => n.type === 'arbiter-supervisor')!.id;
    const yaml = '- { id: living.window, kind: window, initial: closed, colour: red }\n- { id: front.lock, kind: lock }\n- { id: garage.door, kind: gizmo, initial: open }\n';
    await editor.page.evaluate(([id, text]) => (globalThis as any).RED.nodes.node(id).editors.actuators.setValue(text), [supervisor, yaml]);
    await editor.page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#node-config-problems li').length === 2, undefined, { timeout: 30_000 });
    assert.deepEqual(await problems.allTextContents(), [
      'actuators[0]: unknown field "colour"',
      'actuators[2].states: is required for kind "gizmo" (known kinds: window, shutter, blind, valve, lock, switch, light, ac, av; or give range)',
    ]);
    await editor.page.screenshot({ path: screenshotPath('node-red-supervisor-problems') });

    // Fixed, saved and deployed as YAML: the runtime reads it.
    const fixed = '- { id: living.window, kind: window, initial: closed, safe: closed }\n- { id: front.lock, kind: lock, initial: unlocked, safe: locked }\n';
    await editor.page.evaluate(([id, text]) => (globalThis as any).RED.nodes.node(id).editors.actuators.setValue(text), [supervisor, fixed]);
    await editor.page.locator('#node-config-problems li', { hasText: 'No problem found (actuators: 2, facts: 1).' }).waitFor({ timeout: 30_000 });
    await editor.page.locator('#node-config-dialog-ok').click();
    await editor.page.locator('#node-dialog-ok').click();
    await editor.page.locator('#red-ui-header-button-deploy').click();
    await editor.page.waitForFunction(() => !(globalThis as any).RED.nodes.dirty(), undefined, { timeout: 30_000 });
    const deployed = (await red.api<{ flows: FlowNode[] }>('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' })).flows.find((n) => n.id === supervisor)!;
    assert.equal(deployed.actuators, fixed);
    // The smoke of the layout test still holds the door open at life priority; once it clears, security's lock wins.
    // The inject node answers once the redeployed flows have started.
    const deadline = Date.now() + 30_000;
    while (!(await inject(UC4, 'smoke cleared').then(() => true, (err: Error) => (/HTTP 404/.test(err.message) && Date.now() < deadline ? false : Promise.reject(err))))) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await badgeReads(UC4, 'front.lock', 'security: locked');
  });

  it('raised no script error in the editor', () => {
    assert.deepEqual(editor.errors, []);
  });
});
