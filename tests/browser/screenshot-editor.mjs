// The README's picture of the editor: opens a running `weir edit`, runs
// every cell, waits until none is queued or running, and writes a PNG.
//   node screenshot-editor.mjs <URL with token> <out.png>
import { rmSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { launch } from './chromium.mjs';

const [url, out] = process.argv.slice(2);
const { context, userDataDir } = await launch(chromium, 'shot', { viewport: { width: 1100, height: 1400 } });
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url, { waitUntil: 'load' });
  await page.locator('[data-testid=cell]').first().waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=run-all]').click();
  await page.waitForFunction(() => {
    const cells = window.weir?.state?.cells ?? [];
    return cells.length > 0 && cells.every((c) => !['queued', 'running', 'idle'].includes(c.status));
  }, null, { timeout: 60_000 });
  await page.waitForTimeout(500); // let output frames take their height before the picture
  await page.screenshot({ path: out, fullPage: false });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
