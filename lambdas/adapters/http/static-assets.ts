import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { GatewayRequest, GatewayResponse } from '../../core/ports/index.js';

/** The admin page's built files (vite build of lambdas/admin-ui), served under /admin/. */
export const ADMIN_PAGE_PREFIX = '/admin';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Everything from the page's own origin, nothing framed, no inline script. */
export const ADMIN_PAGE_HEADERS: Record<string, string[]> = pageHeaders();

/**
 * What the page's build writes where each response's nonce goes (vite's html.cspNonce): the
 * page's code editor (CodeMirror) adds its styles in a <style> element, which it marks with the
 * nonce it reads from <meta property="csp-nonce">. A fresh nonce a response admits that element
 * and no other inline style; scripts stay 'self' only.
 */
export const CSP_NONCE_PLACEHOLDER = 'BIFROST_CSP_NONCE';

function pageHeaders(styleNonce?: string): Record<string, string[]> {
  const styles = styleNonce ? `'self' 'nonce-${styleNonce}'` : "'self'";
  return {
    'Content-Security-Policy': [`default-src 'self'; script-src 'self'; style-src ${styles}; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'`],
    'X-Frame-Options': ['DENY'],
    'X-Content-Type-Options': ['nosniff'],
    'Referrer-Policy': ['no-referrer'],
  };
}

/**
 * Serves files of one folder for GET/HEAD under /admin: /admin and /admin/ give index.html, and
 * a path that leaves the folder is never read. Undefined for other paths.
 */
export function staticAssets(root: string): (request: GatewayRequest) => Promise<GatewayResponse | undefined> {
  const base = normalize(root + sep);
  return async (request) => {
    if (request.path !== ADMIN_PAGE_PREFIX && !request.path.startsWith(`${ADMIN_PAGE_PREFIX}/`)) return undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, headers: { Allow: ['GET, HEAD'], 'Content-Type': ['text/plain; charset=utf-8'] }, body: 'Method not allowed' };
    if (request.path === ADMIN_PAGE_PREFIX) return { status: 302, headers: { Location: [`${ADMIN_PAGE_PREFIX}/`] }, body: '' };
    let relative: string;
    try {
      relative = decodeURIComponent(request.path.slice(ADMIN_PAGE_PREFIX.length + 1));
    } catch {
      return notFound();
    }
    // The single-page app's own routes (/admin/history...) all load index.html.
    if (!extname(relative)) relative = 'index.html';
    const file = normalize(join(base, relative));
    if (!file.startsWith(base) || relative.includes('\0')) return notFound();
    const type = TYPES[extname(file)];
    if (!type) return notFound();
    try {
      const body = await readFile(file);
      const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      if (relative === 'index.html') {
        const nonce = randomBytes(16).toString('base64');
        return { status: 200, headers: { 'Content-Type': [type], 'Cache-Control': [cache], ...pageHeaders(nonce) }, body: body.toString('utf8').replaceAll(CSP_NONCE_PLACEHOLDER, nonce) };
      }
      return { status: 200, headers: { 'Content-Type': [type], 'Cache-Control': [cache], ...ADMIN_PAGE_HEADERS }, body };
    } catch {
      if (relative === 'index.html') return { status: 404, headers: { 'Content-Type': ['text/plain; charset=utf-8'] }, body: 'The admin page is not built: run npm run build:admin' };
      return notFound();
    }
  };
}

function notFound(): GatewayResponse {
  return { status: 404, headers: { 'Content-Type': ['text/plain; charset=utf-8'] }, body: 'Not found' };
}
