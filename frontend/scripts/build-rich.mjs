// The rich-output libraries, built after the editor (npm run build) into
// dist/assets/rich/: classic scripts the editor adds to its page only when
// an output needs them, and that the HTML export inlines only into pages
// that need them (crates/export embeds the same files).
//   vega.js     Vega + Vega-Lite + vega-interpreter, defines WeirVega (rich/vega.ts)
//   plotly.js   plotly.js's cartesian bundle as published, defines Plotly
//   katex.js    KaTeX as published, defines katex
//   katex.css   KaTeX's CSS with its woff2 fonts inlined as data: URIs
//               (one file that works from the server and inside an export)
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'assets', 'rich');
mkdirSync(out, { recursive: true });
const pkg = (p) => join(root, 'node_modules', p);

await build({
  root,
  configFile: false,
  logLevel: 'warn',
  build: {
    outDir: out,
    emptyOutDir: false,
    target: 'es2022',
    reportCompressedSize: false,
    lib: { entry: join(root, 'rich', 'vega.ts'), formats: ['iife'], name: 'WeirVega', fileName: () => 'vega.js' },
  },
});

writeFileSync(join(out, 'plotly.js'), readFileSync(pkg('plotly.js-cartesian-dist-min/plotly-cartesian.min.js')));
writeFileSync(join(out, 'katex.js'), readFileSync(pkg('katex/dist/katex.min.js')));

// KaTeX's @font-face rules list woff2, woff and ttf; every browser Weir
// supports takes woff2, so only that one is kept, inlined.
const fonts = pkg('katex/dist/fonts');
const known = new Set(readdirSync(fonts));
let css = readFileSync(pkg('katex/dist/katex.min.css'), 'utf8');
css = css.replace(/src:url\(fonts\/([^)]+\.woff2)\) format\("woff2"\)(?:,url\([^)]+\) format\("[a-z]+"\))*/g, (_m, file) => {
  if (!known.has(file)) throw new Error(`katex.css names a font that is not in the package: ${file}`);
  const b64 = readFileSync(join(fonts, file)).toString('base64');
  return `src:url(data:font/woff2;base64,${b64}) format("woff2")`;
});
if (/url\(fonts\//.test(css)) throw new Error('katex.css still refers to font files after inlining');
writeFileSync(join(out, 'katex.css'), css);
