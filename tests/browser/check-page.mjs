// Opens an exported page in Debian's Chromium (never a downloaded browser:
// this uses playwright-core, which ships none) and checks what a person
// would see. Usage: node check-page.mjs SPEC.json
//
// SPEC: {"page": "/abs/out.html",
//        "texts": ["visible text", ...],          // each must be in the page's rendered text
//        "absent": ["text", ...],                 // each must NOT be in the rendered text
//        "selectors": [{"selector": "table td", "min": 2}, ...],  // count >= min, first visible
//        "no_selectors": ["script"],              // none of these may match
//        "title": "Page title",                   // document.title, if given
//        "min_images": 1,                         // at least this many <img>, every one decoded
//        "wait_for": ["svg.marks"]}               // wait (30 s each) for what scripts draw after load
// Exits 0 when every check holds, 1 with one line per failure otherwise,
// 2 when the browser cannot be started.
import { readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { executablePath, launch } from './chromium.mjs';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const failures = [];

let context;
let userDataDir;
try {
  ({ context, userDataDir } = await launch(chromium, 'page'));
} catch (err) {
  console.error(`cannot start ${executablePath}: ${err.message}`);
  process.exit(2);
}

try {
  const page = context.pages()[0] ?? (await context.newPage());
  // The page must be self-contained: anything but the file itself and
  // data: URIs is a failure (and is never let out).
  const pageUrl = pathToFileURL(spec.page).href;
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === pageUrl || url.startsWith('data:')) return route.continue();
    failures.push(`the page requested ${url}`);
    return route.abort();
  });
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(pageUrl, { waitUntil: 'load', timeout: 60_000 });
  for (const selector of spec.wait_for ?? []) {
    try {
      await page.waitForSelector(selector, { state: 'attached', timeout: 30_000 });
    } catch {
      failures.push(`never appeared: ${selector}`);
    }
  }

  const text = await page.locator('body').innerText();
  for (const wanted of spec.texts ?? []) {
    if (!text.includes(wanted)) failures.push(`visible text missing: ${JSON.stringify(wanted)}`);
  }
  for (const unwanted of spec.absent ?? []) {
    if (text.includes(unwanted)) failures.push(`text should not be visible: ${JSON.stringify(unwanted)}`);
  }
  for (const { selector, min } of spec.selectors ?? []) {
    const found = page.locator(selector);
    const count = await found.count();
    if (count < (min ?? 1)) {
      failures.push(`${selector}: ${count} element(s), wanted at least ${min ?? 1}`);
    } else if (!(await found.first().isVisible())) {
      failures.push(`${selector}: not visible`);
    }
  }
  for (const selector of spec.no_selectors ?? []) {
    const count = await page.locator(selector).count();
    if (count > 0) failures.push(`${selector}: ${count} element(s), wanted none`);
  }
  if (spec.title != null && (await page.title()) !== spec.title) {
    failures.push(`title is ${JSON.stringify(await page.title())}, wanted ${JSON.stringify(spec.title)}`);
  }
  const images = await page.$$eval('img', (imgs) =>
    imgs.map((img) => ({ src: img.src.slice(0, 40), complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })));
  if (images.length < (spec.min_images ?? 0)) {
    failures.push(`${images.length} image(s), wanted at least ${spec.min_images}`);
  }
  for (const img of images) {
    if (!img.complete || img.width === 0) failures.push(`image did not decode: ${img.src}...`);
  }
  for (const message of errors) failures.push(`script error on the page: ${message}`);
  console.log(JSON.stringify({ page: spec.page, images, text_chars: text.length }));
} catch (err) {
  failures.push(`while checking: ${err.message}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

for (const failure of failures) console.error(`FAIL ${failure}`);
process.exit(failures.length === 0 ? 0 : 1);
