import { readFileSync } from 'node:fs';
import { parseConfigText, type BifrostConfig } from '../core/config/schema.js';

/**
 * The environment variables of Bifrost's Lambda functions, in one place: the handlers read them
 * here, and the stack sets them by these names. Core code never reads the environment.
 */
export const ENV = {
  /** Name of the DynamoDB queries table. */
  QUERIES_TABLE: 'QUERIES_TABLE',
  /** Path of the Bifrost config file (YAML or JSON) shipped with the function. */
  CONFIG_FILE: 'CONFIG_FILE',
  /** The Bifrost config itself (JSON or YAML text); wins over CONFIG_FILE. */
  CONFIG_JSON: 'CONFIG_JSON',
  /** Name of the DynamoDB config table (run-time routing changes, cluster health). */
  CONFIG_TABLE: 'CONFIG_TABLE',
  /** Name of the DynamoDB users table (password authentication). */
  USERS_TABLE: 'USERS_TABLE',
  /** Secrets Manager secret holding the key that signs nextUri tokens. */
  PAGE_TOKEN_SECRET_ARN: 'PAGE_TOKEN_SECRET_ARN',
  /** ARN of the load balancer, checked as the signer of ALB OIDC tokens (admin). */
  LOAD_BALANCER_ARN: 'LOAD_BALANCER_ARN',
  /** Read by Powertools itself: the service name in logs and metrics. */
  POWERTOOLS_SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  /** Read by Powertools itself: the CloudWatch namespace of the metrics. */
  POWERTOOLS_METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

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
