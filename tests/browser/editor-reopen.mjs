// Reopening a notebook in a real `weir edit`: a notebook run once, the
// server stopped and started again on it, shows each cell's last output
// (verified against the worker's hash) marked restored with when it was
// produced, before anything runs; the recompute control runs it again.
// Driven by crates/cli/tests/editor_reopen.rs:
//   node editor-reopen.mjs run <URL with token> <runs file>
//   node editor-reopen.mjs reopen <URL with token> <runs file> <ms before run> <ms after run>
// The notebook's first cell appends a line to <runs file> each time it runs,
// so the page cannot pass by running cells on open.
// Prints one line per check and `N passed, N failed` last; exits 0 only
// when every check holds.

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { checker, launch } from './chromium.mjs';

const [phase, url, runsFile, before, after] = process.argv.slice(2);
if (!['run', 'reopen'].includes(phase) || !url || !runsFile) {
  console.error('usage: node editor-reopen.mjs run|reopen <URL with token> <runs file> [<ms before> <ms after>]');
  process.exit(2);
}
const T = 30_000;
const { context, userDataDir } = await launch(chromium, 'reopen');
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
const checks = checker({ lines: 6 });
const check = checks.check;
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const cell = (n) => page.locator('[data-testid=cell]').nth(n);
const runs = () => readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).length;
const exactly = (loc, text) => loc.filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) }).first().waitFor({ timeout: T });

await page.goto(url);
await page.locator('[data-testid=cell]').first().waitFor({ timeout: T });

if (phase === 'run') {
  await check('a first run shows every output', async () => {
    await page.locator('[data-testid=run-all]').click();
    await exactly(cell(1).locator('[data-testid=output]'), '10');
    await cell(0).locator('[data-testid=console]').filter({ hasText: 'hello from a' }).waitFor({ timeout: T });
    await page.waitForFunction(() => window.weir.state.running === null && window.weir.state.cells.every((c) => c.status === 'ok'), null, { timeout: T });
    assert(runs() === 1, `the first cell ran ${runs()} times`);
  });
} else {
  const [t0, t1] = [Number(before), Number(after)];
  await check('on reopen every cell shows its last output, marked restored with its time, and nothing ran', async () => {
    await exactly(cell(1).locator('[data-testid=output]'), '10');
    await cell(0).locator('[data-testid=console]').filter({ hasText: 'hello from a' }).waitFor({ timeout: T });
    for (const n of [0, 1]) {
      const badge = cell(n).locator('[data-testid=badge-restored]');
      await badge.waitFor({ timeout: T });
      assert((await badge.textContent()).startsWith('restored · '), `cell ${n}'s badge: ${await badge.textContent()}`);
      const title = await badge.getAttribute('title');
      const at = Date.parse(/produced (\S+)/.exec(title ?? '')?.[1] ?? '');
      // Whole seconds in the store: within the first run, to the second.
      assert(at >= t0 - 1000 && at <= t1 + 1000, `cell ${n} produced at ${title}, the run was ${new Date(t0).toISOString()}..${new Date(t1).toISOString()}`);
      assert(await cell(n).locator('[data-testid=recompute]').isVisible(), `cell ${n} has no recompute control`);
    }
    assert(await page.locator('[data-testid=integrity-error]').count() === 0, 'a restored output failed its hash check');
    const state = await page.evaluate(() => ({ running: window.weir.state.running, statuses: window.weir.state.cells.map((c) => c.status) }));
    assert(state.running === null, `something runs: ${JSON.stringify(state)}`);
    assert(runs() === 1, `opening ran the first cell (${runs()} runs)`);
  });

  await check('recompute runs the cell (and its dependent) again and clears the marks', async () => {
    await cell(0).locator('[data-testid=recompute]').click();
    await cell(0).locator('[data-testid=badge-restored]').waitFor({ state: 'detached', timeout: T });
    await cell(1).locator('[data-testid=badge-restored]').waitFor({ state: 'detached', timeout: T });
    await exactly(cell(1).locator('[data-testid=output]'), '10');
    await page.waitForFunction(() => window.weir.state.running === null && window.weir.state.cells.every((c) => c.status === 'ok' && c.restoredAt === null), null, { timeout: T });
    assert(runs() === 2, `the first cell ran ${runs()} times in all`);
  });
}

await check('no script errors', async () => {
  assert(pageErrors.length === 0, pageErrors.join(' / '));
});

await context.close();
const { rmSync } = await import('node:fs');
rmSync(userDataDir, { recursive: true, force: true });
process.exit(checks.report() ? 0 : 1);
