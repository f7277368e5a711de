import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface TlsOptions {
  /** PEM certificate chain: the server certificate first. */
  cert: Buffer;
  /** PEM private key of the server certificate. */
  key: Buffer;
}

/**
 * Reads a PEM certificate and key for the local server's HTTPS listener (JDBC and the Trino CLI
 * send passwords and tokens over HTTPS only), checking that they parse and belong together so a
 * mismatch is reported at start-up and not as a TLS alert in a client. The result goes straight
 * into `https.createServer(options, handler)`.
 */
export function loadTlsOptions(certFile: string, keyFile: string): TlsOptions {
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'private key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`${certFile} is not a PEM certificate: ${(error as Error).message}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`${keyFile} is not a PEM private key (an encrypted key is not supported): ${(error as Error).message}`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new Error(`${keyFile} is not the private key of the certificate in ${certFile}`);
  const now = Date.now();
  if (Date.parse(certificate.validTo) < now) throw new Error(`the certificate in ${certFile} expired on ${certificate.validTo}`);
  return { cert, key };
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
