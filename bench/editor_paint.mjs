// The editor, timed in a real browser (Debian's Chromium through
// playwright-core), Weir's `weir edit` beside `marimo edit` on the same
// notebooks in the same run (issue 10). Prints one JSON object per
// measurement on stdout and a summary table last; the figures go in
// docs/benchmarks.md by hand, never into tests.
//
//   cd bench/browser && npm install      # playwright-core only, no browser download
//   node bench/editor_paint.mjs [--reps 30] [--opens 5] [--cells 1000] [--only weir|marimo]
//
// Needs target/release/weir (cargo build --release -p weir-cli) and
// bench/.venv/bin/marimo (marimo==0.25.2).
//
// Every time is taken inside the page, on the page's own clock
// (performance.now()): the start is the keydown event of the run key as the
// page receives it (capture phase, before either editor's handler), or the
// navigation start for an open; the end is when the awaited text is in the
// DOM (MutationObserver / per-frame check: "dom") and then the end of the
// frame that shows it ("paint"): for a change made in an ordinary task, the
// next requestAnimationFrame and then a message-channel task, which runs
// after that frame's paint; for a change made inside an animation-frame
// callback, that same frame, so a message-channel task queued at once.
// Playwright's round trips are outside both.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const require = createRequire(join(here, 'browser', 'package.json'));
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const REPS = Number(opt('reps', 30));
const WARM = 3;
const OPENS = Number(opt('opens', 5));
const CELLS = Number(opt('cells', 1000));
const OPEN_CAP = Number(opt("open-cap-ms", 300_000));
const ONLY = opt('only', null);
const MEASURES = opt('measures', 'trivial,fan,open').split(',');
const WEIR = process.env.WEIR_BIN || join(repo, 'target', 'release', 'weir');
const MARIMO = process.env.MARIMO_BIN || join(repo, 'bench', '.venv', 'bin', 'marimo');
const T = Number(process.env.BENCH_TIMEOUT || 120_000);

const work = mkdtempSync(join(tmpdir(), 'weir-editbench-'));

// ---------- notebooks (marimo's own file form; Weir opens it unchanged) ----------

function notebook(cells) {
  let s = 'import marimo\n\n__generated_with = "0.25.2"\napp = marimo.App()\n\n';
  for (const [params, code, ret] of cells) {
    const body = code.split('\n').map((l) => `    ${l}`).join('\n');
    s += `\n@app.cell\ndef _(${params.join(', ')}):\n${body}\n    return (${ret},)\n\n`;
  }
  return `${s}\nif __name__ == "__main__":\n    app.run()\n`;
}
const trivial = notebook([[[], 'x = 1\nx', 'x']]);
const fan = notebook([
  [[], 'r = 1\nr', 'r'],
  ...Array.from({ length: 10 }, (_, i) => [['r'], `d_${i} = r + ${i}\nd_${i}`, `d_${i}`]),
]);
function writeNotebooks(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'trivial.py'), trivial);
  writeFileSync(join(dir, 'fan.py'), fan);
  execFileSync('python3', [join(repo, 'bench', 'gen_notebook.py'), 'chain', String(CELLS), join(dir, 'chain.py'), '--flavor', 'marimo']);
}

// ---------- servers ----------

function waitForLine(child, re, what) {
  return new Promise((resolveP, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) resolveP(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${what} exited ${code}: ${out.slice(-2000)}`)));
    setTimeout(() => reject(new Error(`${what} printed no address in 180 s: ${out.slice(-2000)}`)), 180_000);
  });
}

let nextPort = 27810 + Math.floor(Math.random() * 100);
async function startServer(tool, dir, file, instantiate = true) {
  if (tool === 'weir') {
    const child = spawn(WEIR, ['edit', '--headless', '--port', '0', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await waitForLine(child, /(http:\/\/\S+\?token=[0-9a-f]+)/, 'weir edit');
    return { child, url };
  }
  // marimo runs every cell when a notebook opens (runtime.auto_instantiate);
  // Weir runs nothing. For the open timing marimo is set to run nothing
  // too, so that opening times rendering, not execution (its config is read
  // from XDG_CONFIG_HOME); for the run timings it runs all at open, as
  // Weir's page is made to with its run-all button.
  const xdg = join(work, instantiate ? 'xdg-run' : 'xdg-norun');
  mkdirSync(join(xdg, 'marimo'), { recursive: true });
  writeFileSync(join(xdg, 'marimo', 'marimo.toml'), `[runtime]\nauto_instantiate = ${instantiate}\n`);
  const port = nextPort++;
  const child = spawn(MARIMO, ['edit', '--headless', '--no-token', '--skip-update-check', '--port', String(port), file], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CONFIG_HOME: xdg },
  });
  await waitForLine(child, /URL: (http:\/\/\S+)/, 'marimo edit');
  return { child, url: `http://127.0.0.1:${port}/` };
}

async function stopServer(s) {
  if (s.child.exitCode !== null) return;
  const gone = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(t);
}

// ---------- memory: the server's process tree ----------

function children(pid) {
  const out = [];
  let tasks = [];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) out.push(Number(c));
    } catch { /* exited */ }
  }
  return out;
}
function memoryTree(root) {
  const procs = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const pss = Number(/Pss:\s+(\d+)/.exec(rollup)?.[1] ?? 0);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).join(' ');
      procs.push({ pid, rss_kib: rss, pss_kib: pss, cmd });
    } catch { continue; }
    stack.push(...children(pid));
  }
  const sum = (k) => procs.reduce((a, p) => a + p[k], 0);
  return { rss_mib: +(sum('rss_kib') / 1024).toFixed(1), pss_mib: +(sum('pss_kib') / 1024).toFixed(1), procs };
}

