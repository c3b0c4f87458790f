// A chart selection as an element value (mo.ui.altair_chart) in the live
// editor (an interval dragged, cleared, a point clicked), against a real `weir edit` and Python worker with altair and
// pandas, in Debian's Chromium. Driven by
// crates/cli/tests/editor_chart_browser.rs:
//   node editor-chart.mjs <URL with token>
// Prints one line per check and `N passed, N failed` last.

import { rmSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { checker, launch } from './chromium.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node editor-chart.mjs <URL with token>');
  process.exit(2);
}
const base = new URL(url).origin;
const T = 60_000;

const { context, userDataDir } = await launch(chromium, 'editor-chart');
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
const offsite = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith(base) || u.startsWith('data:') || u.startsWith('about:') || u.startsWith('blob:')) return route.continue();
  offsite.push(u);
  return route.abort();
});
const sent = [];
page.on('websocket', (ws) => ws.on('framesent', (f) => {
  if (typeof f.payload === 'string' && f.payload.includes('set_ui_value')) sent.push(JSON.parse(f.payload));
}));

const checks = checker({
  lines: 6,
  onFail: async () => {
    const seen = await page.evaluate(() => window.weir?.state?.cells?.map((c) => ({
      id: c.id, status: c.status, outputs: c.outputs.map((o) => o['text/plain']), error: c.error?.message,
    }))).catch((err) => String(err));
    console.log(`     page state: ${JSON.stringify(seen)}; sent: ${JSON.stringify(sent).slice(0, 600)}`);
  },
});
const { check } = checks;
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const cell = (n) => page.locator('[data-testid=cell]').nth(n);
const waitOut = (n, text) => cell(n).locator('[data-testid=output]').filter({ hasText: text }).first().waitFor({ timeout: T });
const chart = () => cell(0).locator("[data-testid=ui-element][data-kind=altair_chart] [data-testid=chart][data-rendered='true']");
const points = () => chart().locator('svg .mark-symbol path');

/** Screen boxes of the chart's points, left to right. */
async function pointBoxes() {
  const n = await points().count();
  const boxes = [];
  for (let i = 0; i < n; i++) boxes.push(await points().nth(i).boundingBox());
  return boxes.filter(Boolean).map((b) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 })).sort((a, b) => a.x - b.x);
}

/** Drags a rectangle from (x0, y0) to (x1, y1) in steps, as a person would. */
async function drag(x0, y0, x1, y1) {
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 8 });
  await page.mouse.move(x1, y1, { steps: 8 });
  await page.mouse.up();
}

try {
  await check('the notebook runs; the chart draws as an element with nothing selected', async () => {
    await page.goto(url, { waitUntil: 'load' });
    await cell(1).waitFor({ timeout: T });
    await page.locator('[data-testid=run-all]').click();
    await waitOut(1, 'selected 0 of 6, made 1');
    await points().first().waitFor({ timeout: T });
    const n = await points().count();
    assert(n === 6, `${n} points, wanted 6`);
  });

  await check('dragging an interval over three points re-runs the reader with those rows, not the creator', async () => {
    const p = await pointBoxes();
    // From empty space above-left of the third point to below-right of the
    // first, short of the fourth: points 1-3 (y grows downward on screen).
    await drag(p[0].x - 12, p[2].y - 12, (p[2].x + p[3].x) / 2, p[0].y + 12);
    await waitOut(1, 'selected 3 of 6, made 1');
    await cell(1).locator('[data-testid=console]').filter({ hasText: 'printed 3' }).first().waitFor({ timeout: T });
    const last = sent.at(-1);
    assert(last && last.value && last.value.select_interval, `sent ${JSON.stringify(last)}`);
    const { x, y } = last.value.select_interval;
    assert(Array.isArray(x) && x.length === 2 && x[0] < 1.5 && x[1] > 3 && x[1] < 4, `x range ${JSON.stringify(x)}`);
    assert(Array.isArray(y) && y.length === 2, `y range ${JSON.stringify(y)}`);
    assert(sent.length < 8, `every mouse move was sent (${sent.length}): not settled`);
  });

  await check('a new interval over the last two points changes the count again', async () => {
    const p = await pointBoxes();
    await drag((p[3].x + p[4].x) / 2, p[5].y - 12, p[5].x + 12, (p[3].y + p[4].y) / 2);
    await waitOut(1, 'selected 2 of 6, made 1');
  });

  await check('a double click clears the interval; clicking a point selects that one row', async () => {
    const p = await pointBoxes();
    await page.mouse.dblclick((p[0].x + p[1].x) / 2, p[5].y);
    await waitOut(1, 'selected 0 of 6, made 1');
    await page.mouse.click(p[3].x, p[3].y);
    await waitOut(1, 'selected 1 of 6, made 1');
    const point = sent.at(-1).value.select_point;
    assert(point && JSON.stringify(point.vlPoint) === JSON.stringify({ or: [{ x: 4, y: 4 }] }), `sent ${JSON.stringify(sent.at(-1))}`);
  });

  await check('a matplotlib figure: a box dragged over it selects the points inside, a click clears', async () => {
    await waitOut(3, 'figure 0 None');
    const img = cell(2).locator('[data-testid=ui-figure] img');
    await img.scrollIntoViewIfNeeded();
    const b = await img.boundingBox();
    // matplotlib's default axes: left 0.125, right 0.9, bottom 0.11, top 0.88; data 0..7.
    const px = (x) => b.x + b.width * (0.125 + (x / 7) * 0.775);
    const py = (y) => b.y + b.height * (0.12 + (1 - y / 7) * 0.77);
    await drag(px(0.5), py(0.5), px(3.5), py(3.5));
    await waitOut(3, 'figure 3 box');
    await page.mouse.click(px(6.5), py(0.5));
    await waitOut(3, 'figure 0 None');
  });

  await check('nothing left the server and no script errors', async () => {
    assert(offsite.length === 0, `requests off the server: ${offsite.join(', ')}`);
    assert(pageErrors.length === 0, `errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

process.exit(checks.report() ? 0 : 1);
