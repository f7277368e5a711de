import type { BifrostConfig } from '../config/schema.js';
import type { Principal } from '../ports/index.js';

export type AdminRole = 'admin' | 'viewer';

/**
 * The admin role of a principal from the config's `admin` section. Without one, the local server
 * makes everyone an admin (it is a developer's own machine) and a deployment makes nobody one:
 * the admin API stays closed until the config names its admins.
 */
export function adminRole(config: Pick<BifrostConfig, 'admin'>, principal: Pick<Principal, 'user' | 'groups'>, mode: 'local' | 'deployed'): AdminRole | undefined {
  const section = config.admin;
  if (!section) return mode === 'local' ? 'admin' : undefined;
  const member = (list: { users: string[]; groups: string[] }) => list.users.includes(principal.user) || principal.groups.some((g) => list.groups.includes(g));
  if (member(section.admins)) return 'admin';
  if (member(section.viewers)) return 'viewer';
  return undefined;
}
