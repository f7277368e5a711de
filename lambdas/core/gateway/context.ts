import type { Engine, MetadataService, AccessControl, Analyzer, Authenticator, Router, QueryStore, Logger, SegmentStore, TargetSlots } from '../ports/index.js';
import type { BifrostEvents } from '../events/index.js';
import type { BudgetGate } from '../budgets/gate.js';
import { PageTokenSigner } from '../protocol/page-token.js';
import { WaitingRoom } from '../routing/waiting-room.js';
import { PollCache } from './poll-cache.js';

export interface GatewayConfig {
  /** Reported by /v1/info; JDBC shows it as the database product version. */
  version: string;
  environment: string;
  /** The URL clients reach the gateway on; when absent, taken from the request. */
  publicBaseUrl?: string;
  /** HMAC key for nextUri tokens (at least 32 bytes). */
  pageTokenKey: string | Buffer;
  /** Upper bound on a page's JSON; keeps Lambda answers under the ALB's 1 MB. */
  maxPageBytes: number;
  /** Upper bound on rows fetched from an engine for one page. */
  maxRowsPerPage: number;
  /** Long-poll wait for state changes or data; how often held waiting polls look for free slots. */
  pollWaitMs: number;
  /**
   * How long a poll of a query waiting at the gateway is held (never less than `pollWaitMs`): the
   * waiting room wakes it as soon as a slot is free, so a longer hold only saves round trips.
   */
  waitingPollWaitMs: number;
  /** Athena's limit on query text, applied to every engine. */
  maxSqlBytes: number;
  /** How often a poll records that the client is still there (one write per interval). */
  pollTouchIntervalMs: number;
  /** How long history is kept (expiresAt on the item). */
  historyRetentionDays: number;
  /** The spooling protocol (spool.ts); it is offered only when the gateway has a segment store. */
  spooling?: SpoolingConfig;
}

/** How results are spooled for clients that ask for it (docs/spooling.md). */
export interface SpoolingConfig {
  /** Encodings offered; the client's order decides among them. Empty: spooling off. */
  encodings: readonly string[];
  /** A page whose rows take at most this many bytes of JSON goes inline, in the response. */
  inlineMaxBytes: number;
  /** Bytes of JSON per spooled segment, before compression. */
  segmentBytes: number;
  /** Segments smaller than this are not compressed (Trino's default: 8 kB). */
  compressionThreshold: number;
  /** How long a segment's URI works: the pre-signed URL's expiry, the gateway's own link's. */
  urlTtlSeconds: number;
  /** Engine rows and bytes fetched for one spooled response (far above the inline page cap). */
  pollMaxRows: number;
  pollMaxBytes: number;
}

export const DEFAULT_GATEWAY_CONFIG: Omit<GatewayConfig, 'pageTokenKey'> = Object.freeze({
  version: '476-bifrost',
  environment: 'bifrost',
  maxPageBytes: 480_000,
  maxRowsPerPage: 20_000,
  pollWaitMs: 1_000,
  waitingPollWaitMs: 5_000,
  maxSqlBytes: 262_144,
  pollTouchIntervalMs: 30_000,
  historyRetentionDays: 30,
  spooling: Object.freeze({
    encodings: Object.freeze(['json+zstd', 'json+lz4', 'json']),
    inlineMaxBytes: 128_000,
    segmentBytes: 8 * 1024 * 1024,
    compressionThreshold: 8192,
    urlTtlSeconds: 300,
    pollMaxRows: 40_000,
    pollMaxBytes: 8 * 1024 * 1024,
  }),
});

/**
 * How big an engine's own pages may be, from the gateway's page cap: engines estimate bytes
 * before the protocol's JSON escaping, the gateway's pager then cuts to the exact cap.
 */
export function enginePageBytes(maxPageBytes: number): number {
  return Math.floor(maxPageBytes * 0.8);
}

export interface GatewayDeps {
  config: GatewayConfig;
  store: QueryStore;
  /** The engine that serves a target, undefined for an unknown target. */
  engineFor(target: string): Engine | undefined;
  router: Router;
  /** The targets' queue slots the router takes (decisions with `slot`); the gateway gives back those it does not use. */
  slots?: TargetSlots;
  /**
   * A target's queue limit as routing sees it now (undefined: it takes no query), with `slots`:
   * the waiting room counts free slots with it to find those given back by other instances.
   */
  queueLimit?(target: string): Promise<number | undefined>;
  authenticator: Authenticator;
  accessControl: AccessControl;
  analyzer?: Analyzer;
  /** Brings run-time changes of the access rules in (see acl/runtime.ts); called before each check. */
  refreshAccess?: () => Promise<void>;
  /**
   * Catalog browsing (system.jdbc, SHOW, DESCRIBE, information_schema) answered by the gateway
   * for the targets that lack it (Athena, the local engine); undefined for targets that answer
   * it themselves (Presto/Trino clusters).
   */
  metadataFor?(target: string): MetadataService | undefined;
  /**
   * A submit never reached `target` (connection refused...): mark it unhealthy so routing, on
   * every instance, stops choosing it until the health checks see it answer again.
   */
  targetUnreachable?(target: string, detail: string): Promise<void>;
  /** Where spooled segments are written (spooling protocol); without it every client gets inline rows. */
  segments?: SegmentStore;
  /** Bifrost's own events (core/events), emitted where a change is applied; never awaited. */
  events?: BifrostEvents;
  /** Cost accounting per target: the price per TB scanned (billed per scan), and whether tracking reads the engine's statistics. */
  accounting?: GatewayAccounting;
  /** Budgets checked at admission on targets billed per scan (core/budgets). */
  budgets?: BudgetGate;
  clock?: () => number;
  log?: Logger;
}

export interface GatewayAccounting {
  /** Price per TB scanned on the target; undefined when it is not billed per scan. */
  pricePerTerabyteUsd(target: string): number | undefined;
  /** Whether the target's engine has a status API tracking reads final statistics from (Athena, the local engine). */
  tracksStatistics(target: string): boolean;
}

/** What every part of the gateway works with: built once per gateway and passed to each part. */
export interface GatewayContext {
  readonly deps: GatewayDeps;
  /** A frozen copy: a caller changing its config object afterwards changes nothing. */
  readonly config: Readonly<GatewayConfig>;
  readonly log: Logger;
  readonly now: () => number;
  /** Signs the page tokens of nextUris and verifies them on the way back. */
  readonly signer: PageTokenSigner;
  /** Items of the queries this instance polls, between their polls (poll-cache.ts). */
  readonly pollCache: PollCache;
  /** Polls of waiting queries held by this instance, woken by the slots it gives back or finds free. */
  readonly room: WaitingRoom;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

export function createContext(deps: GatewayDeps): GatewayContext {
  const config = Object.freeze({ ...deps.config });
  const counters = deps.slots && deps.queueLimit ? { slots: deps.slots, queueLimit: deps.queueLimit.bind(deps) } : undefined;
  const room = new WaitingRoom({ holdMs: config.waitingPollWaitMs, recheckMs: config.pollWaitMs, ...(counters ? { counters } : {}) });
  deps.slots?.onRelease?.((target) => room.freed(target));
  return { deps, config, log: deps.log ?? silent, now: deps.clock ?? Date.now, signer: new PageTokenSigner(config.pageTokenKey), pollCache: new PollCache(), room };
}
