import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The admin page: preact, bundled whole (no CDN), served under /admin/ by the admin function and the local server. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', modulePreload: { polyfill: false } },
});
