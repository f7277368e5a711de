import { parse as parseYaml } from 'yaml';
import { parseConfig, type BifrostConfig } from '../lambdas/core/config/schema.js';

/**
 * Physical names of what the stack creates by name. Workgroups, capacity reservations and Glue
 * databases are account-wide (per Region), so the config's names get a prefix: two environments
 * deployed from one config, or a `sales` database the account already has, never collide.
 * Unmanaged workgroups (`managed: false`) are used as they are: they exist already.
 *
 * The functions get a copy of the config with these names in place (resolvedConfigText), so that
 * the workgroup a function calls Athena with is the very name IAM grants and EventBridge matches.
 */
export interface PhysicalNames {
  /** The prefix, '' for none. */
  readonly prefix: string;
  /** Workgroup of an Athena target (by target name). */
  workgroup(target: string): string;
  reservation(name: string): string;
  glueDatabase(name: string): string;
}

/** deployment.namePrefix, else gateway.environment made safe for names. */
export function namePrefix(config: BifrostConfig): string {
  if (config.deployment.namePrefix !== undefined) return config.deployment.namePrefix;
  return config.gateway.environment
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
}

export function physicalNames(config: BifrostConfig): PhysicalNames {
  const prefix = namePrefix(config);
  const dashed = (name: string) => (prefix ? `${prefix}-${name}` : name);
  // Glue keeps database names in lower case, and Athena reads "-" as minus.
  const gluePrefix = prefix.toLowerCase().replace(/-/g, '_');
  return {
    prefix,
    workgroup: (target) => {
      const t = config.targets[target];
      if (t?.type !== 'athena') throw new Error(`'${target}' is not an Athena target`);
      return t.managed ? dashed(t.workgroup) : t.workgroup;
    },
    reservation: dashed,
    glueDatabase: (name) => (gluePrefix ? `${gluePrefix}_${name}` : name),
  };
}

/** Names the prefix would push past what AWS accepts, and names that now collide. */
export function physicalNameProblems(config: BifrostConfig): string[] {
  const names = physicalNames(config);
  const problems: string[] = [];
  const workgroups = new Map<string, string>();
  for (const [target, t] of Object.entries(config.targets)) {
    if (t.type !== 'athena') continue;
    const name = names.workgroup(target);
    if (name.length > 128) problems.push(`targets.${target}.workgroup: with the name prefix '${names.prefix}' the workgroup's name ${name} is longer than Athena's 128 characters; shorten it or deployment.namePrefix`);
    // An unmanaged workgroup may already bear the prefixed name of a managed one.
    const other = workgroups.get(name);
    if (other) problems.push(`targets.${target}.workgroup: ${name} is also the workgroup of target '${other}' once prefixed`);
    workgroups.set(name, target);
  }
  for (const reservation of Object.keys(config.capacityReservations)) {
    const name = names.reservation(reservation);
    if (name.length > 128) problems.push(`capacityReservations.${reservation}: with the name prefix '${names.prefix}' the reservation's name ${name} is longer than Athena's 128 characters`);
  }
  for (const database of Object.keys(config.glue.databases)) {
    const name = names.glueDatabase(database);
    if (name.length > 255) problems.push(`glue.databases.${database}: with the name prefix the database's name ${name} is longer than Glue's 255 characters`);
    if (config.deployment.readDatabases.includes(name)) problems.push(`glue.databases.${database}: ${name} is created by the stack and also listed in deployment.readDatabases as an existing database`);
  }
  return problems;
}

type Raw = Record<string, unknown>;
const isObject = (x: unknown): x is Raw => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The config file's text with the physical names in place and `deployment.namePrefix: ''` (the
 * names in it are final), as JSON. Built from the file's own data, not the parsed value, so the
 * functions parse and default it exactly as they would the original; it is checked to parse.
 */
export function resolvedConfigText(text: string, config: BifrostConfig): string {
  const names = physicalNames(config);
  const raw = parseYaml(text) as Raw;
  const targets = isObject(raw.targets) ? raw.targets : {};
  for (const [target, t] of Object.entries(targets)) {
    if (isObject(t) && t.type === 'athena') t.workgroup = names.workgroup(target);
  }
  if (isObject(raw.capacityReservations)) {
    raw.capacityReservations = Object.fromEntries(Object.entries(raw.capacityReservations).map(([name, spec]) => [names.reservation(name), spec]));
  }
  if (isObject(raw.glue) && isObject(raw.glue.databases)) {
    raw.glue.databases = Object.fromEntries(Object.entries(raw.glue.databases).map(([name, spec]) => [names.glueDatabase(name), spec]));
  }
  raw.deployment = { ...(isObject(raw.deployment) ? raw.deployment : {}), namePrefix: '' };
  const resolved = JSON.stringify(raw, null, 2);
  parseConfig(JSON.parse(resolved));
  return resolved;
}
