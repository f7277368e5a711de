/**
 * bin/bifrost.ts as the CDK CLI runs it (a child process; context arrives in CDK_CONTEXT_JSON):
 * a bad config, the example's placeholders included, is refused with every problem and its path
 * before anything is synthesized. Also the checks it runs, and the physical names, on their own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, deploymentProblems, parseConfigText } from '../../lambdas/core/config/schema.js';
import { physicalNameProblems, physicalNames, resolvedConfigText } from '../../lib/physical-names.js';

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

/** The example with its three placeholders filled in, as a new user would. */
const filled = (text: string) =>
  text
    .replace('https://bifrost.example.com', 'https://bifrost.acme.io')
    .replace('123456789012:certificate/00000000-0000-0000-0000-000000000000', '444455556666:certificate/8c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5')
    .replace('allowedCidrs: [203.0.113.0/24]', 'allowedCidrs: [198.18.0.0/15]');

let runs: Record<'schema' | 'deployment' | 'yaml' | 'missing' | 'example' | 'network', Run>;
/** The three configs that synthesize, run in beforeAll next to the refused ones (a child process each). */
let synths: Record<'filled' | 'reserved' | 'athenaOnly', Run>;

/** Synth as an offline `cdk synth` without bundling (stack.test.ts bundles): no account or Region from the environment. */
const offline = { CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '', AWS_REGION: '', AWS_DEFAULT_REGION: '' };

