import { readFileSync } from 'node:fs';
import { ENV, type EnvName } from '../contract.js';
import { parseConfigText, type BifrostConfig } from '../core/config/schema.js';

/** The environment variables of Bifrost's Lambda functions are named in the contract with the stack. */
export { ENV, type EnvName } from '../contract.js';

type Environment = Record<string, string | undefined>;

/** The value of a variable the function cannot run without. */
export function requireEnv(name: EnvName, env: Environment = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** The validated, frozen config from CONFIG_JSON, or else from the file named by CONFIG_FILE. */
export function loadConfig(env: Environment = process.env): BifrostConfig {
  const inline = env[ENV.CONFIG_JSON];
  if (inline !== undefined && inline.trim() !== '') return parseConfigText(inline);
  const file = env[ENV.CONFIG_FILE];
  if (file === undefined || file.trim() === '') throw new Error(`Set ${ENV.CONFIG_JSON} or ${ENV.CONFIG_FILE} to the Bifrost config`);
  return parseConfigText(readFileSync(file, 'utf8'));
}

/**
 * The tables a function is given. Only the queries table is given to every function; the event
 * function is given no other, and nothing it builds ever reads them (an empty name would fail loudly).
 */
export function tablesFromEnv(env: Environment = process.env): { queries: string; config: string; users: string } {
  return { queries: requireEnv(ENV.QUERIES_TABLE, env), config: env[ENV.CONFIG_TABLE] ?? '', users: env[ENV.USERS_TABLE] ?? '' };
}

/** The bucket of spooled result segments, when the stack gave one (the statement function and the sweeper). */
export function spoolBucketFromEnv(env: Environment = process.env): string | undefined {
  const bucket = env[ENV.SPOOL_BUCKET];
  return bucket && bucket.trim() !== '' ? bucket : undefined;
}
