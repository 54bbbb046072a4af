/**
 * The Web UI as a person meets it, in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * a dev server with its Web UI, a task parked in needs-input, the task list with the title and state
 * columns added as README says, the task page with the question and the exact answer command (nothing
 * cut off), and the `answer` signal sent through the UI's own Send a Signal form — then the task moves on.
 * Screenshots go to test-output/web-ui/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskListLinks } from '../../client/start.js';
import { PROJECT_ROOT } from '../../activities/paths.js';
import { startDevServer, type DevServer } from '../../worker/dev-server.js';
import { ensureTemporalCli } from '../../worker/temporal-cli.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(PROJECT_ROOT, 'test-output', 'web-ui');
const TASK = 'ui-ask';
const TITLE = 'Make the greeting friendlier';

let server: DevServer;
let serverDir: string;
let env: E2eEnv;
let browser: Browser;
let page: Page;
let workflows: string;

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does), or set CHROMIUM_PATH`);
  }
  await mkdir(SHOTS, { recursive: true });
  serverDir = await mkdtemp(join(tmpdir(), 'switchyard-web-ui-'));
  const temporalCli = await ensureTemporalCli({ log: () => undefined });
  server = await startDevServer({ dataDir: serverDir, port: 0, dbFile: null, temporalCli, log: () => undefined });
  workflows = `${server.uiUrl}/namespaces/default/workflows`;
  env = await e2eEnv('web-ui');
  env.env.TEMPORAL_ADDRESS = server.address;
  await env.startWorker();
  const file = await env.writeTask(TASK, 'fake-agent: ask\nFix the greeting.', { title: TITLE });
  const submitted = await env.cli(['submit', file]);
  expect(submitted.exitCode, submitted.stderr).toBe(0);
  await env.waitForState(TASK, ['needs-input']);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await env?.cleanup();
  await server?.stop();
  if (serverDir) await rm(serverDir, { recursive: true, force: true });
});

/** The rendered markdown frames of the User Metadata tab, by heading order: summary, details, current details. */
async function markdownFrames(): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (const el of await page.locator('iframe[title="output"]').elementHandles()) {
    const frame = await el.contentFrame();
    if (frame) frames.push(frame);
  }
  return frames;
}

/** Whether the frame shows all of its content: the last line with text ends inside the frame's height. */
async function showsEverything(frame: Frame): Promise<{ ok: boolean; last: string }> {
  return frame.evaluate(() => {
    // Runs in the page: the DOM, typed just enough (this project compiles without the DOM library).
    interface Block {
      textContent: string | null;
      getBoundingClientRect(): { bottom: number };
    }
    const page = globalThis as unknown as {
      innerHeight: number;
      document: { querySelectorAll(selector: string): ArrayLike<Block> };
    };
    const blocks = Array.from(page.document.querySelectorAll('main p, main li, main h1, main h2, main h3')).filter(
      (e) => (e.textContent ?? '').replace(/\u00a0/g, '').trim() !== '',
    );
    const last = blocks.at(-1);
    if (!last) return { ok: true, last: '' };
    return { ok: last.getBoundingClientRect().bottom <= page.innerHeight, last: last.textContent ?? '' };
  });
}

describe('the Web UI in a browser', () => {
  it('lists the task with its title and state once the columns are added', async () => {
    const links = taskListLinks(workflows);
    await page.goto(links.tasks);
    const row = page.locator('tr[data-testid="workflows-summary-configurable-table-row"]', { hasText: `task-${TASK}` });
    await row.waitFor({ timeout: 30_000 });
    // What README tells a person to do: the gear, then the custom search attributes.
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    for (const column of ['SwitchyardTitle', 'SwitchyardState', 'SwitchyardStage']) {
      await page.getByRole('button', { name: `Add ${column} column` }).click();
    }
    // Room for them on one screen.
    for (const column of ['Run ID', 'End']) await page.getByRole('button', { name: `Remove ${column} column` }).click();
    await page.keyboard.press('Escape');
    await page.goto(links.needsInput);
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.innerText(), { timeout: 15_000 }).toContain(TITLE);
    const text = await row.innerText();
    expect(text).toContain('needs-input');
    expect(text).toContain('analysis');
    // No stage or gate children in this list: one row, the task.
    expect(await page.locator('tr[data-testid="workflows-summary-configurable-table-row"]').count()).toBe(1);
    await shot('1-task-list');
  });

  it('shows the question and the exact answer command on the task page, nothing cut off', async () => {
    await page.goto(`${workflows}/task-${TASK}`);
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await expect.poll(async () => (await markdownFrames()).length, { timeout: 15_000 }).toBe(3);
    const [summary, details, current] = await markdownFrames();
    await expect.poll(() => current!.innerText('main'), { timeout: 15_000 }).toContain('needs-input');
    expect(await summary!.innerText('main')).toContain(TITLE);
    expect(await details!.innerText('main')).toContain(`(${TASK})`);
    const story = await current!.innerText('main');
    expect(story).toContain('Which greeting should greet() return?');
    expect(story).toContain(`switchyard answer ${TASK} --text "…"`);
    expect(story).toContain('More Actions → Send a Signal → answer, Data: {"text": "…"}');
    for (const frame of [summary!, details!, current!]) {
      const seen = await showsEverything(frame);
      expect(seen.ok, `the frame cuts off "${seen.last}"`).toBe(true);
    }
    await shot('2-task-page');
  });

  it('answers through the Send a Signal form, and the task moves on', async () => {
    await page.goto(`${workflows}/task-${TASK}`);
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
    await page.getByTestId('signal-select-button').filter({ visible: true }).click();
    const option = page.getByRole('option', { name: /^answer/ }).filter({ visible: true });
    // Our handler descriptions reach the dropdown, with the Data they take; the internal ones say so.
    await expect.poll(() => option.innerText(), { timeout: 10_000 }).toMatch(/Data: \{"text": "your answer"\}/);
    expect(
      await page
        .getByRole('option', { name: /^gateGranted/ })
        .filter({ visible: true })
        .innerText(),
    ).toMatch(/Internal: .*Do not send by hand/);
    await option.click();
    await page.locator('[contenteditable="true"][data-language="json"]').filter({ visible: true }).click();
    await page.keyboard.type('{"text": "hello", "by": "web-ui"}');
    // Leaving the box formats the JSON and grows the form: do that before aiming at Submit.
    await page.getByText('(only single JSON payload supported)').filter({ visible: true }).click();
    await shot('3-send-signal');
    const submit = page.getByRole('button', { name: 'Submit' }).filter({ visible: true });
    await submit.click();
    // The form closes once Temporal took the signal.
    await expect.poll(() => submit.count(), { timeout: 15_000 }).toBe(0);
    const moved = await env.waitForState(TASK, ['running', 'done', 'hold', 'failed']);
    expect(moved.transitions.some((t) => t.outcome === 'answered')).toBe(true);
    // Who answered, as the form said.
    expect(JSON.stringify(moved.transitions)).toContain('web-ui');
    const done = await env.waitForState(TASK, ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    await page.reload();
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await shot('4-after-answer');
  });
});