const reservedConfig = () =>
  filled(example)
    .replace(/(workgroup: critical-[ab]\n(?: +#.*\n)?) +capacity: on-demand/g, '$1    capacity: provisioned')
    .replace('# capacityReservations:\n#   critical:\n#     targetDpus: 24\n#     targets: [critical-a, critical-b]', 'capacityReservations:\n  critical:\n    targetDpus: 24\n    targets: [critical-a, critical-b]');

const athenaOnlyConfig = () =>
  filled(example)
    .replace(/ {2}legacy-trino:\n(?: {4}.*\n)+/, '')
    .replace(/ {2}legacy:\n(?: {4}.*\n)+/, '')
    .replace(/ {2}- name: legacy-team\n(?: {4}.*\n)+/, '');

/** Runs tasks with at most `limit` child processes at a time (each loads aws-cdk-lib). */
async function limited<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bifrost-app-'));
  const schemaError = example
    .replace('# capacityReservations:\n#   critical:\n#     targetDpus: 24', 'capacityReservations:\n  critical:\n    targetDpus: 10')
    .replace('#     targets: [critical-a, critical-b]', '    targets: [critical-a, critical-b]')
    .replace('targets: [critical-a, critical-b, adhoc]', 'targets: [critical-a, nope, adhoc]')
    .replace('statementMemoryMb: 1769', 'statementMemoryMb: 256');
  const deploymentError = example.replace(/^ {2}certificateArn: .*$/m, '').replace('allowedCidrs: [203.0.113.0/24]', 'allowedCidrs: []');
  // Internal in a new VPC of no chosen range, and internet-facing open to private ranges only.
  const networkError = `${filled(example).replace('internetFacing: true', 'internetFacing: false')}\n# and\n`;
  // Every child process of this file, a few at a time, the three that synthesize (the longest) first.
  const [filledRun, reserved, athenaOnly, schema, deployment, yaml, missing, exampleRun, network] = await limited(4, [
    () => runApp('filled', { config: configFile('filled', filled(example)), 'aws:cdk:bundling-stacks': [] }, offline),
    () => runApp('reserved', { config: configFile('reserved', reservedConfig()), 'aws:cdk:bundling-stacks': [] }, offline),
    () => runApp('athena-only', { config: configFile('athena-only', athenaOnlyConfig()), 'aws:cdk:bundling-stacks': [] }, offline),
    () => runApp('schema', { config: configFile('schema', schemaError) }),
    // The environment variable is the fallback when no -c config=... is given.
    () => runApp('deployment', {}, { BIFROST_CONFIG: configFile('deployment', deploymentError) }),
    () => runApp('yaml', { config: configFile('yaml', 'version: 1\ntargets: [unclosed\n') }),
    () => runApp('missing', { config: join(dir, 'no-such-file.yaml') }),
    () => runApp('example', { config: join(projectRoot, 'config/bifrost.example.yaml') }),
    () => runApp('network', { config: configFile('network', networkError) }),
  ]);
  runs = { schema: schema!, deployment: deployment!, yaml: yaml!, missing: missing!, example: exampleRun!, network: network! };
  synths = { filled: filledRun!, reserved: reserved!, athenaOnly: athenaOnly! };
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bin/bifrost.ts refuses a bad config before synth', () => {
  it('lists every schema problem with its path', () => {
    const { code, stderr } = runs.schema;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/Bifrost: .*schema\.yaml cannot be deployed; nothing was synthesized:/);
    expect(stderr).toContain('  - capacityReservations.critical.targetDpus: must be a multiple of 4 and at least 4 (got 10)');
    // The example's critical targets are on-demand until the reservation is switched on.
    expect(stderr).toContain("  - capacityReservations.critical.targets.0: target 'critical-a' has capacity 'on-demand'; set capacity: provisioned");
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

  it('refuses the example as it ships: its certificate, host name and client range are placeholders, each with what to put there', () => {
    const { code, stderr } = runs.example;
    expect(code).not.toBe(0);
    const problems = stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(problems).toEqual([
      expect.stringMatching(/^ {2}- deployment\.certificateArn: arn:aws:acm:us-east-1:123456789012:certificate\/0{8}-.* is a placeholder .*`aws acm request-certificate --domain-name bifrost\.example\.com --validation-method DNS --region us-east-1`.*CertificateArn/),
      expect.stringMatching(/^ {2}- gateway\.publicUrl: bifrost\.example\.com is a placeholder; use the host name clients will connect to, one your certificate covers/),
      expect.stringMatching(/^ {2}- deployment\.allowedCidrs: 203\.0\.113\.0\/24 is a documentation range that no client has; list your clients' ranges \(their public addresses/),
    ]);
    expect(synthesized(runs.example)).toBe(false);
  });

  it('refuses an internal load balancer in a new VPC whose range nobody chose', () => {
    const { code, stderr } = runs.network;
    expect(code).not.toBe(0);
    expect(stderr.split('\n').filter((l) => l.startsWith('  - '))).toEqual([expect.stringMatching(/^ {2}- deployment\.vpcCidr: an internal load balancer in a new VPC is reachable only from networks you connect to that VPC .*deployment\.vpcId.*internetFacing: true/)]);
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

describe('bin/bifrost.ts with the example config, its placeholders filled in', () => {
  it('synthesizes offline with cdk-nag on, without context lookups (bundling skipped here; stack.test.ts bundles)', () => {
    const run = synths.filled;
    expect(run.stderr).not.toMatch(/AwsSolutions|Error/);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(run.outdir, 'manifest.json'), 'utf8')) as { missing?: unknown[]; artifacts: Record<string, { environment?: string; type: string }> };
    expect(manifest.missing ?? []).toEqual([]);
    // The Region comes from the certificate; the account stays open. No reservations: one stack.
    expect(manifest.artifacts['Bifrost-production']?.environment).toBe('aws://unknown-account/us-east-1');
    expect(Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack').map(([id]) => id)).toEqual(['Bifrost-production']);
  });

  it('adds the capacity stack, after the gateway\'s, when the reservation is switched on', () => {
    expect(reservedConfig()).toContain('capacityReservations:\n  critical:\n    targetDpus: 24');
    const run = synths.reserved;
    expect(run.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(run.outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; dependencies?: string[]; environment?: string }> };
    const capacity = manifest.artifacts['Bifrost-production-Capacity']!;
    expect(capacity).toMatchObject({ type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/us-east-1' });
    expect(capacity.dependencies).toContain('Bifrost-production');
    expect(manifest.artifacts['Bifrost-production']!.dependencies ?? []).not.toContain('Bifrost-production-Capacity');
  });
});

describe('bin/bifrost.ts with an Athena-only config', () => {
  it('runs no function in the VPC, so the VPC has no NAT gateway, no interface endpoint and no route out', () => {
    expect(athenaOnlyConfig()).not.toContain('trino.internal');
    const run = synths.athenaOnly;
    expect(run.stderr).not.toMatch(/AwsSolutions|Error/);
    expect(run.code).toBe(0);
    const resources = Object.values((JSON.parse(readFileSync(join(run.outdir, 'Bifrost-production.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }).Resources);
    const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Environment ?? {}).includes('bifrost-'));
    expect(functions).toHaveLength(4);
    expect(functions.filter((f) => f.Properties.VpcConfig)).toEqual([]);
    expect(resources.filter((r) => r.Type === 'AWS::EC2::NatGateway' || (r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Interface'))).toEqual([]);
    expect(resources.filter((r) => r.Type === 'AWS::EC2::SecurityGroup').map((r) => r.Properties.GroupDescription)).toEqual([expect.stringMatching(/load balancer/)]);
  });
});

describe('deploymentProblems and physicalNameProblems (what bin/bifrost.ts refuses)', () => {
  const problems = (text: string) => {
    const config = parseConfigText(text);
    return [...deploymentProblems(config), ...physicalNameProblems(config)];
  };

  it('accept the example once its placeholders are filled in', () => {
    expect(problems(filled(example))).toEqual([]);
  });

  it('refuse an internet-facing load balancer open to private ranges only: it sees public addresses', () => {
    expect(problems(filled(example).replace('allowedCidrs: [198.18.0.0/15]', 'allowedCidrs: [10.0.0.0/8, 192.168.0.0/16]'))).toEqual([
      expect.stringMatching(/^deployment\.allowedCidrs: an internet-facing load balancer sees its clients' public addresses, so 10\.0\.0\.0\/8, 192\.168\.0\.0\/16 would admit nobody/),
    ]);
    // Internal, in a VPC of a chosen range, the same ranges are fine.
    expect(problems(filled(example).replace('allowedCidrs: [198.18.0.0/15]', 'allowedCidrs: [10.0.0.0/8]').replace('internetFacing: true', 'internetFacing: false\n  vpcCidr: 10.40.0.0/16'))).toEqual([]);
  });

  it('refuse a certificate ARN that is not one, a missing publicUrl with HTTPS, and a range for an existing VPC', () => {
    const text = filled(example)
      .replace('444455556666:certificate/8c1f2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5', '444455556666:certificate/REPLACE-ME')
      .replace(/^ {2}publicUrl: .*$/m, '')
      .replace('internetFacing: true', 'internetFacing: true\n  vpcId: vpc-0abc\n  vpcCidr: 10.40.0.0/16');
    expect(problems(text)).toEqual([
      expect.stringMatching(/^deployment\.certificateArn: arn:aws:acm:us-east-1:444455556666:certificate\/REPLACE-ME is not an ACM certificate ARN/),
      expect.stringMatching(/^gateway\.publicUrl: set it to https:\/\/<a host name your certificate covers>/),
      expect.stringMatching(/^deployment\.vpcCidr: only for a new VPC/),
    ]);
  });

  it('refuse a partition projection template outside the data locations, and names the prefix makes too long', () => {
    const text = filled(example)
      .replace('dt: { type: date,', 'dt: { type: date,')
      .replace('              dt: { type: date, range: ["2020-01-01", "NOW"], format: yyyy-MM-dd, interval: 1, unit: DAYS }', '              dt: { type: date, range: ["2020-01-01", "NOW"], format: yyyy-MM-dd }\n            locationTemplate: s3://other-bucket/orders/${dt}/')
      .replace('workgroup: adhoc', `workgroup: ${'a'.repeat(120)}`);
    expect(problems(text)).toEqual([
      'glue.databases.sales.tables.orders.projection.locationTemplate: s3://other-bucket/orders/${dt}/ is not under any of deployment.dataLocations, so queries could not read it; add it there',
      expect.stringMatching(/^targets\.adhoc\.workgroup: with the name prefix 'production' the workgroup's name production-a{120} is longer than Athena's 128 characters/),
    ]);
  });

  it('cap maxPageBytes where a quote-heavy page, escaped once more in the Lambda response, stays under the load balancer\'s 1 MB', () => {
    const at = (bytes: number) => filled(example).replace('  pricePerTerabyteUsd: 5', `  pricePerTerabyteUsd: 5\n  maxPageBytes: ${bytes}`);
    expect(parseConfigText(at(450_000)).gateway.maxPageBytes).toBe(450_000);
    expect(() => parseConfigText(at(900_000))).toThrow(/gateway\.maxPageBytes/);
    // The worst case: a page of rows that are all quotes, which the row JSON (what the cap counts)
    // and then the Lambda response's JSON each escape.
    const response = (pageBytes: number) => {
      const row = JSON.stringify(['"'.repeat(Math.floor((pageBytes - 6) / 2))]);
      return Buffer.byteLength(JSON.stringify({ statusCode: 200, isBase64Encoded: false, body: `{"data":[${row}]}` }));
    };
    expect(response(450_000)).toBeLessThan(950_000);
    expect(response(900_000)).toBeGreaterThan(1_700_000);
    expect(parseConfigText(filled(example)).gateway.maxPageBytes).toBe(400_000);
  });

  it('refuse a projection that misses a partition key, or projects a column that is not one (schema)', () => {
    const text = filled(example).replace('              dt: { type: date, range: ["2020-01-01", "NOW"], format: yyyy-MM-dd, interval: 1, unit: DAYS }', '              day: { type: injected }');
    expect(() => parseConfigText(text)).toThrow(ConfigError);
    try {
      parseConfigText(text);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        "glue.databases.sales.tables.orders.projection.columns: partition key 'dt' has no projection rule (Athena needs one per partition key)",
        "glue.databases.sales.tables.orders.projection.columns.day: 'day' is not a partition key",
      ]);
    }
  });
});

describe('physical names', () => {
  it('come from gateway.environment, or deployment.namePrefix, and leave unmanaged workgroups alone', () => {
    const config = parseConfigText(filled(example).replace('environment: production', 'environment: "Prod EU/1"'));
    const names = physicalNames(config);
    expect(names.prefix).toBe('Prod-EU-1');
    expect([names.workgroup('adhoc'), names.reservation('critical'), names.glueDatabase('sales')]).toEqual(['Prod-EU-1-adhoc', 'Prod-EU-1-critical', 'prod_eu_1_sales']);
    const none = physicalNames(parseConfigText(filled(example).replace('  maxAzs: 2', "  namePrefix: ''\n  maxAzs: 2").replace('    workgroup: critical-b', '    workgroup: shared-wg\n    managed: false')));
    expect([none.workgroup('adhoc'), none.workgroup('critical-b'), none.glueDatabase('sales')]).toEqual(['adhoc', 'shared-wg', 'sales']);
    const prefixed = physicalNames(parseConfigText(filled(example).replace('  maxAzs: 2', '  namePrefix: bf-prod\n  maxAzs: 2').replace('    workgroup: critical-b', '    workgroup: shared-wg\n    managed: false')));
    expect([prefixed.workgroup('adhoc'), prefixed.workgroup('critical-b'), prefixed.glueDatabase('sales')]).toEqual(['bf-prod-adhoc', 'shared-wg', 'bf_prod_sales']);
  });

  it('are written into the config the functions read, which parses to the same config but for those names', () => {
    const text = filled(example);
    const config = parseConfigText(text);
    const resolved = parseConfigText(resolvedConfigText(text, config));
    expect(resolved.deployment.namePrefix).toBe('');
    expect(Object.fromEntries(Object.entries(resolved.targets).map(([n, t]) => [n, t.type === 'athena' ? t.workgroup : t.type]))).toEqual({ 'critical-a': 'production-critical-a', 'critical-b': 'production-critical-b', adhoc: 'production-adhoc', 'legacy-trino': 'trino' });
    expect({ ...resolved, targets: {}, glue: {}, deployment: {} }).toEqual({ ...config, targets: {}, glue: {}, deployment: {} });
    expect(resolved.glue.databases.production_sales).toEqual(config.glue.databases.sales);
    // Resolving resolved names changes nothing.
    expect(physicalNames(resolved).workgroup('adhoc')).toBe('production-adhoc');
  });
});
