import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { authSchema } from '../auth/config.js';
import { accessRulesSchema } from '../acl/rules.js';
import { eventsConfigSchema } from '../events/config.js';
import { budgetsSectionSchema } from '../budgets/config.js';
import { athenaWorkgroupDeployment, checkCapacityReservations, deploymentSections } from './deployment.js';
import { configName as name } from './names.js';
import { livePollAgeMs, longestPollHoldMs, minimumClientTimeoutMs, POLL_TOUCH_INTERVAL_MS } from '../tracking/abandonment.js';

/** A waiting query's poll hold: long enough to save round trips, well under clients' request timeouts. */
const DEFAULT_WAITING_POLL_WAIT_MS = 5_000;
const MAX_WAITING_POLL_WAIT_MS = 20_000;

/**
 * The one config file: targets, routing, the Athena and Glue resources to create, and the
 * deployment. The CDK app and the runtime read it through the same schema, so what is deployed
 * and how queries are routed can never disagree. Parsing reports every problem with its path and
 * returns a frozen value; nothing is half applied.
 *
 * This file holds what the Lambdas read at run time; the settings only the CDK app reads (the
 * deployment, capacityReservations and glue sections, how a workgroup is made) are declared in
 * deployment.ts and composed in here, in their place in the file.
 */
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
    // How the stack makes the workgroup (deployment.ts): read by the CDK app only.
    ...athenaWorkgroupDeployment,
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

export const configSchema = z
  .object({
    version: z.literal(1),
    gateway: z
      .object({
        environment: z.string().default('bifrost'),
        /** The URL clients use (https://...); nextUris are built on it. */
        publicUrl: z.url().optional(),
        /**
         * Result bytes per page, counted as the rows travel behind the load balancer: the
         * function's response holds the body as a JSON string, escaped once more, and the pager
         * counts those escapes (gateway/pager.ts). The load balancer answers 502 over 1 MB;
         * 450,000 leaves room for the columns, stats, headers and base64 of gzip'd bodies (4/3).
         */
        maxPageBytes: z.number().int().min(16_384).max(450_000).default(400_000),
        pollWaitMs: z.number().int().min(0).max(10_000).default(1_000),
        /**
         * How long a poll of a query waiting at the gateway (its targets full) is held before it
         * answers QUEUED: at least pollWaitMs, at most 20 s, well under clients' request timeouts
         * (Trino's Python client: 30 s). A freed slot wakes it at once; held polls look for slots
         * freed elsewhere every pollWaitMs. Default 5,000, or pollWaitMs when that is longer.
         */
        waitingPollWaitMs: z.number().int().min(0).max(MAX_WAITING_POLL_WAIT_MS).optional(),
        historyRetentionDays: z.number().int().min(1).default(30),
        /**
         * Cancel queries whose client has not polled for this long (Trino's default is 5 minutes).
         * At least the bound of tracking/abandonment.ts: polls record the client's presence only
         * every 30 s, so a shorter timeout would end queries whose clients still poll.
         */
        clientTimeoutSeconds: z.number().int().min(1).default(300),
        /** Price per TB scanned, for cost estimates in history. */
        pricePerTerabyteUsd: z.number().min(0).default(5),
        /**
         * The spooling protocol (docs/spooling.md), offered to Trino clients that ask for it where
         * the gateway has a segment store (deployed: the results bucket; locally: its own memory).
         */
        spooling: z
          .object({
            /** Encodings offered; the client's order decides among them. [] turns spooling off. */
            encodings: z.array(z.enum(['json+zstd', 'json+lz4', 'json'])).default(['json+zstd', 'json+lz4', 'json']),
            /** A page of at most this many bytes of JSON goes inline, base64 in the response (under the load balancer's 1 MB). */
            inlineMaxBytes: z.number().int().min(0).max(300_000).default(128_000),
            /** Bytes of JSON per spooled segment, before compression. */
            segmentBytes: z.number().int().min(65_536).max(64 * 1024 * 1024).default(8 * 1024 * 1024),
            /** Segments smaller than this go uncompressed (Trino's default: 8 kB). */
            compressionThreshold: z.number().int().min(0).max(1024 * 1024).default(8192),
            /** How long a segment's URI works (the pre-signed URL's expiry); unread segments are deleted after it. */
            urlTtlSeconds: z.number().int().min(30).max(3600).default(300),
            /** Engine rows and bytes read for one spooled response: they are held in the function's memory. */
            pollMaxRows: z.number().int().min(1000).max(1_000_000).default(40_000),
            pollMaxBytes: z.number().int().min(1024 * 1024).max(64 * 1024 * 1024).default(8 * 1024 * 1024),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .transform(({ waitingPollWaitMs, ...gateway }) => ({ ...gateway, waitingPollWaitMs: waitingPollWaitMs ?? Math.max(DEFAULT_WAITING_POLL_WAIT_MS, gateway.pollWaitMs) }))
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
    // Read by the CDK app only (deployment.ts); the Lambdas parse them with the rest of the file.
    ...deploymentSections,
    /** Bifrost's own events on Amazon EventBridge (docs/events.md); off unless enabled. */
    events: eventsConfigSchema.prefault({}),
    /** Budgets of data scanned or dollars per user and group, per day and month (docs/budgets.md). */
    budgets: budgetsSectionSchema.prefault({}),
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
    checkCapacityReservations(config, ctx);
    const { clientTimeoutSeconds, pollWaitMs, waitingPollWaitMs } = config.gateway;
    if (waitingPollWaitMs < pollWaitMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['gateway', 'waitingPollWaitMs'],
        message: `gateway.waitingPollWaitMs (${waitingPollWaitMs}) must be at least gateway.pollWaitMs (${pollWaitMs}): a waiting query's poll is held at least as long as a running one's`,
      });
    }
    const timing = { pollTouchIntervalMs: POLL_TOUCH_INTERVAL_MS, pollWaitMs, waitingPollWaitMs };
    const minimumSeconds = minimumClientTimeoutMs(timing) / 1000;
    if (clientTimeoutSeconds < minimumSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['gateway', 'clientTimeoutSeconds'],
        message: `gateway.clientTimeoutSeconds (${clientTimeoutSeconds}) must be at least ${minimumSeconds} s with gateway.pollWaitMs ${pollWaitMs} and gateway.waitingPollWaitMs ${waitingPollWaitMs}: a client's last poll is recorded every ${POLL_TOUCH_INTERVAL_MS / 1000} s and a poll may be held ${longestPollHoldMs(timing) / 1000} s, so a client still polling may look ${livePollAgeMs(timing) / 1000} s gone`,
      });
    }
  });

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

// Deployment-only settings and checks live in deployment.ts; exported here too, as they always were.
export { deploymentProblems, LOG_RETENTION_DAYS, MIN_CAPACITY_DPUS } from './deployment.js';
