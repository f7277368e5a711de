import { App } from 'aws-cdk-lib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV, SPOOL_PREFIX, SPOOL_RETENTION_DAYS } from '../../lambdas/contract.js';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { addBifrostStacks, FEATURE_FLAGS } from '../../lib/app.js';
import type { BifrostStack } from '../../lib/bifrost-stack.js';

/** What the stack gives the spooling protocol: a lifecycle rule, the bucket's name, and S3 rights on the spool prefix only. */
type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const configFile = join(projectRoot, 'config/bifrost.example.yaml');
let outdir: string;
let stack: BifrostStack;
let resources: Record<string, Resource>;

const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
const statementsOf = (fn: { role?: unknown }): Statement[] => {
  const role = logicalId(fn.role as { node: { defaultChild?: unknown } });
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'bifrost-spool-infra-'));
  const config = parseConfigText(readFileSync(configFile, 'utf8'));
  // No bundling: what is checked here is the bucket's rules and the grants, not the bundles (stack.test.ts bundles).
  const app = new App({ outdir, postCliContext: { ...FEATURE_FLAGS }, context: { 'aws:cdk:bundling-stacks': [] } });
  stack = addBifrostStacks(app, { config, configFile, projectRoot, env: { region: 'us-east-1' } }).gateway;
  const assembly = app.synth();
  resources = (assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, Resource> }).Resources;
}, 300_000);
afterAll(() => outdir && rmSync(outdir, { recursive: true, force: true }));

describe('spooled segments in the stack', () => {
  it('expires the spool prefix of the result bucket after a day', () => {
    const bucket = resources[logicalId(stack.athena.resultBucket)]!;
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: { Prefix?: string; ExpirationInDays?: number; Status: string }[] }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: SPOOL_PREFIX, ExpirationInDays: SPOOL_RETENTION_DAYS, Status: 'Enabled' }));
  });

  it('names the bucket to the statement function and the sweeper', () => {
    for (const fn of [stack.functions.statement, stack.functions.sweeper]) {
      const variables = (resources[logicalId(fn.function)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(JSON.stringify(variables[ENV.SPOOL_BUCKET])).toContain(logicalId(stack.athena.resultBucket));
    }
  });

  it('lets the statement function delete objects under the spool prefix only', () => {
    const deletes = statementsOf(stack.functions.statement.function).filter((s) => actions(s).includes('s3:DeleteObject'));
    expect(deletes).toHaveLength(1);
    expect(actions(deletes[0]!).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(JSON.stringify(deletes[0]!.Resource)).toContain(`/${SPOOL_PREFIX}*`);
  });

  it('lets the sweeper list and delete under the spool prefix only, and nothing else in S3', () => {
    const s3 = statementsOf(stack.functions.sweeper.function).filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(actions).sort()).toEqual(['s3:DeleteObject', 's3:ListBucket']);
    const list = s3.find((s) => actions(s).includes('s3:ListBucket'))!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': [`${SPOOL_PREFIX}*`] } });
    expect(JSON.stringify(s3.find((s) => actions(s).includes('s3:DeleteObject'))!.Resource)).toContain(`/${SPOOL_PREFIX}*`);
  });

  it('gives the other functions no access to the spool prefix', () => {
    const others = [stack.functions.athenaEvents.function, ...(stack.functions.admin ? [stack.functions.admin.function] : [])];
    for (const fn of others) expect(statementsOf(fn).flatMap(actions).filter((a) => a === 's3:DeleteObject')).toEqual([]);
  });
});
