import { z } from 'zod';

/** A name the config gives: of a target, routing group, rule or capacity reservation. */
export const configName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, ".", "_" or "-" (at most 128)');
