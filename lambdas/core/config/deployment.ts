import { z } from 'zod';
import { configName } from './names.js';
import type { BifrostConfig } from './schema.js';

/**
 * The sections of the config file that only the deployment reads: the CDK app (bin/, lib/) builds
 * the network, load balancer, workgroups, capacity reservations and Glue databases from them, and
 * checks them before deploying (deploymentProblems). The Lambdas never read them, but parse them
 * with the rest of the file: schema.ts composes these sections with the runtime ones into the one
 * config schema, so a config file is written, and validated, as one.
 */

/** Athena's smallest capacity reservation, in DPUs. */
export const MIN_CAPACITY_DPUS = 4;

/** Glue database names: lower-case letters, digits and _. */
const glueDatabaseName = z.string().regex(/^[a-z0-9_]{1,255}$/, 'Glue database names are lower-case letters, digits and _');

/** Settings of an Athena target that only say how the stack makes its workgroup. */
export const athenaWorkgroupDeployment = {
  /** Create the workgroup in the stack (true) or use an existing one (false). */
  managed: z.boolean().default(true),
  bytesScannedCutoffPerQuery: z.number().int().min(10_000_000).optional(),
};

const capacityReservationSchema = z
  .object({
    /** DPUs to reserve: a multiple of 4, at least the minimum. */
    targetDpus: z.number().int(),
    /** Athena targets (by target name) whose workgroups use this capacity. */
    targets: z.array(configName).min(1),
  })
  .strict();

const glueColumn = z.object({ name: z.string().min(1), type: z.string().min(1), comment: z.string().optional() }).strict();

/**
 * Athena partition projection of one partition column: Athena computes the partitions from these
 * rules at query time, so nothing (a crawler, MSCK REPAIR, the gateway) has to add them to Glue.
 */
const projectedColumn = z.discriminatedUnion('type', [
  /** A fixed list of values. */
  z.object({ type: z.literal('enum'), values: z.array(z.string().min(1).regex(/^[^,]*$/, 'no commas')).min(1) }).strict(),
  /** Integers from range[0] to range[1]; `digits` pads them with zeros (e.g. 2 for 01..12). */
  z
    .object({ type: z.literal('integer'), range: z.tuple([z.number().int(), z.number().int()]), interval: z.number().int().positive().optional(), digits: z.number().int().positive().optional() })
    .strict(),
  /**
   * Dates or timestamps from range[0] to range[1] written in `format` (Java DateTimeFormatter,
   * e.g. yyyy-MM-dd); a bound may be relative, like NOW or NOW-3YEARS.
   */
  z
    .object({
      type: z.literal('date'),
      range: z.tuple([z.string().min(1).regex(/^[^,]*$/, 'no commas'), z.string().min(1).regex(/^[^,]*$/, 'no commas')]),
      format: z.string().min(1),
      interval: z.number().int().positive().optional(),
      unit: z.enum(['YEARS', 'MONTHS', 'WEEKS', 'DAYS', 'HOURS', 'MINUTES', 'SECONDS']).optional(),
    })
    .strict(),
  /** Any value; every query must then name the value (WHERE col = ...). */
  z.object({ type: z.literal('injected') }).strict(),
]);

const partitionProjection = z
  .object({
    /** One entry per partition key: Athena needs a rule for every partition column. */
    columns: z.record(z.string().min(1), projectedColumn),
    /**
     * Where a partition's objects are, with ${column} placeholders (s3://bucket/orders/${dt}/).
     * Absent: Hive style, <location>/column=value/.
     */
    locationTemplate: z.string().regex(/^s3:\/\/[a-z0-9.-]+\/.*\$\{[^}]+\}/, 'an s3:// location with ${column} placeholders').optional(),
  })
  .strict();

