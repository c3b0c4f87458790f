// Interactive elements (weir.ui) in the editor, against a real `weir edit`
// and Python worker, in Debian's Chromium through playwright-core. Driven
// by crates/cli/tests/editor_ui_browser.rs:
//   node editor-ui.mjs <URL with token>
// Prints one line per check and `N passed, N failed` last; exits 0 only
// when every check holds.

import { rmSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { checker, launch } from './chromium.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node editor-ui.mjs <URL with token>');
  process.exit(2);
}
const T = 30_000;

const { context, userDataDir } = await launch(chromium, 'editor-ui');
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
const sent = [];
page.on('websocket', (ws) => ws.on('framesent', (f) => {
  if (typeof f.payload === 'string' && f.payload.includes('set_ui_value')) sent.push(JSON.parse(f.payload));
}));

const checks = checker({
  lines: 6,
  onFail: async () => {
    const seen = await page.evaluate(() => window.weir?.state?.cells?.map((c) => ({
      id: c.id, status: c.status, outputs: c.outputs.map((o) => o['text/plain']), uiValues: c.uiValues,
    }))).catch((err) => String(err));
    console.log(`     page state: ${JSON.stringify(seen)}`);
  },
});
const check = checks.check;
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const cell = (n) => page.locator('[data-testid=cell]').nth(n);
const output = (n) => cell(n).locator('[data-testid=output]');
const waitOut = (n, text) => output(n).filter({ hasText: text }).first().waitFor({ timeout: T });
const slider = () => cell(0).locator('[data-testid=ui-element] input[type=range]');

try {
  await check('the notebook runs; the slider renders natively with its value', async () => {
    await page.goto(url, { waitUntil: 'load' });
    await cell(10).waitFor({ timeout: T });
    await page.locator('[data-testid=run-all]').click();
    await waitOut(1, '0 made 1');
    await slider().waitFor({ timeout: T });
    assert((await slider().inputValue()) === '0', `slider value ${await slider().inputValue()}`);
    assert(await cell(0).locator('[data-testid=ui-element]').locator('text=n').count() > 0, 'no label');
    assert((await cell(0).locator('iframe').count()) === 0, 'the element was put in a frame');
  });

  await check('moving the slider updates the dependent output, not the creating cell', async () => {
    await slider().fill('40');
    await waitOut(1, '80 made 1');
    assert((await slider().inputValue()) === '40', 'the slider did not keep its value');
  });

  await check('a dragged slider ends on its last value', async () => {
    const before = sent.length;
    const box = await slider().boundingBox();
    assert(box, 'no slider box');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.4, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 15 });
    await page.mouse.move(box.x + box.width + 20, y, { steps: 15 });
    await page.mouse.up();
    await waitOut(1, '200 made 1');
    const values = sent.slice(before).map((m) => m.value);
    assert(values.at(-1) === 100, `the last value sent was ${values.at(-1)}: ${JSON.stringify(values)}`);
    assert(values.length < 30, `every move was sent (${values.length}): not throttled`);
  });

  await check('a second tab shows the slider where it is, and follows it', async () => {
    const other = await context.newPage();
    other.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await other.goto(url, { waitUntil: 'load' });
      const theirs = other.locator('[data-testid=cell]').nth(0).locator('[data-testid=ui-element] input[type=range]');
      await theirs.waitFor({ timeout: T });
      assert((await theirs.inputValue()) === '100', `the new tab shows ${await theirs.inputValue()}`);
      await slider().fill('30');
      await waitOut(1, '60 made 1');
      await other.waitForFunction(() => document.querySelector('[data-testid=cell] input[type=range]')?.value === '30', null, { timeout: T });
    } finally {
      await other.close();
    }
  });

  await check('a state setter (an element\'s on_change) re-runs the getter\'s readers', async () => {
    await waitOut(4, 'state is False');
    await cell(3).locator('[data-testid=ui-element] input[type=checkbox]').check();
    await waitOut(4, 'state is True');
    await waitOut(1, '60 made 1');
  });

  await check('a table selection flows downstream', async () => {
    await waitOut(6, 'picked []');
    await cell(5).locator('input[aria-label="select row 2"]').check();
    await waitOut(6, "picked ['bob']");
    await cell(5).locator('input[aria-label="select row 1"]').check();
    await waitOut(6, "picked ['ann', 'bob']");
  });

  await check('a form sends its value only on its button', async () => {
    await waitOut(8, 'form None');
    const form = cell(7).locator('[data-testid=ui-element][data-kind=form]');
    const formId = await form.getAttribute('data-element-id');
    const before = sent.length;
    await form.locator('input[type=text]').fill('hello');
    await form.locator('input[type=text]').press('Tab');
    await form.locator('[data-testid=ui-submit]').click();
    await waitOut(8, "form 'hello'");
    const mine = sent.slice(before);
    assert(mine.length === 1 && mine[0].element_id === formId && mine[0].value === 'hello',
      `sent: ${JSON.stringify(mine)}`);
  });

  await check('an uploaded file reaches its readers as bytes', async () => {
    await waitOut(10, 'file None None');
    await cell(9).locator('input[type=file]').setInputFiles({ name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('hi there') });
    await waitOut(10, "file a.txt b'hi there'");
  });

  await check('a progress bar is drawn live, redrawn in place, and ends complete; a spinner goes when done', async () => {
    const bar = cell(11).locator('[data-testid=progress]');
    await bar.and(page.locator('[data-done=true]')).waitFor({ timeout: T });
    assert((await bar.locator('[data-testid=progress-count]').textContent()) === '40/40', 'final count');
    // Run it again: while it runs the bar is there, not done, and still one.
    await cell(11).locator('[data-testid=run]').click();
    await bar.and(page.locator('[data-done=false]')).waitFor({ timeout: T });
    assert((await bar.count()) === 1, `bars: ${await bar.count()}`);
    await bar.and(page.locator('[data-done=true]')).waitFor({ timeout: T });
    assert((await bar.locator('[data-testid=progress-count]').textContent()) === '40/40', 'final count again');
    await waitOut(12, 'spun');
    assert((await cell(12).locator('[data-testid=progress]').count()) === 0, 'the spinner stayed');
  });

  await check('a matrix sends its whole grid, mirrored when symmetric; a value out of bounds is not sent', async () => {
    await waitOut(14, 'matrix [[1.0, 0.0], [0.0, 1.0]]');
    const at = (i, j) => cell(13).locator(`[data-testid=ui-matrix] input[data-row="${i}"][data-col="${j}"]`);
    await at(0, 1).fill('9');
    await at(0, 1).press('Tab');
    assert((await at(0, 1).inputValue()) === '0', `out of bounds kept: ${await at(0, 1).inputValue()}`);
    await at(0, 1).fill('2.5');
    await at(0, 1).press('Tab');
    await waitOut(14, 'matrix [[1.0, 2.5], [2.5, 1.0]]');
    assert((await at(1, 0).inputValue()) === '2.5', 'mirrored on the page');
  });

  await check('no script errors', async () => {
    assert(pageErrors.length === 0, `errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

process.exit(checks.report() ? 0 : 1);