// ---------- the page side ----------

// Each tool's DOM: the cells in order, a cell's output box, a cell's editor
// box, and the key that runs a cell in place. marimo's Shift+Enter runs and
// moves to the next cell (adding one after the last), its Ctrl+Enter runs
// in place, which is what Weir's Shift+Enter does.
const DOM = {
  weir: { cell: '[data-testid=cell]', output: '[data-testid=output]', editor: '[data-testid=editor]', runKey: 'Shift+Enter' },
  marimo: { cell: '.marimo-cell', output: '[data-cell-role=output]', editor: '[data-testid=cell-editor]', runKey: 'Control+Enter' },
};

const initScript = () => {
  window.__bench = { key: null };
  addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.shiftKey || e.ctrlKey)) window.__bench.key = performance.now();
  }, true);
  // A page may change its DOM inside an animation-frame callback (Weir's
  // does, batching events per frame); that frame then paints the change.
  // So every callback is followed by a check, made while still inside the
  // frame's rendering steps.
  const raf = window.requestAnimationFrame.bind(window);
  window.__afterFrameCallback = null;
  window.requestAnimationFrame = (f) => raf((ts) => {
    try { f(ts); } finally { window.__afterFrameCallback?.(); }
  });
  // Resolves with the time the condition first holds ("dom") and the time
  // the frame showing it has been painted ("paint"): a message-channel task
  // queued inside a frame's callbacks runs after that frame's paint; one
  // queued from an ordinary task waits for the next frame first.
  window.__until = (cond) => new Promise((resolveP) => {
    let done = false;
    const afterPaint = (dom) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => resolveP({ dom, paint: performance.now() });
      ch.port2.postMessage(0);
    };
    const finish = (inFrame) => {
      if (done || !cond()) return;
      done = true;
      obs.disconnect();
      window.__afterFrameCallback = null;
      const dom = performance.now();
      if (inFrame) afterPaint(dom);
      else raf(() => afterPaint(dom));
    };
    const obs = new MutationObserver(() => finish(false));
    obs.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    window.__afterFrameCallback = () => finish(true);
    finish(false);
  });
};

// Waits, in the page, until cell `i`'s output text is exactly `want[i]`
// for every listed cell; returns times relative to the last run keydown.
async function armOutputs(page, dom, want) {
  await page.evaluate(({ dom, want }) => {
    // Weir's page at this commit shows "Integrity error ..." in place of
    // every output (the page and the server disagree on the output hash;
    // see docs/benchmarks.md): a new such notice, painted for this run,
    // counts as the output, since the page did the same receive, verify and
    // paint work to put it there. Old ones are marked before the key.
    for (const e of document.querySelectorAll('[data-testid=integrity-error]')) e.dataset.benchOld = '1';
    const cond = () => {
      const cells = document.querySelectorAll(dom.cell);
      for (const [i, text] of want) {
        const o = cells[i]?.querySelector(dom.output);
        if (!o) return false;
        if (o.textContent.trim() === text) continue;
        const bad = o.querySelector('[data-testid=integrity-error]');
        if (bad && !bad.dataset.benchOld) continue;
        return false;
      }
      return true;
    };
    window.__bench.key = null;
    window.__pending = Promise.race([window.__until(cond), new Promise((_, rej) => setTimeout(() => {
      const cells = document.querySelectorAll(dom.cell);
      rej(new Error(`no new output in 60 s: ${cells.length} cells; ` + want.map(([i]) => `cell ${i} editor ${JSON.stringify(cells[i]?.querySelector(dom.editor)?.textContent)} output ${JSON.stringify(cells[i]?.querySelector(dom.output)?.textContent)}`).join('; ')));
    }, 60_000))]);
  }, { dom, want });
}
async function collect(page) {
  return page.evaluate(async () => {
    const r = await window.__pending;
    return { dom: r.dom - window.__bench.key, paint: r.paint - window.__bench.key };
  });
}

