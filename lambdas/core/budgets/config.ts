import { z } from 'zod';

/**
 * The `budgets` section of the config (docs/budgets.md): limits on data scanned (bytes) or on
 * dollars (from gateway.pricePerTerabyteUsd) per user and per group, per UTC day or month, with a
 * warning threshold; and one-off grants that let a user past a budget until a given time. The
 * same schema checks the file and every run-time change made through the admin API.
 */
const budgetName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, and _ . - after the first character');

export const budgetScopeSchema = z
  .object({
    /** user: one user's spend (name '*': every user, each on their own); group: the spend of every member together. */
    kind: z.enum(['user', 'group']),
    name: z.string().min(1).max(256),
  })
  .strict()
  .refine((s) => s.kind === 'user' || s.name !== '*', { message: "'*' (every user) is for user budgets only" });

export const budgetSchema = z
  .object({
    name: budgetName,
    description: z.string().max(1000).optional(),
    scope: budgetScopeSchema,
    period: z.enum(['day', 'month']),
    /** Bytes scanned allowed in the period (Athena's DataScannedInBytes). */
    limitBytes: z.number().int().positive().optional(),
    /** Dollars allowed in the period (estimated from the data scanned and gateway.pricePerTerabyteUsd). */
    limitUsd: z.number().positive().optional(),
    /** Percent of the limit at which queries still run but carry a warning; default the section's. */
    warnAtPercent: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .refine((b) => (b.limitBytes === undefined) !== (b.limitUsd === undefined), { message: 'give exactly one of limitBytes or limitUsd' });

export const budgetGrantSchema = z
  .object({
    id: z.string().min(1).max(64),
    user: z.string().min(1).max(256),
    /** The budget the grant lifts for this user. */
    budget: budgetName,
    /** Until when (ISO 8601 time). */
    until: z.iso.datetime({ offset: true }),
    reason: z.string().max(1000).optional(),
    by: z.string().max(256).optional(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const budgetsSectionSchema = z
  .object({
    /** Keep spend counters (per user, group, tool and target, per day and month) even without budgets. */
    trackSpend: z.boolean().default(true),
    /** Default warning threshold of every budget. */
    warnAtPercent: z.number().int().min(1).max(100).default(80),
    limits: z.array(budgetSchema).default([]),
    grants: z.array(budgetGrantSchema).default([]),
  })
  .strict()
  .superRefine((section, ctx) => {
    const names = new Set<string>();
    section.limits.forEach((b, i) => {
      if (names.has(b.name)) ctx.addIssue({ code: 'custom', path: ['limits', i, 'name'], message: `duplicate budget name '${b.name}'` });
      names.add(b.name);
    });
    const ids = new Set<string>();
    section.grants.forEach((g, i) => {
      if (!names.has(g.budget)) ctx.addIssue({ code: 'custom', path: ['grants', i, 'budget'], message: `unknown budget '${g.budget}'` });
      if (ids.has(g.id)) ctx.addIssue({ code: 'custom', path: ['grants', i, 'id'], message: `duplicate grant id '${g.id}'` });
      ids.add(g.id);
    });
  });

export type BudgetsSection = z.infer<typeof budgetsSectionSchema>;
export type Budget = z.infer<typeof budgetSchema>;
export type BudgetGrant = z.infer<typeof budgetGrantSchema>;
export type BudgetsInput = z.input<typeof budgetsSectionSchema>;

export const DEFAULT_BUDGETS: BudgetsSection = Object.freeze({ trackSpend: true, warnAtPercent: 80, limits: [], grants: [] }) as BudgetsSection;
