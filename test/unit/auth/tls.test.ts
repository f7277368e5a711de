import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsOptions } from '../../../lambdas/local/tls.js';
import { opensslAvailable, selfSignedCertificate } from '../../support/certificates.js';

const haveOpenssl = opensslAvailable();
if (!haveOpenssl) console.warn('tls.test.ts: skipped, the openssl binary is not available to make a test certificate');

let dir: string;
const selfSigned = (name: string) => selfSignedCertificate(dir, name);

describe.skipIf(!haveOpenssl)('loadTlsOptions', () => {
  let pair: { cert: string; key: string };
  let other: { cert: string; key: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bifrost-tls-'));
    pair = selfSigned('server');
    other = selfSigned('other');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with a certificate file and its key, and a client that trusts it sends Basic credentials', async () => {
    const options = loadTlsOptions(pair.cert, pair.key);
    let seen: string | undefined;
    const server = createServer(options, (req, res) => {
      seen = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: '/v1/info', ca: options.cert, servername: 'localhost', headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString()));
        });
        req.on('error', reject).end();
      });
      expect(body).toBe('ok');
      expect(seen).toBe('Basic YWxpY2U6c2VjcmV0');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a key that does not belong to the certificate, files that are not PEM, and missing files', () => {
    expect(() => loadTlsOptions(pair.cert, other.key)).toThrow(/is not the private key of the certificate/);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => loadTlsOptions(junk, pair.key)).toThrow(/is not a PEM certificate/);
    expect(() => loadTlsOptions(pair.cert, junk)).toThrow(/is not a PEM private key/);
    expect(() => loadTlsOptions(join(dir, 'missing.crt'), pair.key)).toThrow(/cannot read the TLS certificate .*ENOENT/);
  });
});
