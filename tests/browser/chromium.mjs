// Debian's Chromium as every browser script in this repository starts it,
// and the check counter the page tests print. Node built-ins only (the
// caller passes playwright-core's `chromium`), so scripts of other npm
// packages (frontend/e2e) can import this file by path.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const executablePath = process.env.WEIR_CHROMIUM || '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialling out,
// which this machine's closed network refuses (docs: the env skill).
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/// A headless Chromium with a fresh profile directory (removed again if
/// the start fails); `options` go to launchPersistentContext.
export async function launch(chromium, label, options = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), `weir-${label}-chromium-`));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      timeout: 90_000,
      args: CHROMIUM_ARGS,
      ...options,
    });
    return { context, userDataDir };
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

/// One line per check (`ok` / `FAIL name: reason`), `N passed, N failed`
/// at the end; `onFail` may print more about a failure.
export function checker({ lines = 4, onFail = async () => {} } = {}) {
  let passed = 0;
  let failed = 0;
  return {
    async check(name, f) {
      try {
        await f();
        passed++;
        console.log(`ok   ${name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${String(e.message).split('\n').slice(0, lines).join(' / ')}`);
        await onFail();
      }
    },
    /// Prints the totals; true when nothing failed.
    report() {
      console.log(`${passed} passed, ${failed} failed`);
      return failed === 0;
    },
    get failed() {
      return failed;
    },
  };
}
