import { z } from 'zod';

/**
 * The `events` section of the config (docs/events.md): whether Bifrost publishes its own events,
 * to which bus, under which source, which detail types, and where they go in local mode.
 */
const detailTypeSwitches = z
  .object({
    /** Every query the gateway recorded (chatty: off by default). */
    querySubmitted: z.boolean().default(false),
    /** Every query handed to its target's engine (chatty: off by default). */
    queryRouted: z.boolean().default(false),
    queryDenied: z.boolean().default(true),
    queryFinished: z.boolean().default(true),
    queryFailed: z.boolean().default(true),
    queryCanceled: z.boolean().default(true),
    budgetWarning: z.boolean().default(true),
    budgetExceeded: z.boolean().default(true),
    targetStateChanged: z.boolean().default(true),
  })
  .strict();

const localSink = z
  .object({
    /** stdout: JSON lines on standard output; file: JSON lines appended to `file`; eventbridge: PutEvents to `endpoint`. */
    sink: z.enum(['stdout', 'file', 'eventbridge']).default('stdout'),
    file: z.string().min(1).optional(),
    /** An EventBridge-compatible endpoint (https://events.<region>.amazonaws.com, or a local stand-in). */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict()
  .superRefine((local, ctx) => {
    if (local.sink === 'file' && !local.file) ctx.addIssue({ code: 'custom', path: ['file'], message: 'sink file needs the path of the file' });
    if (local.sink === 'eventbridge' && !local.endpoint) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'sink eventbridge needs the endpoint URL' });
  });

export const eventsConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /**
     * The bus events go to. Absent: the bus the stack creates when `createBus` is true, else the
     * account's default bus.
     */
    busName: z
      .string()
      .regex(/^([A-Za-z0-9._/-]{1,256}|arn:[a-z-]+:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/, 'an event bus name (letters, digits, ".", "_", "-", "/") or an event bus ARN')
      .optional(),
    /** The stack creates the bus (named busName, or <namePrefix>-events). */
    createBus: z.boolean().default(false),
    /** EventBridge's `source` of every event; names starting with "aws." are reserved by AWS. */
    source: z
      .string()
      .min(1)
      .max(256)
      .refine((s) => !s.toLowerCase().startsWith('aws.'), 'sources starting with "aws." are reserved by AWS')
      .default('bifrost'),
    types: detailTypeSwitches.prefault({}),
    /** Adds the statement text (and the engine's error message, which may quote it) to query events. */
    includeSql: z.boolean().default(false),
    /**
     * How long a Lambda invocation waits at its end for events still being sent (ms). Sends start
     * at once, in the background: most are done by then.
     */
    flushWaitMs: z.number().int().min(0).max(5_000).default(200),
    local: localSink.prefault({}),
  })
  .strict()
  .superRefine((events, ctx) => {
    if (events.createBus && events.busName === 'default') ctx.addIssue({ code: 'custom', path: ['busName'], message: 'the default bus exists in every account: set createBus: false, or name the bus to create' });
  });

export type EventsConfig = z.infer<typeof eventsConfigSchema>;
export type EventTypeSwitch = keyof EventsConfig['types'];