const glueTable = z
  .object({
    /** s3://bucket/prefix/ of the data. */
    location: z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/.*)?$/, 'an s3://bucket/prefix location'),
    format: z.enum(['parquet', 'orc', 'csv', 'json']),
    columns: z.array(glueColumn).min(1),
    partitionKeys: z.array(glueColumn).default([]),
    /** Partition projection (see projectedColumn). A partitioned table without it has no partitions until something adds them. */
    projection: partitionProjection.optional(),
    description: z.string().optional(),
  })
  .strict()
  .superRefine((table, ctx) => {
    if (!table.projection) return;
    const keys = table.partitionKeys.map((k) => k.name);
    if (keys.length === 0) ctx.addIssue({ code: 'custom', path: ['projection'], message: 'projection needs partitionKeys' });
    for (const key of keys) {
      if (!table.projection.columns[key]) ctx.addIssue({ code: 'custom', path: ['projection', 'columns'], message: `partition key '${key}' has no projection rule (Athena needs one per partition key)` });
      if (table.projection.locationTemplate && !table.projection.locationTemplate.includes(`\${${key}}`)) {
        ctx.addIssue({ code: 'custom', path: ['projection', 'locationTemplate'], message: `must contain \${${key}} (every partition key)` });
      }
    }
    for (const column of Object.keys(table.projection.columns)) {
      if (!keys.includes(column)) ctx.addIssue({ code: 'custom', path: ['projection', 'columns', column], message: `'${column}' is not a partition key` });
    }
  });

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const s3Location = z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/.*)?$/, 'an s3://bucket/prefix location');

