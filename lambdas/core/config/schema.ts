import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { authSchema } from '../auth/config.js';
import { accessRulesSchema } from '../acl/rules.js';

/**
 * The one config file: targets, routing, the Athena and Glue resources to create, and the
 * deployment. The CDK app and the runtime read it through the same schema, so what is deployed
 * and how queries are routed can never disagree. Parsing reports every problem with its path and
 * returns a frozen value; nothing is half applied.
 */
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, ".", "_" or "-" (at most 128)');
const targetState = z.enum(['active', 'draining', 'disabled']);
const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const athenaTargetSchema = z
  .object({
    type: z.literal('athena'),
    /** The Athena workgroup queries run in. */
    workgroup: name,
    /** provisioned: the workgroup is assigned to a capacity reservation; on-demand: it is not. */
    capacity: z.enum(['provisioned', 'on-demand']).default('on-demand'),
    /** Active (queued + running) queries above which routing moves on to the next target. */
    queueLimit: z.number().int().positive().default(20),
    state: targetState.default('active'),
    /** Create the workgroup in the stack (true) or use an existing one (false). */
    managed: z.boolean().default(true),
    bytesScannedCutoffPerQuery: z.number().int().min(10_000_000).optional(),
    resultReuseMinutes: z.number().int().min(0).max(10_080).optional(),
    /** Read large results straight from the result CSV in S3 (falls back to the API). */
    csvFastPath: z.boolean().default(true),
  })
  .strict();

export const clusterTargetSchema = z
  .object({
    type: z.enum(['trino', 'presto']),
    /** The coordinator's base URL. */
    url: z.url({ protocol: /^https?$/ }),
    queueLimit: z.number().int().positive().default(50),
    state: targetState.default('active'),
    /** Secrets Manager secret holding {"user","password"} for the cluster, when it needs one. */
    credentialsSecret: z.string().optional(),
    /** Health checks: consecutive failures before unhealthy, successes before healthy again. */
    unhealthyAfter: z.number().int().positive().default(3),
    healthyAfter: z.number().int().positive().default(2),
  })
  .strict();

export const duckdbTargetSchema = z
  .object({
    type: z.literal('duckdb'),
    queueLimit: z.number().int().positive().default(32),
    state: targetState.default('active'),
  })
  .strict();

export const targetSchema = z.discriminatedUnion('type', [athenaTargetSchema, clusterTargetSchema, duckdbTargetSchema]);

export const routingGroupSchema = z
  .object({
    description: z.string().optional(),
    /** Ordered fallback chain: the first target that is active, healthy, allowed and not full wins. */
    targets: z.array(name).min(1),
    /** When every target is full: wait at the gateway (the client sees QUEUED) or use the last one anyway. */
    whenFull: z.enum(['wait', 'use-last']).default('wait'),
  })
  .strict();

export const ruleSchema = z
  .object({
    name,
    description: z.string().optional(),
    /** Lower runs first (equal priorities in file order); the first matching rule wins. */
    priority: z.number().int(),
    match: z
      .object({
        /** Regular expressions over the user name (anchored). */
        user: regex.optional(),
        /** Any of these groups. */
        groups: z.array(z.string()).optional(),
        /** Regular expression over the client's source (the tool: trino-jdbc, Tableau, ...), anchored; no source fails it. */
        source: regex.optional(),
        /** All of these client tags. */
        clientTags: z.array(z.string()).optional(),
        /** The `routing` extra credential (extraCredentials=routing:athena). */
        routingHint: z.string().optional(),
        /** The X-Trino-Routing-Group / X-Presto-Routing-Group header. */
        routingGroupHeader: z.string().optional(),
        /** Statement kinds: SELECT, INSERT, CREATE TABLE, ... (case and spacing ignored). */
        statementKinds: z.array(z.string()).optional(),
        /**
         * Regular expressions over fully qualified schema (catalog.schema) or table names touched,
         * anchored and case-insensitive; any touched name matching any expression satisfies it.
         * A statement that was not analyzed (tables unknown) fails them.
         */
        schemas: z.array(regex).optional(),
        tables: z.array(regex).optional(),
      })
      .strict()
      .default({}),
    routingGroup: name,
  })
  .strict();

const capacityReservationSchema = z
  .object({
    /** DPUs to reserve: a multiple of 4, at least the minimum. */
    targetDpus: z.number().int(),
    /** Athena targets (by target name) whose workgroups use this capacity. */
    targets: z.array(name).min(1),
  })
  .strict();

const glueColumn = z.object({ name: z.string().min(1), type: z.string().min(1), comment: z.string().optional() }).strict();
const glueTable = z
  .object({
    /** s3://bucket/prefix/ of the data. */
    location: z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/.*)?$/, 'an s3://bucket/prefix location'),
    format: z.enum(['parquet', 'orc', 'csv', 'json']),
    columns: z.array(glueColumn).min(1),
    partitionKeys: z.array(glueColumn).default([]),
    description: z.string().optional(),
  })
  .strict();

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const s3Location = z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/.*)?$/, 'an s3://bucket/prefix location');

