// Rich outputs in the live editor: an Altair chart, a Plotly figure and
// LaTeX in markdown, made by real altair and plotly in a real worker
// (crates/cli/tests/editor_rich_browser.rs starts `weir edit` on
// crates/cli/tests/fixtures/rich_outputs.py), drawn from the libraries
// weir serves. Every request that is not to the server is recorded and
// refused, and any is a failure.
//   node editor-rich.mjs <URL with token>
// Prints one line per check and `N passed, N failed` last.

import { chromium } from 'playwright-core';
import { checker, launch } from './chromium.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node editor-rich.mjs <URL with token>');
  process.exit(2);
}
const base = new URL(url).origin;
const T = 60_000;

const { context, userDataDir } = await launch(chromium, 'editor-rich');
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
const offsite = [];
const served = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('console', (m) => {
  if (m.type() === 'error' && !m.location().url.startsWith('about:srcdoc')) pageErrors.push(m.text());
});
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith(base)) {
    served.push(new URL(u).pathname);
    return route.continue();
  }
  if (u.startsWith('data:') || u.startsWith('about:') || u.startsWith('blob:')) return route.continue();
  offsite.push(u);
  return route.abort();
});

const checks = checker({
  lines: 6,
  // What the page held then, to tell a kernel answer from a page bug.
  onFail: async () => {
    const seen = await page.evaluate(() => window.weir?.state?.cells?.map((c) => ({
      id: c.id, status: c.status, stale: c.stale, mimes: c.outputs.map((o) => Object.keys(o)), error: c.error?.message, reason: c.reason,
    }))).catch((err) => String(err));
    console.log(`     page state: ${JSON.stringify(seen)}`);
  },
});
const { check } = checks;
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };

try {
  await check('the notebook opens and runs', async () => {
    await page.goto(url, { waitUntil: 'load' });
    await page.locator('[data-testid=cell]').nth(4).waitFor({ timeout: T });
    await page.locator('[data-testid=run-all]').click();
    await page.waitForFunction(
      () => window.weir?.state?.cells?.length === 5 && window.weir.state.cells.every((c, i) => c.status === 'ok' && (i === 0 || c.outputs.length > 0)),
      null,
      { timeout: T },
    );
  });

  await check('an Altair chart draws as SVG from the bundled Vega, interactive', async () => {
    const chart = page.locator("[data-testid=chart][data-chart='vega-lite'][data-rendered='true']").first();
    await chart.locator('svg .mark-rect path').first().waitFor({ timeout: T });
    const bars = await chart.locator('svg .mark-rect path').count();
    assert(bars === 3, `${bars} bars, wanted 3`);
    const text = await chart.innerText().catch(() => '');
    const svgText = await chart.locator('svg').textContent();
    assert(svgText.includes('altair fruit') && svgText.includes('banana'), `chart text: ${svgText.slice(0, 200)} ${text}`);
    // The point selection works (no eval needed): clicking a bar dims the others.
    await chart.locator('svg .mark-rect path').nth(0).click();
    await page.waitForFunction(() => {
      const paths = [...document.querySelectorAll("[data-chart='vega-lite'] svg .mark-rect path")];
      return paths.some((p) => p.getAttribute('opacity') === '0.3' || p.style.opacity === '0.3' || p.getAttribute('fill-opacity') === '0.3');
    }, null, { timeout: T });
  });

  await check('a Plotly figure draws from the bundled plotly.js', async () => {
    const fig = page.locator("[data-testid=chart][data-chart='plotly'][data-rendered='true']");
    await fig.locator('svg.main-svg').first().waitFor({ timeout: T });
    await fig.locator('.scatterlayer .trace').first().waitFor({ timeout: T });
    const title = await fig.locator('.gtitle').textContent();
    assert(title === 'plotly line', `title: ${title}`);
  });

  await check('LaTeX in markdown is typeset by KaTeX (inline, \\( \\) and display)', async () => {
    const md = page.locator('.markdown').filter({ hasText: 'Euler' });
    await md.locator(".weir-math[data-typeset='true'] .katex").first().waitFor({ timeout: T });
    const inline = await md.locator("span.weir-math[data-display='false'] .katex-html").count();
    assert(inline === 2, `${inline} inline formulas, wanted 2`);
    assert((await md.locator('.katex-display').count()) === 1, 'no display formula');
    const raw = await md.innerText();
    assert(!raw.includes('\\frac') && !raw.includes('$'), `TeX source still shows: ${raw}`);
    // The fonts came inline with the CSS (data: URIs), so they loaded.
    const fonts = await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.family.includes('KaTeX') && f.status === 'loaded').length;
    });
    assert(fonts > 0, 'no KaTeX font loaded');
  });

  await check('a chart whose data is a URL fetches nothing and says why', async () => {
    const note = page.locator('[data-testid=chart-refused]');
    await note.waitFor({ timeout: T });
    const text = await note.textContent();
    assert(text.includes('https://example.invalid/cars.json') && text.includes('never loads anything from the network'), text);
  });

  await check('the libraries came from weir, each once, only when needed', async () => {
    for (const file of ['/assets/rich/vega.js', '/assets/rich/plotly.js', '/assets/rich/katex.js', '/assets/rich/katex.css']) {
      const n = served.filter((p) => p === file).length;
      assert(n === 1, `${file} requested ${n} times`);
    }
  });

  await check('a chart replaced by an edit draws afresh (the old view released without error)', async () => {
    const last = page.locator('[data-testid=cell]').nth(4);
    await last.locator('.cm-content').click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await page.keyboard.type('alt.Chart(pd.DataFrame({"a": [1, 2], "b": [3, 4]})).mark_point().encode(x="a:Q", y="b:Q")');
    await page.keyboard.press('Shift+Enter');
    const chart = last.locator("[data-testid=chart][data-rendered='true']");
    await chart.locator('svg .mark-symbol path').nth(1).waitFor({ timeout: T });
    assert((await last.locator('[data-testid=chart-refused]').count()) === 0, 'the old chart (and its note) is still there');
    assert((await last.locator('[data-testid=chart]').count()) === 1, 'more than one chart in the cell');
  });

  await check('nothing was requested outside the server, and no page error', async () => {
    assert(offsite.length === 0, `off-server requests: ${offsite.join(', ')}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  await context.close().catch(() => {});
  const { rmSync } = await import('node:fs');
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(checks.report() ? 0 : 1);
