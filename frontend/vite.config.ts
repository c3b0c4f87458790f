import { createHash } from 'node:crypto';
import { defineConfig } from 'vite';
import { SIZER_SCRIPT } from './src/frame.ts';

// Stable names (assets/index.js, assets/index.css): the server embeds
// dist/ as it is and CI checks the committed build matches the sources.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: false,
    reportCompressedSize: true,
    // One file on purpose (the server embeds it). The chart and math
    // libraries are not chunks of it: scripts/build-rich.mjs builds them as
    // classic scripts in dist/assets/rich/ (loaded on demand; the HTML
    // export inlines the same files).
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/index.js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
    },
  },
  // The socket worker (src/socket-worker.ts): a file of its own, stable name.
  worker: {
    format: 'es',
    rollupOptions: {
      output: {
        entryFileNames: 'assets/[name].js',
        chunkFileNames: 'assets/[name].js',
      },
    },
  },
  plugins: [
    {
      name: 'weir-csp',
      // The hash the server's CSP names so the output frames' sizer script runs.
      generateBundle() {
        const sha = createHash('sha256').update(SIZER_SCRIPT, 'utf8').digest('base64');
        this.emitFile({
          type: 'asset',
          fileName: 'csp.json',
          source: `${JSON.stringify({ script_src_hashes: [`'sha256-${sha}'`] }, null, 2)}\n`,
        });
      },
    },
  ],
});
