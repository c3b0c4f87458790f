// Drives the built page (dist/) in Debian's Chromium against the mock
// server (mock/server.mjs): what a person does, and what they must see.
// Usage: node e2e/editor.mjs   (npm run e2e). Exits 0 when every check
// holds; prints one line per check and `N passed, N failed` last.
// With E2E_ISOLATED=1 the mock sends the cross-origin isolation headers
// `weir edit` sends, and every check runs over the socket worker's
// shared-memory ring; without, over the main thread's socket (the fallback).

import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { checker, launch } from '../../tests/browser/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const T = 15_000;

function startMock(env = {}) {
  const child = spawn(process.execPath, [join(here, '..', 'mock', 'server.mjs'), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`mock server exited ${code}`)));
  });
  return { child, url };
}
const ISOLATED = process.env.E2E_ISOLATED === '1';
const started = startMock(ISOLATED ? { MOCK_ISOLATED: '1' } : {});
const mock = started.child;
const base = await started.url;
const post = (path) => fetch(new URL(path, base), { method: 'POST' }).then((r) => r.json());

const { context, userDataDir } = await launch(chromium, 'e2e');
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
const offsite = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
// Errors inside output frames (about:srcdoc) are the outputs' own, e.g. the
// CSP refusing their inline scripts, which one check provokes on purpose.
page.on('console', (m) => {
  if (m.type() === 'error' && !m.location().url.startsWith('about:srcdoc')) pageErrors.push(m.text());
});
await page.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(base) || url.startsWith('data:') || url.startsWith('about:')) return route.continue();
  offsite.push(url);
  return route.abort();
});

const checks = checker();
const check = checks.check;
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const cell = (n) => page.locator('[data-testid=cell]').nth(n);
const cellById = (id) => page.locator(`[data-testid=cell][data-cell-id="${id}"]`);
async function typeInto(c, text) {
  await c.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(text);
}
const textOf = async (loc) => (await loc.textContent()) ?? '';
const waitText = (loc, text) => loc.filter({ hasText: text }).first().waitFor({ timeout: T });

