import { ConfigError, type BifrostConfig } from '../config/schema.js';
import { effectiveConfig } from '../stores/config-store.js';
import type { ConfigStore, ConfigSource, EffectiveConfig } from '../ports/index.js';

/** A config that never changes (tests, `bifrost route`, deployments without run-time changes). */
export function staticConfig(config: BifrostConfig, version = 0): ConfigSource {
  const current: EffectiveConfig = { config, version };
  return { current: async () => current };
}

export interface CachedConfigOptions {
  /** The file config. */
  base: BifrostConfig;
  store: ConfigStore;
  /** How long a read of the store is trusted (config is not query state: a few seconds is fine). */
  ttlMs?: number;
  clock?: () => number;
  /** Told when the store cannot be read or holds overrides that do not fit the file. */
  onProblem?: (message: string, detail: Record<string, unknown>) => void;
}

/**
 * The file config plus the store's overrides, read at most once per `ttlMs` per process. The
 * effective config object stays the same between changes, so the router compiles it once per
 * version. If the store cannot be read, the last known config stays in use (the file's at first);
 * if the stored overrides do not fit the file (say a redeploy removed a target they name), the
 * file's config is used as a whole and the problems are reported: nothing is half applied.
 */
export function cachedConfigSource(options: CachedConfigOptions): ConfigSource & { invalidate(): void } {
  const ttl = options.ttlMs ?? 5_000;
  const clock = options.clock ?? Date.now;
  let cached: EffectiveConfig = { config: options.base, version: 0 };
  let fetchedAt = -Infinity;
  let inflight: Promise<EffectiveConfig> | undefined;

  async function refresh(): Promise<EffectiveConfig> {
    try {
      const overrides = await options.store.read();
      if (overrides.version !== cached.version || fetchedAt === -Infinity) {
        try {
          cached = { config: effectiveConfig(options.base, overrides), version: overrides.version };
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          options.onProblem?.('stored run-time config does not fit the config file; using the file', { version: overrides.version, problems: error.problems });
          cached = { config: options.base, version: overrides.version, problems: error.problems };
        }
      }
    } catch (error) {
      options.onProblem?.('could not read the run-time config; keeping the last known one', { error: String(error), version: cached.version });
    }
    fetchedAt = clock();
    return cached;
  }

  return {
    async current() {
      if (clock() - fetchedAt < ttl) return cached;
      inflight ??= refresh().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      fetchedAt = -Infinity;
    },
  };
}