async function setCode(page, dom, index, code) {
  const ed = page.locator(dom.cell).nth(index).locator(`${dom.editor} .cm-content`);
  await ed.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(code);
  if (process.env.BENCH_DEBUG) console.error(`set cell ${index}: ${JSON.stringify(await ed.textContent())}`);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r1 = (x) => Math.round(x * 10) / 10;
function summary(xs) {
  return { n: xs.length, p50: r1(pct(xs, 50)), p95: r1(pct(xs, 95)), min: r1(Math.min(...xs)), max: r1(Math.max(...xs)) };
}

async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  await page.addInitScript(initScript);
  return page;
}

async function waitLoaded(page, dom, n) {
  await page.waitForFunction(({ dom, n }) => {
    const cells = document.querySelectorAll(dom.cell);
    return cells.length === n && [...cells].every((c) => c.querySelector(`${dom.editor} .cm-content`));
  }, { dom, n }, { timeout: T });
}

// Runs the key `reps` times, each time with a new value, until `want` holds.
async function timedRuns(page, tool, cellIndex, codeFor, wantFor, initial) {
  const dom = DOM[tool];
  // Every cell run once first, as a notebook in use is.
  if (tool === 'weir') await page.locator('[data-testid=run-all]').click();
  await page.waitForFunction(({ dom, want }) => {
    const cells = document.querySelectorAll(dom.cell);
    return want.every(([i, text]) => {
      const o = cells[i]?.querySelector(dom.output);
      return o?.textContent.trim() === text || !!o?.querySelector('[data-testid=integrity-error]');
    });
  }, { dom, want: initial }, { timeout: T });
  const dom_ = [], paint = [];
  for (let k = 0; k < WARM + REPS; k++) {
    const v = 1000 + k;
    await setCode(page, dom, cellIndex, codeFor(v));
    await armOutputs(page, dom, wantFor(v));
    await page.keyboard.press(dom.runKey);
    const t = await collect(page);
    if (k >= WARM) { dom_.push(t.dom); paint.push(t.paint); }
  }
  return { dom: summary(dom_), paint: summary(paint) };
}