try {
  await page.goto(base, { waitUntil: 'load' });

  await check('the snapshot renders every cell, in order, with names', async () => {
    await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor({ timeout: T });
    await cell(1).waitFor({ timeout: T });
    assert((await page.locator('[data-testid=cell]').count()) === 2, 'two cells');
    assert((await cell(1).locator('[data-testid=cell-name]').inputValue()) === 'intro', 'name of the second cell');
  });

  await check(ISOLATED
    ? 'cross-origin isolated (COOP/COEP as weir edit sends): the socket is in the worker, and every check below runs over its ring'
    : 'not cross-origin isolated (no COOP/COEP): the socket stays on the main thread, and every check below runs over it', async () => {
    const got = await page.evaluate(() => ({ isolated: window.crossOriginIsolated, socket: document.documentElement.dataset.socket }));
    assert(got.isolated === ISOLATED && got.socket === (ISOLATED ? 'worker' : 'main'), JSON.stringify(got));
  });

  await check('a markdown cell shows rendered, and double-click edits its text', async () => {
    await cell(1).locator('[data-testid=markdown] h1', { hasText: 'Hello from markdown' }).waitFor({ timeout: T });
    await cell(1).locator('[data-testid=markdown]').dblclick();
    await cell(1).locator('.cm-content').waitFor({ timeout: T });
    const doc = await textOf(cell(1).locator('.cm-content'));
    assert(doc.includes('# Hello from markdown') && !doc.includes('mo.md'), `editor shows the markdown body: ${doc}`);
  });

  await check('code typed as mo.md(...) becomes a rendered markdown cell once sent', async () => {
    await page.locator('[data-testid=add-cell-end]').click();
    const c = page.locator('[data-testid=cell]').nth(2);
    await c.waitFor({ timeout: T });
    await page.waitForFunction(() => document.activeElement?.closest('[data-testid=cell]') === document.querySelectorAll('[data-testid=cell]')[2], null, { timeout: T });
    await page.keyboard.type('mo.md("**bold** words")');
    await page.keyboard.press('Shift+Enter');
    await c.locator('[data-testid=markdown] strong', { hasText: 'bold' }).waitFor({ timeout: T });
    assert(!(await c.locator('[data-testid=cell-edited]').isVisible()), 'not marked edited');
    await c.locator('[data-testid=markdown]').dblclick();
    await waitText(c.locator('.cm-content'), '**bold** words');
    assert(!(await textOf(c.locator('.cm-content'))).includes('mo.md'), 'edits the body');
    await page.keyboard.press('End');
    await page.keyboard.type(' more');
    await page.keyboard.press('Shift+Enter');
    await page.waitForFunction(() => window.weir.state.cells[2]?.code === 'mo.md("**bold** words more")', null, { timeout: T });
    await c.locator('[data-testid=delete]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=cell]').length === 2, null, { timeout: T });
  });

  await check('typing code and Shift+Enter runs it and paints the reply', async () => {
    await typeInto(cell(0), '1 + 2');
    await page.keyboard.press('Shift+Enter');
    await waitText(cell(0).locator('[data-testid=output-item]'), '3');
    await cell(0).locator('[data-testid=cell-status]', { hasText: 'ok' }).waitFor({ timeout: T });
    const log = await (await fetch(new URL('/mock/log', base))).json();
    const set = log.find((m) => m.type === 'set_code' && m.code === '1 + 2');
    assert(set && /^[0-9a-f]{64}$/.test(set.code_hash) && set.base_version === 1, 'set_code with code_hash and base_version');
  });

  await check('console text appears in its cell', async () => {
    await typeInto(cell(0), 'print("hello console")');
    await page.keyboard.press('Shift+Enter');
    await waitText(cell(0).locator('[data-testid=console]'), 'hello console');
  });

  await check('an HTML output with <script> and unclosed tags stays inside its sandboxed frame', async () => {
    await typeInto(cell(0), 'html:<b>bold <i>open <script>parent.document.title="owned";document.body.append("ran")</script><div style="position:fixed;top:0">');
    await page.keyboard.press('Shift+Enter');
    const frame = cell(0).locator('iframe.output-frame');
    await frame.waitFor({ timeout: T });
    assert((await frame.getAttribute('sandbox')) === 'allow-scripts', 'sandbox is allow-scripts only');
    const inner = page.frameLocator('iframe.output-frame').locator('b');
    await inner.waitFor({ timeout: T });
    assert((await page.title()) !== 'owned', 'the output could not reach the page');
    assert((await page.locator('[data-testid=cell]').count()) === 2, 'the page\'s cells are intact');
    // The sizer ran (its hash is in the CSP): the frame took its content's height.
    await page.waitForFunction(() => {
      const f = document.querySelector('iframe.output-frame');
      return f && f.style.height && f.style.height !== '0px';
    }, null, { timeout: T });
  });

  await check('a layout draws its children natively: markdown slots, HTML in frames, tabs that switch', async () => {
    const L = 'application/vnd.weir.layout+json';
    const layout = { [L]: { kind: 'vstack', props: { gap: 1 }, children: [
      { [L]: { kind: 'markdown', props: { text: 'pick <span data-weir-slot="0"></span> **now**' }, children: [{ 'text/plain': 'THE-CHILD' }] } },
      { [L]: { kind: 'hstack', props: { justify: 'start' }, children: [{ 'text/html': '<b>in a frame</b>' }, { 'text/plain': 'beside' }] } },
      { [L]: { kind: 'tabs', props: { labels: ['One', 'Two'], selected: 0 }, children: [{ 'text/plain': 'first tab' }, { 'text/plain': 'second tab' }] } },
    ] }, 'text/plain': 'weir.vstack(3 children)' };
    await typeInto(cell(0), `bundle:${JSON.stringify(layout)}`);
    await page.keyboard.press('Shift+Enter');
    const out = cell(0).locator('[data-testid=output]');
    const md = out.locator('[data-layout=markdown]');
    await md.waitFor({ timeout: T });
    assert((await md.locator('strong').textContent()) === 'now', 'the markdown is rendered');
    assert((await md.locator('.layout-inline').textContent()) === 'THE-CHILD', 'the child sits in its slot');
    const stack = out.locator('[data-layout=hstack]');
    assert(await stack.evaluate((e) => getComputedStyle(e).display === 'flex' && getComputedStyle(e).justifyContent === 'flex-start'), 'the stack is a flex row');
    assert((await stack.locator('iframe.output-frame').getAttribute('sandbox')) === 'allow-scripts', 'an HTML child keeps its sandboxed frame');
    const tabs = out.locator('[data-layout=tabs]');
    assert(await tabs.getByText('second tab').isHidden(), 'only the selected tab shows');
    await tabs.getByRole('tab', { name: 'Two' }).click();
    assert(await tabs.getByText('second tab').isVisible(), 'clicking a tab shows its panel');
    assert(await tabs.getByText('first tab').isHidden(), 'and hides the others');
  });

  await check('a corrupted output is refused with an integrity error', async () => {
    await typeInto(cell(0), 'corrupt');
    await page.keyboard.press('Shift+Enter');
    await cell(0).locator('[data-testid=integrity-error]').waitFor({ timeout: T });
    const text = await textOf(cell(0).locator('[data-testid=output]'));
    assert(!text.includes('tampered'), 'the tampered text is not painted');
  });

  await check('an error shows its traceback, with a link to the line in the cell', async () => {
    await typeInto(cell(0), 'x = 1');
    await page.keyboard.press('Enter');
    await page.keyboard.type('raise');
    await page.keyboard.press('Shift+Enter');
    await waitText(cell(0).locator('[data-testid=error]'), 'ZeroDivisionError: division by zero');
    await cell(0).locator('[data-testid=cell-status]', { hasText: 'error' }).waitFor({ timeout: T });
    await page.keyboard.press('ControlOrMeta+Home');
    await cell(0).locator('[data-testid=error-line]', { hasText: 'line 2' }).click();
    // The cursor is on line 2 of the cell's editor.
    await page.waitForFunction(() => {
      const line = document.activeElement?.closest('[data-testid=cell]')?.querySelector('.cm-activeLine');
      return line?.textContent === 'raise';
    }, null, { timeout: T });
  });

  await check('add a cell below, type into it and run it', async () => {
    await cell(0).locator('[data-testid=add-below]').click();
    await page.locator('[data-testid=cell]').nth(2).waitFor({ timeout: T });
    // The new cell has the keyboard.
    await page.keyboard.type('40 + 2');
    await page.keyboard.press('Shift+Enter');
    await waitText(cell(1).locator('[data-testid=output-item]'), '42');
  });

  await check('move a cell down with the keyboard, and up with its button', async () => {
    const id = await cell(1).getAttribute('data-cell-id');
    await cell(1).locator('.cm-content').click();
    await page.keyboard.press('ControlOrMeta+Shift+ArrowDown');
    await page.waitForFunction((id) => document.querySelectorAll('[data-testid=cell]')[2]?.dataset.cellId === id, id, { timeout: T });
    // The keyboard stayed in the moved cell: the next press moves it back.
    await page.waitForFunction((id) => document.activeElement?.closest('[data-testid=cell]')?.dataset.cellId === id, id, { timeout: T });
    await page.keyboard.press('ControlOrMeta+Shift+ArrowUp');
    await page.waitForFunction((id) => document.querySelectorAll('[data-testid=cell]')[1]?.dataset.cellId === id, id, { timeout: T });
    await page.keyboard.press('ControlOrMeta+Shift+ArrowDown');
    await page.waitForFunction((id) => document.querySelectorAll('[data-testid=cell]')[2]?.dataset.cellId === id, id, { timeout: T });
    await cellById(id).locator('[data-testid=move-up]').click();
    await page.waitForFunction((id) => document.querySelectorAll('[data-testid=cell]')[1]?.dataset.cellId === id, id, { timeout: T });
  });

  await check('delete a cell, then undo puts it back with its code', async () => {
    const before = await page.locator('[data-testid=cell]').count();
    await cell(1).locator('[data-testid=delete]').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=cell]').length === n - 1, before, { timeout: T });
    await page.locator('[data-testid=undo-delete]').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=cell]').length === n, before, { timeout: T });
    await waitText(cell(1).locator('[data-testid=editor]'), '40 + 2');
  });

  await check('rename a cell; autosave then saves it without being asked', async () => {
    const logLength = (await (await fetch(new URL('/mock/log', base))).json()).length;
    const name = cell(0).locator('[data-testid=cell-name]');
    await name.fill('first');
    await name.press('Enter');
    await page.waitForFunction(() => {
      const log = window.weir.state.cells[0];
      return log && log.name === 'first';
    }, null, { timeout: T });
    const autosaved = async () => (await (await fetch(new URL('/mock/log', base))).json()).slice(logLength).some((m) => m.type === 'save' && !m.force);
    const deadline = Date.now() + T;
    while (!(await autosaved()) && Date.now() < deadline) await page.waitForTimeout(100);
    assert(await autosaved(), 'an autosave was sent');
    await page.locator('[data-testid=dirty][data-dirty=false]').waitFor({ timeout: T });
  });

  await check('an edit based on an old version is refused and the cell shows the other tab\'s code', async () => {
    const id = await cell(0).getAttribute('data-cell-id');
    await typeInto(cell(0), 'mine = 1');
    await post(`/mock/external_edit?id=${id}&code=${encodeURIComponent('theirs = 2')}`);
    await page.waitForFunction((id) => window.weir.state.cells.find((c) => c.id === Number(id))?.code === 'theirs = 2', id, { timeout: T });
    // Our draft stays on screen until we send it.
    assert((await textOf(cell(0).locator('.cm-content'))).includes('mine = 1'), 'the draft is kept');
    await page.keyboard.press('Shift+Enter');
    await cell(0).locator('[data-testid=conflict]').waitFor({ timeout: T });
    await waitText(cell(0).locator('.cm-content'), 'theirs = 2');
    await cell(0).locator('[data-testid=conflict-use-mine]').click();
    await waitText(cell(0).locator('.cm-content'), 'mine = 1');
  });

  await check('the file changing on disk shows a banner; keep mine saves with force', async () => {
    await post('/mock/file_changed');
    await page.locator('[data-testid=file-changed-banner]').waitFor({ timeout: T });
    await page.locator('[data-testid=keep-mine]').click();
    await page.locator('[data-testid=file-changed-banner]').waitFor({ state: 'detached', timeout: T });
    await page.locator('[data-testid=dirty]', { hasText: 'saved' }).waitFor({ timeout: T });
    const log = await (await fetch(new URL('/mock/log', base))).json();
    assert(log.some((m) => m.type === 'save' && m.force === true), 'save with force was sent');
  });

  await check('after the connection drops, the page reconnects with since and gets what it missed', async () => {
    const id = await cell(2).getAttribute('data-cell-id');
    await post('/mock/drop');
    await post(`/mock/quiet_event?id=${id}&name=renamed_while_away`);
    await page.waitForFunction((id) => document.querySelector(`[data-cell-id="${id}"] [data-testid=cell-name]`)?.value === 'renamed_while_away', id, { timeout: T });
    const log = await (await fetch(new URL('/mock/log', base))).json();
    const hellos = log.filter((m) => m.type === 'hello');
    assert(hellos.length >= 2 && typeof hellos.at(-1).since === 'number', 'the second hello carries since');
  });

  await check('an event with a gap in its number makes the page say hello again', async () => {
    const count = async () => (await (await fetch(new URL('/mock/log', base))).json()).filter((m) => m.type === 'hello').length;
    const before = await count();
    await post('/mock/gap');
    const deadline = Date.now() + T;
    while ((await count()) === before && Date.now() < deadline) await page.waitForTimeout(50);
    assert((await count()) === before + 1, 'one more hello');
  });

  await check('Ctrl+S sends the edited code, then saves', async () => {
    const id = await cell(0).getAttribute('data-cell-id');
    await typeInto(cell(0), 'saved_code = 1');
    await cell(0).locator('[data-testid=cell-edited]').waitFor({ timeout: T });
    await page.keyboard.press('ControlOrMeta+s');
    await page.waitForFunction((id) => window.weir.state.cells.find((c) => c.id === Number(id))?.code === 'saved_code = 1' && !window.weir.state.dirty, id, { timeout: T });
    const log = await (await fetch(new URL('/mock/log', base))).json();
    const i = log.findIndex((m) => m.type === 'set_code' && m.code === 'saved_code = 1');
    assert(i >= 0 && log.slice(i).some((m) => m.type === 'save'), 'set_code before save');
    assert(log.filter((m) => m.type === 'set_code' && m.code === 'saved_code = 1').length === 1, 'the edit is sent once');
    assert(!(await cell(0).locator('[data-testid=conflict]').isVisible()), 'no conflict');
    await cell(0).locator('[data-testid=cell-edited]').waitFor({ state: 'hidden', timeout: T });
  });

  await check('lazy mode marks an edited cell stale without running it; run stale runs it', async () => {
    await page.locator('[data-testid=mode]').click();
    await page.locator('[data-testid=mode][data-mode=lazy]').waitFor({ timeout: T });
    const c = cell(0);
    const status = await c.getAttribute('data-status');
    await typeInto(c, '6 * 7');
    await page.keyboard.press('ControlOrMeta+s'); // sends the edit, runs nothing
    await c.locator('[data-testid=badge-stale]').waitFor({ timeout: T });
    assert((await c.getAttribute('data-stale')) === 'true', 'data-stale');
    assert((await c.getAttribute('data-status')) === status, 'status unchanged: nothing ran');
    await page.locator('[data-testid=run-stale]').click();
    await waitText(c.locator('[data-testid=output-item]'), '42');
    await c.locator('[data-testid=badge-stale]').waitFor({ state: 'detached', timeout: T });
    await page.locator('[data-testid=mode]').click();
    await page.locator('[data-testid=mode][data-mode=autorun]').waitFor({ timeout: T });
  });

  await check('a cell that did not run says why, and links to the cell the reason is about', async () => {
    const c = cell(1);
    await typeInto(c, 'skip');
    await page.keyboard.press('Shift+Enter');
    await waitText(c.locator('[data-testid=reason]'), 'An ancestor raised');
    await c.locator('[data-testid=cell-status]', { hasText: 'not run' }).waitFor({ timeout: T });
    await c.locator('[data-testid=reason-link]').click();
    await page.locator('[data-testid=cell].flash').first().waitFor({ timeout: T });
    assert((await page.locator('[data-testid=cell].flash').first().getAttribute('data-cell-id')) === (await cell(0).getAttribute('data-cell-id')), 'the first cell is highlighted');
  });

  await check('hide code hides the editor and offers to show it', async () => {
    const c = cell(1);
    await c.locator('[data-testid=options]').click();
    await c.locator('[data-testid=opt-hide-code]').check();
    await c.locator('[data-testid=show-code]').waitFor({ timeout: T });
    assert(!(await c.locator('[data-testid=editor]').isVisible()), 'editor hidden');
    await c.locator('[data-testid=show-code]').click();
    await c.locator('[data-testid=editor]').waitFor({ state: 'visible', timeout: T });
    await c.locator('[data-testid=opt-hide-code]').uncheck();
  });

  await check('two tabs: an edit and its output in one appear in the other', async () => {
    const other = await context.newPage();
    try {
      await other.goto(base, { waitUntil: 'load' });
      await other.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor({ timeout: T });
      const id = await cell(1).getAttribute('data-cell-id');
      const there = other.locator(`[data-testid=cell][data-cell-id="${id}"]`);
      await there.waitFor({ timeout: T });
      await there.locator('.cm-content').click();
      await other.keyboard.press('ControlOrMeta+a');
      await other.keyboard.type('100 + 23');
      await other.keyboard.press('Shift+Enter');
      await waitText(cellById(id).locator('[data-testid=output-item]'), '123');
      await waitText(cellById(id).locator('.cm-content'), '100 + 23');
    } finally {
      await other.close();
    }
  });

  await check('reopening shows last outputs from the store, marked restored, with recompute', async () => {
    const id = await cell(1).getAttribute('data-cell-id');
    await post(`/mock/restore?id=${id}`);
    await page.reload({ waitUntil: 'load' });
    const c = cellById(id);
    await c.locator('[data-testid=badge-restored]').waitFor({ timeout: T });
    await waitText(c.locator('[data-testid=output-item]'), 'from the store');
    await c.locator('[data-testid=recompute]').click();
    await c.locator('[data-testid=badge-restored]').waitFor({ state: 'detached', timeout: T });
    await waitText(c.locator('[data-testid=output-item]'), '123');
  });

  await check('drag a cell by its handle below another', async () => {
    const ids = await page.$$eval('[data-testid=cell]', (cs) => cs.map((c) => c.dataset.cellId));
    const targetBox = await cell(2).boundingBox();
    await cell(0).locator('[data-testid=drag-handle]').dragTo(cell(2), { targetPosition: { x: 20, y: targetBox.height - 8 } });
    const want = [ids[1], ids[2], ids[0], ...ids.slice(3)];
    await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('[data-testid=cell]')].map((c) => c.dataset.cellId)) === JSON.stringify(want), want, { timeout: T });
  });

  await check('directory mode lists the notebooks; a link opens one; create asks the server', async () => {
    const dir = startMock({ MOCK_MODE: 'directory' });
    const other = await context.newPage();
    try {
      const dirBase = await dir.url;
      await other.goto(dirBase, { waitUntil: 'load' });
      await other.locator('[data-testid=notebook-link]', { hasText: 'demo.py' }).click();
      await other.locator('[data-testid=cell]').first().waitFor({ timeout: T });
      assert(new URL(other.url()).searchParams.get('notebook') === 'demo.py', 'the URL names the notebook');
      await other.goto(dirBase, { waitUntil: 'load' });
      await other.locator('[data-testid=new-notebook-name]').fill('fresh');
      await other.locator('[data-testid=new-notebook]').click();
      await other.waitForURL((u) => u.searchParams.get('notebook') === 'fresh.py', { timeout: T });
      const log = await (await fetch(new URL('/mock/log', dirBase))).json();
      assert(log.some((m) => m.type === 'http_create' && m.body.path === 'fresh.py'), 'POST /api/notebooks with fresh.py');
    } finally {
      await other.close();
      dir.child.kill();
    }
  });

  await check('a markdown cell with a live object in its f-string draws the object in its slot', async () => {
    const before = await page.locator('[data-testid=cell]').count();
    await page.locator('[data-testid=add-cell-end]').click();
    const c = page.locator('[data-testid=cell]').nth(before);
    await c.waitFor({ timeout: T });
    await page.waitForFunction((n) => document.activeElement?.closest('[data-testid=cell]') === document.querySelectorAll('[data-testid=cell]')[n], before, { timeout: T });
    await page.keyboard.type('mo.md(f"pick {live}")');
    await page.keyboard.press('Shift+Enter');
    const slot = c.locator('[data-testid=output] [data-layout=markdown] .layout-inline');
    await slot.waitFor({ timeout: T });
    const got = await slot.textContent();
    assert(got === 'LIVE-CHILD', `the child is in its slot: ${got}`);
  });

  await check('1,000 cells open in one insertion, with editors only for the cells on screen first', async () => {
    const big = startMock({ MOCK_CELLS: '1000' });
    const other = await context.newPage();
    try {
      // Watches the page from its first script: how the cells arrive, and
      // how many editors the first mounting task makes.
      await other.addInitScript(() => {
        const seen = { cellRecords: 0, cells: 0, onScreen: null, firstEditors: null };
        window.__open = seen;
        new MutationObserver((records) => {
          for (const r of records) {
            const added = [...r.addedNodes].filter((n) => n.nodeType === 1);
            const cells = added.filter((n) => n.matches('[data-testid=cell]'));
            if (cells.length) {
              seen.cellRecords++;
              seen.cells += cells.length;
            }
          }
          const all = document.querySelectorAll('[data-testid=cell]');
          if (seen.onScreen === null && all.length >= 1000) {
            seen.onScreen = [...all].filter((c) => c.getBoundingClientRect().top < innerHeight).length;
          }
          const editors = document.querySelectorAll('[data-testid=cell] .cm-editor').length;
          if (seen.firstEditors === null && editors > 0) seen.firstEditors = editors;
        }).observe(document, { childList: true, subtree: true });
      });
      await other.goto(await big.url, { waitUntil: 'load' });
      await other.waitForFunction(() => window.__open.firstEditors !== null, null, { timeout: T });
      const seen = await other.evaluate(() => window.__open);
      assert(seen.cells >= 1000 && seen.cellRecords === 1, `cells arrived in ${seen.cellRecords} insertions: ${JSON.stringify(seen)}`);
      assert(seen.onScreen > 0 && seen.firstEditors <= seen.onScreen, `first editors ${seen.firstEditors}, cells on screen ${seen.onScreen}`);
      // The rest near the viewport follow; far cells stay as text.
      await other.waitForFunction((n) => document.querySelectorAll('[data-testid=cell] .cm-editor').length > n, seen.firstEditors, { timeout: T });
      assert(await other.locator('[data-testid=cell] .cm-editor').count() < 100, 'editors for far cells');
      assert(await other.locator('[data-testid=cell]').nth(999).locator('[data-testid=editor]').textContent() === 'v997 = 997\nprint(v997)', 'a far cell shows its code');
    } finally {
      await other.close();
      big.child.kill();
    }
  });

  await check('no script errors and nothing fetched from outside', async () => {
    assert(pageErrors.length === 0, `errors: ${pageErrors.join(' | ')}`);
    assert(offsite.length === 0, `requests: ${offsite.join(' ')}`);
  });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
  mock.kill();
}

process.exit(checks.report() ? 0 : 1);
