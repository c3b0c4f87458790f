// The README's picture of the editor: opens a running `weir edit`, runs
// every cell, waits until none is queued or running, and writes a PNG.
//   node screenshot-editor.mjs <URL with token> <out.png>
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, out] = process.argv.slice(2);
const userDataDir = mkdtempSync(join(tmpdir(), 'weir-shot-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.WEIR_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1100, height: 1400 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
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
