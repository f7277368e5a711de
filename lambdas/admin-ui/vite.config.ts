import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The admin page: preact, bundled whole (no CDN), served under /admin/ by the admin function and the local server. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // The server puts a fresh nonce here in each answer (static-assets.ts): the code editor's <style> element carries it.
  html: { cspNonce: 'BIFROST_CSP_NONCE' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', modulePreload: { polyfill: false } },
});
