import { describe, expect, it } from 'vitest';
import { athenaClientsFromEnv } from '../../../../lambdas/adapters/aws/athena/local.js';

async function endpointOf(client: { config: { endpoint?: () => Promise<{ hostname: string; port?: number; protocol: string; path: string }> } }): Promise<string | undefined> {
  if (!client.config.endpoint) return undefined;
  const e = await client.config.endpoint();
  return `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`;
}

describe('local mode clients', () => {
  it('honours the standard endpoint variables, with path-style S3 on a custom endpoint', async () => {
    const { athena, s3, glue } = athenaClientsFromEnv({
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_ATHENA: 'http://localhost:4566',
      AWS_ENDPOINT_URL_S3: 'http://localhost:9000',
    });
    expect(await athena.config.region()).toBe('eu-west-1');
    expect(await endpointOf(athena as never)).toBe('http://localhost:4566/');
    expect(await endpointOf(s3 as never)).toBe('http://localhost:9000/');
    expect(s3.config.forcePathStyle).toBe(true);
    expect(await endpointOf(glue as never)).toBeUndefined();
  });

  it('uses AWS_ENDPOINT_URL for every service, and the default region chain without a region', async () => {
    const { athena, s3 } = athenaClientsFromEnv({ AWS_DEFAULT_REGION: 'us-east-2', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' });
    expect(await athena.config.region()).toBe('us-east-2');
    expect(await endpointOf(s3 as never)).toBe('http://127.0.0.1:5000/');
    const plain = athenaClientsFromEnv({ AWS_REGION: 'us-east-1' });
    expect(plain.s3.config.forcePathStyle).toBeFalsy();
  });
});
