import type { BifrostConfig } from '../config/schema.js';
import type { ConfigSource } from '../ports/index.js';
import { createSwappableAccessControl, type FileAccessControl } from './file-access-control.js';

/**
 * Access rules that follow run-time changes: the file's rules at first, then whatever the config
 * store's overrides say, swapped atomically when their version changes. `refresh` reads the
 * (cached) config source; if the store cannot be read, the last known rules stay in force.
 */
export function runtimeAccessControl(base: BifrostConfig, source: ConfigSource): { control: FileAccessControl; refresh(): Promise<void> } {
  const control = createSwappableAccessControl(base.access ?? {});
  let applied = 0;
  return {
    control,
    async refresh() {
      const current = await source.current();
      if (current.version === applied) return;
      control.replace(current.config.access ?? {});
      applied = current.version;
    },
  };
}