const deploymentSchema = z
  .object({
    /** AWS Region to deploy to; defaults to the certificate's Region, then to the CLI's. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS Region such as eu-west-1').optional(),
    /** AWS account to deploy to; only needed with vpcId when the CLI cannot tell (no credentials). */
    account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
    /**
     * Prefix of the physical names of what the stack creates by name (managed workgroups and
     * capacity reservations `<prefix>-<name>`, Glue databases `<prefix>_<name>` in lower case), so
     * that environments in one account, and what the account already has, never collide. '' for
     * none. Default: gateway.environment.
     */
    namePrefix: z.string().regex(/^([A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?)?$/, 'letters, digits and inner "-", at most 32').optional(),
    /** Use an existing VPC (it needs private subnets with egress); a new one is created when absent. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/).optional(),
    /**
     * Address range of a new VPC (/16 to /24). Pick one that is free in the networks you connect
     * the VPC to; required when the load balancer is internal. Default 10.0.0.0/16.
     */
    vpcCidr: z
      .cidrv4({ error: 'an IPv4 CIDR range such as 10.40.0.0/16' })
      .refine((c) => Number(c.split('/')[1]) >= 16 && Number(c.split('/')[1]) <= 24, 'a VPC range from /16 to /24')
      .optional(),
    /** Availability zones of a new VPC: subnets, and NAT gateways with vpcEgress nat, in each. */
    maxAzs: z.number().int().min(2).max(6).default(2),
    /**
     * How the functions that reach private clusters (statement, sweeper, admin), in a new VPC, reach AWS APIs and the
     * internet: `nat`, a NAT gateway per AZ (clusters and identity providers on the internet work);
     * `endpoints`, VPC interface endpoints for Athena, Glue, Secrets Manager and X-Ray, and no
     * internet. S3 and DynamoDB go through gateway endpoints either way. Without cluster targets
     * no function runs in the VPC and neither is created.
     */
    vpcEgress: z.enum(['nat', 'endpoints']).default('nat'),
    /** ACM certificate for the HTTPS listener, in the deployment's Region. */
    certificateArn: z.string().startsWith('arn:').optional(),
    /** Plain HTTP listener: only for tests, never with real credentials. */
    allowInsecureHttp: z.boolean().default(false),
    /** CIDR ranges allowed to reach the load balancer. */
    allowedCidrs: z.array(z.union([z.cidrv4(), z.cidrv6()], { error: 'a CIDR range such as 10.0.0.0/8' })).default([]),
    internetFacing: z.boolean().default(false),
    waf: z.object({ rateLimitPer5Minutes: z.number().int().min(100) }).strict().optional(),
    /** Route 53 zone in which to create an alias record for gateway.publicUrl's host name. */
    hostedZone: z.object({ id: z.string().regex(/^Z[A-Z0-9]+$/, 'a Route 53 hosted zone id'), name: z.string().min(1) }).strict().optional(),
    /** Existing S3 bucket (SSE-S3, with the ELB log delivery policy) for the load balancer's access logs; one is created when absent. */
    accessLogsBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
    /** S3 locations (s3://bucket/prefix) the queries may read, for least-privilege IAM. */
    dataLocations: z.array(s3Location).default([]),
    /** Existing Glue databases (besides glue.databases) the queries may read, for least-privilege IAM. */
    readDatabases: z.array(glueDatabaseName).default([]),
    resultRetentionDays: z.number().int().min(1).default(7),
    /**
     * Memory of the statement function in MB; Lambda gives CPU in proportion (1,769 MB is one
     * vCPU), and SQL analysis, CSV parsing, JSON encoding and gzip are CPU-bound.
     */
    statementMemoryMb: z.number().int().min(512).max(10_240).default(1024),
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(', ')}`)
      .default(30),
    alarmEmail: z.email().optional(),
  })
  .strict();

/** The deployment-only sections of the config file, in the file's order (see configSchema). */
export const deploymentSections = {
  capacityReservations: z.record(configName, capacityReservationSchema).default({}),
  glue: z
    .object({ databases: z.record(glueDatabaseName, z.object({ description: z.string().optional(), tables: z.record(z.string().regex(/^[a-z0-9_]{1,255}$/), glueTable).default({}) }).strict()) })
    .strict()
    .default({ databases: {} }),
  // prefault: an absent section is parsed as {}, so its fields' own defaults apply.
  deployment: deploymentSchema.prefault({}),
};

type AthenaCapacity = { type: 'athena'; capacity: 'provisioned' | 'on-demand' } | { type: 'trino' | 'presto' | 'duckdb' };
type Issue = { code: 'custom'; path: (string | number)[]; message: string };

/**
 * Capacity reservations against the targets: each reserves a valid number of DPUs for Athena
 * targets of provisioned capacity, a target in one reservation at most, and every provisioned
 * target in one.
 */
export function checkCapacityReservations(config: { targets: Record<string, AthenaCapacity>; capacityReservations: Record<string, { targetDpus: number; targets: string[] }> }, ctx: { addIssue(issue: Issue): void }): void {
  const assigned = new Map<string, string>();
  for (const [reservation, spec] of Object.entries(config.capacityReservations)) {
    if (spec.targetDpus < MIN_CAPACITY_DPUS || spec.targetDpus % 4 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['capacityReservations', reservation, 'targetDpus'], message: `must be a multiple of 4 and at least ${MIN_CAPACITY_DPUS} (got ${spec.targetDpus})` });
    }
    spec.targets.forEach((t, i) => {
      const target = config.targets[t];
      if (!target || target.type !== 'athena') ctx.addIssue({ code: 'custom', path: ['capacityReservations', reservation, 'targets', i], message: `'${t}' is not an Athena target` });
      else if (target.capacity !== 'provisioned') ctx.addIssue({ code: 'custom', path: ['capacityReservations', reservation, 'targets', i], message: `target '${t}' has capacity '${target.capacity}'; set capacity: provisioned` });
      if (assigned.has(t)) ctx.addIssue({ code: 'custom', path: ['capacityReservations', reservation, 'targets', i], message: `target '${t}' is already assigned to reservation '${assigned.get(t)}'` });
      assigned.set(t, reservation);
    });
  }
  for (const [targetName, target] of Object.entries(config.targets)) {
    if (target.type === 'athena' && target.capacity === 'provisioned' && !assigned.has(targetName)) {
      ctx.addIssue({ code: 'custom', path: ['targets', targetName, 'capacity'], message: `provisioned target '${targetName}' is not assigned to any capacity reservation` });
    }
  }
}

/** The Region named by an ARN (arn:partition:service:region:account:...), if any. */
function arnRegion(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** True when `location` is `base` or lies under it (s3://bucket/prefix/ semantics). */
function s3Covers(base: string, location: string): boolean {
  const withSlash = (s: string) => (s.endsWith('/') ? s : `${s}/`);
  return withSlash(location).startsWith(withSlash(base));
}

const ACM_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/([0-9a-f-]{36})$/;
/** Account ids that AWS's documentation and examples use: never a real certificate's. */
const EXAMPLE_ACCOUNTS = new Set(['123456789012', '111122223333', '000000000000', '111111111111', '210987654321']);
/** Names reserved for documentation and tests (RFC 2606, RFC 6761): no certificate covers them. */
const EXAMPLE_HOST = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;

function ipv4(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** True when the IPv4 CIDR `inner` lies within `outer`. */
function ipv4Within(inner: string, outer: string): boolean {
  const [innerAddress, innerBits] = inner.split('/') as [string, string];
  const [outerAddress, outerBits] = outer.split('/') as [string, string];
  if (Number(innerBits) < Number(outerBits)) return false;
  const size = 2 ** (32 - Number(outerBits));
  return Math.floor(ipv4(innerAddress) / size) === Math.floor(ipv4(outerAddress) / size);
}

/** Ranges for documentation (RFC 5737, RFC 3849): no client has these addresses. */
const DOCUMENTATION_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'];
/** Addresses that never reach an internet-facing load balancer as a client's source. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16'];

/**
 * What stops a config from being deployed (beyond the schema): HTTPS on a real certificate unless
 * explicitly told otherwise, an endpoint clients can reach under a name TLS accepts, engines that
 * exist in AWS, and IAM that lets the declared tables be read. Each problem starts with its path
 * and says what to put there.
 */
export function deploymentProblems(config: BifrostConfig): string[] {
  const problems: string[] = [];
  const d = config.deployment;
  const region = d.region ?? (d.certificateArn ? arnRegion(d.certificateArn) : undefined) ?? '<region>';
  const publicHost = config.gateway.publicUrl ? new URL(config.gateway.publicUrl).hostname : undefined;
  const howToGetCertificate = `request a certificate for the host name of gateway.publicUrl with \`aws acm request-certificate --domain-name ${publicHost ?? '<host>'} --validation-method DNS --region ${region}\`, add the DNS record it asks for, and put the CertificateArn it prints (also in \`aws acm list-certificates --region ${region}\`) here`;
  if (!d.certificateArn && !d.allowInsecureHttp) {
    problems.push(`deployment.certificateArn: an ACM certificate is needed for the HTTPS endpoint (JDBC refuses passwords over plain HTTP): ${howToGetCertificate}; set deployment.allowInsecureHttp: true only for tests`);
  }
  if (d.certificateArn) {
    const match = ACM_CERTIFICATE_ARN.exec(d.certificateArn);
    if (!match) problems.push(`deployment.certificateArn: ${d.certificateArn} is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); ${howToGetCertificate}`);
    else if (EXAMPLE_ACCOUNTS.has(match[2]!) || /^[0-]+$/.test(match[3]!)) problems.push(`deployment.certificateArn: ${d.certificateArn} is a placeholder (the load balancer's HTTPS listener would fail and the deploy roll back); ${howToGetCertificate}`);
  }
  if (!config.gateway.publicUrl && d.certificateArn) {
    problems.push('gateway.publicUrl: set it to https://<a host name your certificate covers>: the JDBC URL in the stack outputs and the nextUri links use it, and clients check that name against the certificate (the load balancer\'s own DNS name never matches)');
  }
  if (publicHost && EXAMPLE_HOST.test(publicHost)) {
    problems.push(`gateway.publicUrl: ${publicHost} is a placeholder; use the host name clients will connect to, one your certificate covers and whose DNS you control (e.g. https://bifrost.yourcompany.com)`);
  }
  for (const cidr of d.allowedCidrs) {
    if (!cidr.includes(':') && DOCUMENTATION_RANGES.some((range) => ipv4Within(cidr, range))) {
      problems.push(`deployment.allowedCidrs: ${cidr} is a documentation range that no client has; list your clients' ranges (${d.internetFacing ? 'their public addresses, e.g. your office\'s egress range' : 'the networks connected to the VPC'})`);
    }
  }
  if (d.internetFacing && d.allowedCidrs.length > 0 && d.allowedCidrs.every((cidr) => !cidr.includes(':') && PRIVATE_RANGES.some((range) => ipv4Within(cidr, range)))) {
    problems.push(`deployment.allowedCidrs: an internet-facing load balancer sees its clients' public addresses, so ${d.allowedCidrs.join(', ')} would admit nobody; list the public ranges your clients connect from, or set internetFacing: false and deploy into a VPC they reach (deployment.vpcId)`);
  }
  if (!d.internetFacing && !d.vpcId && !d.vpcCidr) {
    problems.push('deployment.vpcCidr: an internal load balancer in a new VPC is reachable only from networks you connect to that VPC (peering, Transit Gateway, VPN); set vpcCidr to a range that is free in those networks, or set deployment.vpcId to a VPC your clients already reach, or internetFacing: true with allowedCidrs');
  }
  if (d.vpcId && d.vpcCidr) {
    problems.push('deployment.vpcCidr: only for a new VPC; the existing VPC (deployment.vpcId) keeps its own range');
  }
  if (d.certificateArn && d.region && arnRegion(d.certificateArn) && arnRegion(d.certificateArn) !== d.region) {
    problems.push(`deployment.certificateArn: the certificate is in ${arnRegion(d.certificateArn)} but deployment.region is ${d.region}; the load balancer needs a certificate from its own Region`);
  }
  if (d.allowedCidrs.length === 0) {
    problems.push('deployment.allowedCidrs: no client could reach the load balancer; list the CIDR ranges of your clients (e.g. [10.0.0.0/8])');
  }
  if (config.gateway.publicUrl && !d.allowInsecureHttp && !config.gateway.publicUrl.startsWith('https://')) {
    problems.push('gateway.publicUrl: must start with https:// (the load balancer only listens on HTTPS unless deployment.allowInsecureHttp is true)');
  }
  if (d.hostedZone) {
    const host = config.gateway.publicUrl ? new URL(config.gateway.publicUrl).hostname : undefined;
    const zone = d.hostedZone.name.replace(/\.$/, '');
    if (!host) problems.push('deployment.hostedZone: needs gateway.publicUrl, whose host name the alias record is created for');
    else if (host !== zone && !host.endsWith(`.${zone}`)) problems.push(`deployment.hostedZone.name: ${host} (from gateway.publicUrl) is not in the zone ${zone}`);
  }
  for (const [name, target] of Object.entries(config.targets)) {
    if (target.type === 'duckdb') problems.push(`targets.${name}.type: duckdb targets exist only in local mode; remove the target or route to an Athena workgroup or a cluster`);
  }
  for (const [database, spec] of Object.entries(config.glue.databases)) {
    for (const [table, t] of Object.entries(spec.tables)) {
      if (!d.dataLocations.some((base) => s3Covers(base, t.location))) {
        problems.push(`glue.databases.${database}.tables.${table}.location: ${t.location} is not under any of deployment.dataLocations, so queries could not read it; add it there`);
      }
      // The fixed part of the template, up to the first placeholder, is what IAM must cover.
      const template = t.projection?.locationTemplate;
      const fixed = template?.slice(0, template.indexOf('${')).replace(/[^/]*$/, '');
      if (template && fixed !== undefined && !d.dataLocations.some((base) => s3Covers(base, fixed))) {
        problems.push(`glue.databases.${database}.tables.${table}.projection.locationTemplate: ${template} is not under any of deployment.dataLocations, so queries could not read it; add it there`);
      }
    }
  }
  return problems;
}