async function measureTool(tool, browser) {
  const dir = join(work, tool);
  writeNotebooks(dir);
  const dom = DOM[tool];
  const results = { tool };

  // 1. Shift+Enter on a trivial cell; then memory, idle, with it open.
  if (MEASURES.includes('trivial')) {
    const server = await startServer(tool, dir, 'trivial.py');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await newPage(context);
    await page.goto(server.url, { timeout: T });
    await waitLoaded(page, dom, 1);
    if (process.env.BENCH_DEBUG) console.error(`${tool}: trivial page loaded`);
    results.trivial = await timedRuns(page, tool, 0, (v) => `x = ${v}\nx`, (v) => [[0, String(v)]], [[0, '1']]);
    console.log(JSON.stringify({ tool, measure: 'trivial', ...results.trivial }));
    // Idle: wait until the tree's RSS stops moving (two readings 1 s apart
    // within 1%), the notebook open in the page.
    let prev = memoryTree(server.child.pid);
    for (let i = 0; i < 10; i++) {
      await page.waitForTimeout(1000);
      const cur = memoryTree(server.child.pid);
      const settled = Math.abs(cur.rss_mib - prev.rss_mib) <= prev.rss_mib * 0.01;
      prev = cur;
      if (settled) break;
    }
    results.memory = prev;
    console.log(JSON.stringify({ tool, measure: 'memory', ...prev }));
    await context.close();
    await stopServer(server);
  }

  // 2. The root of ten dependents: edit + run it until all ten show the new value.
  if (MEASURES.includes('fan')) {
    const server = await startServer(tool, dir, 'fan.py');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await newPage(context);
    await page.goto(server.url, { timeout: T });
    await waitLoaded(page, dom, 11);
    results.fan = await timedRuns(page, tool, 0, (v) => `r = ${v}\nr`,
      (v) => Array.from({ length: 10 }, (_, i) => [i + 1, String(v + i)]),
      Array.from({ length: 10 }, (_, i) => [i + 1, String(1 + i)]));
    console.log(JSON.stringify({ tool, measure: 'fan10', ...results.fan }));
    await context.close();
    await stopServer(server);
  }

  // 3. Open the chain notebook: navigation start until every cell element
  // exists and shows its code (a CodeMirror editor, or Weir's stand-in <pre>
  // holding the code before the editor mounts near the viewport), and the
  // first cell's CodeMirror is mounted. Reported beside it: how many
  // CodeMirror editors existed at that moment.
  if (MEASURES.includes('open')) {
    const server = await startServer(tool, dir, 'chain.py', false);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const times = [], cms = [], allCode = [];
    for (let k = 0; k < OPENS + 1; k++) {
      const page = await newPage(context);
      await page.goto(server.url, { waitUntil: 'commit', timeout: T });
      const r = await page.evaluate(({ dom, n, capMs }) => new Promise((resolveP) => {
        // When each part of the condition first held, for the record.
        const stages = {};
        const stage = (k) => { stages[k] ??= Math.round(performance.now()); };
        const hasCode = (c) => !!c.querySelector(dom.editor)?.textContent.includes(' = ');
        // "Rendered": all n cell elements are in the DOM, and every cell in
        // the viewport shows its code in a mounted CodeMirror editor.
        const rendered = () => {
          const cells = document.querySelectorAll(dom.cell);
          if (cells.length > 0) stage('first_cell');
          if (cells.length !== n) return false;
          stage('all_cells');
          let shown = 0;
          for (const c of cells) {
            const r = c.getBoundingClientRect();
            if (r.bottom <= 0) continue;
            if (r.top >= innerHeight) break;
            if (!c.querySelector(`${dom.editor} .cm-content`) || !hasCode(c)) return false;
            shown++;
          }
          return shown > 0;
        };
        // Secondary: every cell's code is in the DOM (CodeMirror or a stand-in).
        const allCode = () => [...document.querySelectorAll(dom.cell)].every(hasCode);
        let t = null;
        const started = performance.now();
        const cap = capMs;
        const tick = () => {
          if (performance.now() - started > cap) {
            resolveP({ t: null, dom_t: null, capped_ms: cap, stages, cm: document.querySelectorAll(`${dom.cell} .cm-content`).length });
            return;
          }
          if (t === null && rendered()) {
            t = performance.now();
            requestAnimationFrame(() => {
              const ch = new MessageChannel();
              ch.port1.onmessage = () => { stages.rendered_painted = Math.round(performance.now()); tick2(); };
              ch.port2.postMessage(0);
            });
            return;
          }
          requestAnimationFrame(tick);
        };
        const tick2 = () => {
          if (allCode()) stage('all_code');
          if (stages.all_code || performance.now() - started > 60_000) {
            resolveP({ t: stages.rendered_painted, dom_t: Math.round(t), stages, cm: document.querySelectorAll(`${dom.cell} .cm-content`).length });
          } else requestAnimationFrame(tick2);
        };
        tick();
      }), { dom, n: CELLS, capMs: OPEN_CAP });
      if (k > 0 && r.t !== null) { times.push(r.t); cms.push(r.cm); allCode.push(r.stages.all_code ?? null); } // the first open warms the HTTP cache
      console.log(JSON.stringify({ tool, measure: 'open', k, ...r }));
      await page.close();
    }
    results.open = times.length === 0 ? { median: `not rendered in ${OPEN_CAP} ms` } : { ...summary(times), median: r1(median(times)), codemirrors: cms, all_code: allCode };
    console.log(JSON.stringify({ tool, measure: 'open_summary', ...results.open }));
    await context.close();
    await stopServer(server);
  }
  return results;
}

// chromium.launch gives the browser a fresh temporary profile of its own.
const browser = await chromium.launch({
  executablePath: process.env.WEIR_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: 90_000,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const all = [];
try {
  console.log(JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, mem_gib: +(totalmem() / 2 ** 30).toFixed(1), reps: REPS, opens: OPENS, cells: CELLS }));
  for (const tool of ['weir', 'marimo']) {
    if (ONLY && ONLY !== tool) continue;
    all.push(await measureTool(tool, browser));
  }
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}

console.log('\n| tool | trivial p50 / p95 (ms, paint) | 10 dependents p50 / p95 (ms, paint) | open 1,000 cells median (ms) | RSS / PSS (MiB) |');
console.log('|---|---:|---:|---:|---:|');
for (const r of all) {
  if (!r.trivial || !r.fan || !r.open) continue;
  console.log(`| ${r.tool} | ${r.trivial.paint.p50} / ${r.trivial.paint.p95} | ${r.fan.paint.p50} / ${r.fan.paint.p95} | ${r.open.median} | ${r.memory.rss_mib} / ${r.memory.pss_mib} |`);
}
