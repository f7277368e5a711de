/**
 * The ports of the core, in one place: every interface through which the core reaches what it
 * does not implement itself (engines, stores, authentication, the doors' requests) or through
 * which its parts meet (analysis, access control, routing). Types only: implementations live
 * beside the code that owns them (lambdas/core/*, lambdas/adapters, lambdas/local).
 *
 * A port file imports only other ports, errors.ts and the config schema's types; ESLint holds
 * the line (eslint.config.js).
 */
export type * from './access.js';
export type * from './admin.js';
export type * from './analysis.js';
export type * from './auth.js';
export type * from './cluster.js';
export type * from './config-store.js';
export type * from './engine.js';
export type * from './events.js';
export type * from './http.js';
export type * from './log.js';
export type * from './metadata.js';
export type * from './query-store.js';
export type * from './routing.js';
export type * from './segments.js';
export type * from './session.js';
export type * from './spend.js';
export type * from './sql-type.js';
export type * from './tracking.js';
