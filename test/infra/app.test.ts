/**
 * bin/bifrost.ts as the CDK CLI runs it (a child process; context arrives in CDK_CONTEXT_JSON):
 * a bad config is refused with every problem and its path before anything is synthesized.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const example = readFileSync(join(projectRoot, 'config/bifrost.example.yaml'), 'utf8');
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  outdir: string;
}

/** Runs the app like `cdk synth` does, with the given context and environment. */
function runApp(name: string, context: Record<string, unknown>, env: Record<string, string> = {}): Promise<Run> {
  const outdir = join(dir, `out-${name}`);
  const child = spawn(join(projectRoot, 'node_modules/.bin/tsx'), ['bin/bifrost.ts'], {
    cwd: projectRoot,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), BIFROST_CONFIG: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, outdir }));
  });
}

function configFile(name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

const synthesized = (run: Run) => existsSync(run.outdir) && readdirSync(run.outdir).some((f) => f.endsWith('.template.json'));

let runs: Record<'schema' | 'deployment' | 'yaml' | 'missing', Run>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bifrost-app-'));
  const schemaError = example.replace('targetDpus: 24', 'targetDpus: 10').replace('targets: [critical-a, critical-b, adhoc]', 'targets: [critical-a, nope, adhoc]').replace('statementMemoryMb: 1769', 'statementMemoryMb: 256');
  const deploymentError = example.replace(/^ {2}certificateArn: .*$/m, '').replace('allowedCidrs: [10.0.0.0/8]', 'allowedCidrs: []');
  const [schema, deployment, yaml, missing] = await Promise.all([
    runApp('schema', { config: configFile('schema', schemaError) }),
    // The environment variable is the fallback when no -c config=... is given.
    runApp('deployment', {}, { BIFROST_CONFIG: configFile('deployment', deploymentError) }),
    runApp('yaml', { config: configFile('yaml', 'version: 1\ntargets: [unclosed\n') }),
    runApp('missing', { config: join(dir, 'no-such-file.yaml') }),
  ]);
  runs = { schema: schema!, deployment: deployment!, yaml: yaml!, missing: missing! };
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bin/bifrost.ts refuses a bad config before synth', () => {
  it('lists every schema problem with its path', () => {
    const { code, stderr } = runs.schema;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/Bifrost: .*schema\.yaml cannot be deployed; nothing was synthesized:/);
    expect(stderr).toContain('  - capacityReservations.bifrost-critical.targetDpus: must be a multiple of 4 and at least 4 (got 10)');
    expect(stderr).toContain("  - routingGroups.critical.targets.1: unknown target 'nope'");
    expect(stderr).toMatch(/ {2}- deployment\.statementMemoryMb: .*512/);
    expect(synthesized(runs.schema)).toBe(false);
  });

  it('lists the deployment problems of a schema-valid config (from BIFROST_CONFIG)', () => {
    const { code, stderr } = runs.deployment;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/deployment\.yaml cannot be deployed/);
    expect(stderr).toContain('  - deployment.certificateArn: an ACM certificate is needed for the HTTPS endpoint');
    expect(stderr).toContain('  - deployment.allowedCidrs: no client could reach the load balancer');
    expect(synthesized(runs.deployment)).toBe(false);
  });

  it('says when the file is not YAML, or cannot be read', () => {
    expect(runs.yaml.code).not.toBe(0);
    expect(runs.yaml.stderr).toContain('(file): not valid YAML or JSON');
    expect(runs.missing.code).not.toBe(0);
    expect(runs.missing.stderr).toMatch(/no-such-file\.yaml cannot be deployed.*\n {2}- \(file\): cannot be read: ENOENT/);
    expect(synthesized(runs.yaml) || synthesized(runs.missing)).toBe(false);
  });

  it('prints no stack trace for a refused config', () => {
    for (const run of Object.values(runs)) expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('bin/bifrost.ts with the example config', () => {
  it('synthesizes offline with cdk-nag on, without context lookups (bundling skipped here; stack.test.ts bundles)', async () => {
    const run = await runApp('example', { config: join(projectRoot, 'config/bifrost.example.yaml'), 'aws:cdk:bundling-stacks': [] }, { CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '', AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expect(run.stderr).not.toMatch(/AwsSolutions|Error/);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(run.outdir, 'manifest.json'), 'utf8')) as { missing?: unknown[]; artifacts: Record<string, { environment?: string }> };
    expect(manifest.missing ?? []).toEqual([]);
    // The Region comes from the certificate; the account stays open.
    expect(manifest.artifacts['Bifrost-production']?.environment).toBe('aws://unknown-account/us-east-1');
  }, 120_000);
});
