import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ClusterCredentials, ClusterCredentialsProvider } from '../../core/engines/cluster/index.js';

/**
 * A cluster's credentials from a Secrets Manager secret: JSON with `user` (or `username`) and
 * `password`, or `token` for a bearer token. Read once, cached for `ttlMs`, read again at once
 * when the cluster answers 401 (the secret was rotated). Concurrent reads share one call.
 */
export function secretsManagerClusterCredentials(client: SecretsManagerClient, secretId: string, options: { ttlMs?: number; clock?: () => number } = {}): ClusterCredentialsProvider {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.clock ?? Date.now;
  let cached: { value: ClusterCredentials; at: number } | undefined;
  let pending: Promise<ClusterCredentials> | undefined;

  const read = async (): Promise<ClusterCredentials> => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (!text) throw new Error(`Secret ${secretId} has no value`);
    return parseClusterSecret(text, secretId);
  };

  return async (request) => {
    if (cached && !request?.refresh && now() - cached.at < ttlMs) return cached.value;
    pending ??= read()
      .then((value) => {
        cached = { value, at: now() };
        return value;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

export function parseClusterSecret(text: string, secretId = 'the secret'): ClusterCredentials {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`Secret ${secretId} is not JSON: expected {"user","password"} or {"token"}`);
  }
  if (typeof json.token === 'string' && json.token) return { token: json.token };
  const user = typeof json.user === 'string' ? json.user : typeof json.username === 'string' ? json.username : undefined;
  if (!user) throw new Error(`Secret ${secretId} has no user: expected {"user","password"} or {"token"}`);
  return { user, password: typeof json.password === 'string' ? json.password : '' };
}