const deploymentSchema = z
  .object({
    /** AWS Region to deploy to; defaults to the certificate's Region, then to the CLI's. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS Region such as eu-west-1').optional(),
    /** AWS account to deploy to; only needed with vpcId when the CLI cannot tell (no credentials). */
    account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
    /** Use an existing VPC (it needs private subnets with egress); a new one is created when absent. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/).optional(),
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
    readDatabases: z.array(z.string().regex(/^[a-z0-9_]{1,255}$/, 'Glue database names are lower-case letters, digits and _')).default([]),
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

export const configSchema = z
  .object({
    version: z.literal(1),
    gateway: z
      .object({
        environment: z.string().default('bifrost'),
        /** The URL clients use (https://...); nextUris are built on it. */
        publicUrl: z.url().optional(),
        maxPageBytes: z.number().int().min(16_384).max(900_000).default(480_000),
        pollWaitMs: z.number().int().min(0).max(10_000).default(1_000),
        historyRetentionDays: z.number().int().min(1).default(30),
        /** Cancel queries whose client has not polled for this long (Trino's default is 5 minutes). */
        clientTimeoutSeconds: z.number().int().min(30).default(300),
        /** Price per TB scanned, for cost estimates in history. */
        pricePerTerabyteUsd: z.number().min(0).default(5),
      })
      .strict()
      .prefault({}),
    /** Presto catalog names as clients see them, mapped to Athena data catalogs. */
    catalogs: z.record(z.string(), z.object({ athenaCatalog: z.string().min(1) }).strict()).default({}),
    targets: z.record(name, targetSchema).refine((t) => Object.keys(t).length > 0, 'at least one target is needed'),
    routingGroups: z.record(name, routingGroupSchema),
    rules: z.array(ruleSchema).default([]),
    defaultRoutingGroup: name,
    /** Authentication methods in order (see auth/config.ts); absent: passwords when deployed, the user header locally. */
    auth: authSchema.optional(),
    /** Access rules in the format of Trino's file-based access control, extended with targets and routing groups. */
    access: accessRulesSchema.optional(),
    /** Who may use the admin UI and API: admins change, viewers read. Absent: everyone locally, nobody when deployed. */
    admin: z
      .object({
        admins: z.object({ users: z.array(z.string().min(1)).default([]), groups: z.array(z.string().min(1)).default([]) }).strict().default({ users: [], groups: [] }),
        viewers: z.object({ users: z.array(z.string().min(1)).default([]), groups: z.array(z.string().min(1)).default([]) }).strict().default({ users: [], groups: [] }),
      })
      .strict()
      .optional(),
    capacityReservations: z.record(name, capacityReservationSchema).default({}),
    glue: z
      .object({ databases: z.record(z.string().regex(/^[a-z0-9_]{1,255}$/, 'Glue database names are lower-case letters, digits and _'), z.object({ description: z.string().optional(), tables: z.record(z.string().regex(/^[a-z0-9_]{1,255}$/), glueTable).default({}) }).strict()) })
      .strict()
      .default({ databases: {} }),
    // prefault: an absent section is parsed as {}, so its fields' own defaults apply.
    deployment: deploymentSchema.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const targetNames = new Set(Object.keys(config.targets));
    for (const [group, spec] of Object.entries(config.routingGroups)) {
      spec.targets.forEach((t, i) => {
        if (!targetNames.has(t)) ctx.addIssue({ code: 'custom', path: ['routingGroups', group, 'targets', i], message: `unknown target '${t}'` });
      });
    }
    if (!config.routingGroups[config.defaultRoutingGroup]) ctx.addIssue({ code: 'custom', path: ['defaultRoutingGroup'], message: `unknown routing group '${config.defaultRoutingGroup}'` });
    const ruleNames = new Set<string>();
    config.rules.forEach((rule, i) => {
      if (!config.routingGroups[rule.routingGroup]) ctx.addIssue({ code: 'custom', path: ['rules', i, 'routingGroup'], message: `unknown routing group '${rule.routingGroup}'` });
      if (ruleNames.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name '${rule.name}'` });
      ruleNames.add(rule.name);
    });
    const workgroups = new Map<string, string>();
    for (const [targetName, target] of Object.entries(config.targets)) {
      if (target.type !== 'athena') continue;
      const other = workgroups.get(target.workgroup);
      if (other) ctx.addIssue({ code: 'custom', path: ['targets', targetName, 'workgroup'], message: `workgroup '${target.workgroup}' is already used by target '${other}'` });
      workgroups.set(target.workgroup, targetName);
    }
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
  });

/** Athena's smallest capacity reservation, in DPUs. */
export const MIN_CAPACITY_DPUS = 4;

export type BifrostConfig = Readonly<z.infer<typeof configSchema>>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type RoutingRule = z.infer<typeof ruleSchema>;
export type RoutingGroupConfig = z.infer<typeof routingGroupSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Bifrost config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a parsed config object; throws ConfigError listing every problem with its path. */
export function parseConfig(input: unknown): BifrostConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`));
  }
  return deepFreeze(result.data);
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseConfigText(text: string): BifrostConfig {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`(file): not valid YAML or JSON: ${(error as Error).message}`]);
  }
  return parseConfig(data);
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

/**
 * What stops a config from being deployed (beyond the schema): HTTPS unless explicitly told
 * otherwise, a reachable endpoint, engines that exist in AWS, and IAM that lets the declared
 * tables be read. Each problem starts with its path.
 */
export function deploymentProblems(config: BifrostConfig): string[] {
  const problems: string[] = [];
  const d = config.deployment;
  if (!d.certificateArn && !d.allowInsecureHttp) {
    problems.push('deployment.certificateArn: an ACM certificate is needed for the HTTPS endpoint (JDBC refuses passwords over plain HTTP); set deployment.allowInsecureHttp: true only for tests');
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
    }
  }
  return problems;
}
