/**
 * `bifrost check --rules FILE --user U [--groups G1,G2] [--catalog C] [--schema S]`: reads JSON
 * lines `{"id", "sql"}` on stdin and writes `{"id", "allowed", "reason"}` per line, deciding as
 * the gateway would under the access rules of FILE: a rules file (Trino's file-based format, see
 * lambdas/core/acl/rules.ts) or a Bifrost config (YAML or JSON), whose `access` section is used.
 * A statement that cannot be analyzed is denied.
 */
import { readFile } from 'node:fs/promises';
import { AccessRulesError, createFileAccessControl, parseAccessRules, type AccessRules } from '../../lambdas/core/acl/index.js';
import { ConfigError, parseConfigText } from '../../lambdas/core/config/schema.js';
import { analyze } from '../../lambdas/core/sql/analyze.js';
import { parseOptions, type CommandIo } from '../cli.js';
import { readJsonLines } from './analyze.js';

const USAGE = `usage: bifrost check --rules FILE --user USER [--groups G1,G2] [--catalog C] [--schema S] < statements.jsonl

FILE is an access rules file (JSON) or a Bifrost config (YAML or JSON) with an access section.

Each output line is {"id", "allowed", "reason"}; the reason is what the client sees after "Access Denied: ".
`;

export async function run(args: string[], io: CommandIo): Promise<number> {
  const options = parseOptions(args, { rules: 'string', user: 'string', groups: 'string', catalog: 'string', schema: 'string', help: 'boolean' });
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const file = options.rules as string | undefined;
  const user = options.user as string | undefined;
  if (!file || !user) {
    io.stderr.write(USAGE);
    return 2;
  }
  const catalog = options.catalog as string | undefined;
  const schema = options.schema as string | undefined;
  if (schema !== undefined && catalog === undefined) throw new Error('--schema needs --catalog');
  let control;
  try {
    control = createFileAccessControl(rulesOf(await readFile(file, 'utf8')));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (error instanceof AccessRulesError || error instanceof ConfigError || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      io.stderr.write(`bifrost check: ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'cannot be read' : (error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
  const groups = ((options.groups as string | undefined) ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const principal = { user, groups };
  let bad = 0;
  await readJsonLines(io.stdin, (line) => {
    if ('error' in line) {
      bad++;
      io.stdout.write(JSON.stringify({ id: line.id, allowed: false, reason: line.error }) + '\n');
      return;
    }
    const decision = control.check(principal, analyze(line.sql, { catalog, schema, preparedStatements: line.preparedStatements }));
    io.stdout.write(JSON.stringify({ id: line.id, allowed: decision.allowed, reason: decision.allowed ? null : decision.reason }) + '\n');
  });
  return bad ? 1 : 0;
}

/** The rules of a rules file, or of a Bifrost config's `access` section (a config has `version` and `targets`). */
function rulesOf(text: string): AccessRules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const looksLikeRules = json !== undefined && typeof json === 'object' && json !== null && !('targets' in json);
  if (looksLikeRules) return parseAccessRules(text);
  const config = parseConfigText(text);
  if (!config.access) throw new ConfigError(['the config has no access section: every statement would be allowed']);
  return config.access;
}
